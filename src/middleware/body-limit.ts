import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

function joined(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Refuses request bodies over `maxJsonBodyBytes` with 413 before anything reads them: before the
 * token is verified and before JSON is parsed, so no caller can make the Worker parse megabytes.
 * A declared Content-Length is checked up front; a chunked body is counted as it arrives and
 * refused at the first byte over the limit (RFC 9110 §15.5.14). A refused body is cancelled, not
 * left half read, so the runtime does not fail the connection under the response.
 */
export function jsonBodyLimit() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const limit = c.var.config.maxJsonBodyBytes;
    const tooLarge = () => new ApiError('payload_too_large', `request body exceeds ${limit} bytes`);
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) <= limit) return next();
      await body.cancel().catch(() => {});
      throw tooLarge();
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: joined(chunks, size) });
    return next();
  });
}
