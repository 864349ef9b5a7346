import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../context';
import { log } from '../log';

// A client may pass its own id to correlate logs; anything but a short token is replaced, so a
// header cannot inject into log lines.
const acceptableRequestId = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Gives every request an id (echoed as `X-Request-Id`) and leaves exactly one JSON log line per
 * request: method, route pattern (never the raw URL, which may carry a signed token), status,
 * milliseconds, principal id and request id.
 */
export function requestLog() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered && acceptableRequestId.test(offered) ? offered : crypto.randomUUID();
    c.set('requestId', requestId);
    try {
      await next();
    } finally {
      c.res.headers.set('X-Request-Id', requestId);
      log(c.res.status >= 500 ? 'error' : 'info', 'request', {
        method: c.req.method,
        route: routePath(c, -1),
        status: c.res.status,
        ms: Date.now() - started,
        principal: c.get('token')?.userId ?? null,
        requestId,
      });
    }
  });
}
