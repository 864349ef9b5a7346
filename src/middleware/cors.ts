import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';

/**
 * CORS for the API: only configured origins get CORS headers; a preflight is answered here and
 * may be cached by the browser for 10 minutes (Fetch standard, Access-Control-Max-Age).
 */
export function apiCors() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { isAllowedOrigin } = c.var.isolate;
    return cors({
      origin: (origin) => (isAllowedOrigin(origin) ? origin : null),
      // Every method a route answers: PUT and PATCH are the administration routes (roles, tasks,
      // assignments), which a browser console on an allowed origin calls.
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'Content-Length', 'ETag'],
      maxAge: 600,
    })(c, next);
  });
}
