import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Turns origin patterns into one matcher. `*` in the host stands for one or more DNS labels
 * (`https://*.xum-ai.app`), `*` as the port for any port (`http://localhost:*`); nothing else is
 * a wildcard, so `https://evil.example/xum-ai.app` cannot match.
 */
export function originMatcher(patterns: string[]): (origin: string) => boolean {
  const expressions = patterns.map((pattern) => {
    const [scheme, rest = ''] = pattern.split('://');
    const [host = '', port] = rest.split(/:(?=[^:]*$)/);
    const hostExpression = escapeRegExp(host).replace(/\*/g, '[a-z0-9-]+(?:\\.[a-z0-9-]+)*');
    const portExpression = port === undefined ? '' : port === '*' ? '(?::\\d{1,5})?' : `:${escapeRegExp(port)}`;
    return new RegExp(`^${escapeRegExp(scheme ?? '')}://${hostExpression}${portExpression}$`, 'i');
  });
  return (origin) => expressions.some((expression) => expression.test(origin));
}

/**
 * CORS for the API: only configured origins get CORS headers; a preflight is answered here and
 * may be cached by the browser for 10 minutes (Fetch standard, Access-Control-Max-Age).
 */
export function apiCors() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { isAllowedOrigin } = c.var.isolate;
    return cors({
      origin: (origin) => (isAllowedOrigin(origin) ? origin : null),
      allowMethods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'Content-Length', 'ETag'],
      maxAge: 600,
    })(c, next);
  });
}
