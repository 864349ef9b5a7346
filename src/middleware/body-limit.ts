import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

/**
 * Refuses request bodies over `maxJsonBodyBytes` with 413 before anything reads them: before the
 * token is verified and before JSON is parsed, so no caller can make the Worker parse megabytes.
 * A declared Content-Length is checked up front; a chunked body is counted as it arrives and
 * refused at the first byte over the limit (RFC 9110 §15.5.14).
 */
export function jsonBodyLimit() {
  return createMiddleware<AppEnv>((c, next) =>
    bodyLimit({
      maxSize: c.var.config.maxJsonBodyBytes,
      onError: () => {
        throw new ApiError('payload_too_large', `request body exceeds ${c.var.config.maxJsonBodyBytes} bytes`);
      },
    })(c, next),
  );
}
