import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context';
import { ApiError } from '../../errors';
import { bodyRange, decideResponse, unsatisfiedRange } from '../../http/conditional';
import { sliceStream } from '../../streams/slice-stream';
import { encodeKey } from '../../s3/addressing';
import { fetchObject } from '../../s3/objects';
import { ObjectStoreError } from '../../s3/send';
import { errorResponses } from '../schemas';
import { assetKeyFromPath } from './asset-key';
import { log } from '../../log';

/**
 * The OpenAPI entry. Keys contain slashes, which a `{key}` path parameter cannot match in Hono,
 * so the handler is mounted on `/assets/*` and this document describes it.
 */
export const getAssetRoute = createRoute({
  method: 'get',
  path: '/assets/{key}',
  summary: 'A public asset, from the Cloudflare cache when it holds it',
  description:
    'Also HEAD. Conditional requests (If-None-Match, If-Modified-Since) and single byte ranges are honoured on hits and misses alike. X-Cache tells HIT or MISS.',
  request: {
    params: z.object({
      key: z.string().openapi({ param: { name: 'key', in: 'path' }, example: 'v/3/icons/task.png' }),
    }),
    headers: z.object({ range: z.string().optional(), 'if-none-match': z.string().optional() }),
  },
  responses: {
    200: {
      description: 'The asset',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    206: { description: 'A byte range of the asset' },
    304: { description: 'Not modified' },
    ...errorResponses(400, 404, 405, 416, 502, 504),
  },
});

const allowedMethods = 'GET, HEAD, OPTIONS';
// Headers a stored asset keeps; S3's own (x-amz-*) never reach a client.
const storedHeaders = ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control'] as const;
const missingMarker = 'x-asset-missing';

function publicHeaders(): Headers {
  return new Headers({ 'X-Content-Type-Options': 'nosniff', 'Access-Control-Allow-Origin': '*' });
}

/** The response to keep in the cache: the object with our headers, or a short-lived "missing". */
async function loadFromBucket(c: AppContext, key: string): Promise<Response> {
  const { buckets, assets } = c.var.config;
  const timeout = new AbortController();
  // Bound only the wait for S3's answer; the body of a large asset may take longer to stream.
  const timer = setTimeout(
    () => timeout.abort(new DOMException('origin timeout', 'TimeoutError')),
    assets.originTimeoutMs,
  );
  try {
    const object = await fetchObject(c.var.objectStore, buckets.assets, key, timeout.signal);
    const headers = publicHeaders();
    headers.set('Content-Type', object.contentType ?? 'application/octet-stream');
    headers.set('Content-Length', String(object.size));
    if (object.etag) headers.set('ETag', object.etag);
    if (object.lastModified) headers.set('Last-Modified', object.lastModified);
    const immutable = assets.immutablePrefix !== '' && key.startsWith(assets.immutablePrefix);
    headers.set('Cache-Control', `public, max-age=${assets.maxAgeSeconds}${immutable ? ', immutable' : ''}`);
    return new Response(object.body, { status: 200, headers });
  } catch (error) {
    if (!(error instanceof ObjectStoreError)) throw error;
    if (error.kind === 'not_found') {
      return new Response(null, {
        status: 404,
        headers: { 'Cache-Control': `public, max-age=${assets.missingMaxAgeSeconds}`, [missingMarker]: '1' },
      });
    }
    log('error', 'asset origin failed', { kind: error.kind, status: error.status ?? null, requestId: c.var.requestId });
    if (error.kind === 'timeout') throw new ApiError('gateway_timeout', 'the asset store did not answer in time');
    throw new ApiError('bad_gateway', 'the asset store failed to answer');
  } finally {
    clearTimeout(timer);
  }
}

function answer(c: AppContext, stored: Response, cacheStatus: 'HIT' | 'MISS'): Response {
  const headers = publicHeaders();
  for (const name of storedHeaders) {
    const value = stored.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  headers.set('Accept-Ranges', 'bytes');
  headers.set('X-Cache', cacheStatus);
  const size = Number(stored.headers.get('content-length'));
  const decision = decideResponse(c.req.method, c.req.raw.headers, {
    etag: stored.headers.get('etag'),
    lastModified: stored.headers.get('last-modified'),
    size,
  });
  const keepBody = c.req.method === 'GET' && (decision.kind === 'full' || decision.kind === 'partial');
  if (!keepBody) c.executionCtx.waitUntil(stored.body?.cancel() ?? Promise.resolve());

  switch (decision.kind) {
    case 'not_modified':
      headers.delete('content-length');
      headers.delete('content-type');
      return new Response(null, { status: 304, headers });
    case 'unsatisfiable':
      c.header('Content-Range', unsatisfiedRange(size));
      c.header('X-Cache', cacheStatus);
      throw new ApiError('range_not_satisfiable', 'the requested range is outside the asset');
    case 'partial':
    case 'full': {
      const { status, start, end } = bodyRange(headers, decision, size);
      const body = keepBody && stored.body && status === 206 ? sliceStream(stored.body, start, end) : stored.body;
      return new Response(keepBody ? body : null, { status, headers });
    }
  }
}

/**
 * GET and HEAD answered from `caches.default` (per data centre); a miss reads the bucket once and
 * stores the object with `ctx.waitUntil`, so the first response is not delayed by the store.
 */
export async function serveAsset(c: AppContext): Promise<Response> {
  const method = c.req.method;
  if (method === 'OPTIONS') {
    return new Response(null, {
      status: 204,
      headers: {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Max-Age': '86400',
        Allow: allowedMethods,
      },
    });
  }
  if (method !== 'GET' && method !== 'HEAD') {
    c.header('Allow', allowedMethods);
    throw new ApiError('method_not_allowed', 'assets are read with GET or HEAD');
  }
  const url = new URL(c.req.url);
  const key = assetKeyFromPath(url.pathname);
  if (key === null) throw new ApiError('invalid_request', 'not a valid asset key');

  // The cache key is the decoded key, encoded one canonical way: neither a query string nor
  // another percent-encoding of the same key (`%65nc.png` for `enc.png`, RFC 3986 §6.2.2.2) can
  // make a new entry, so nobody can turn every request into a miss that reaches the bucket.
  const cacheKey = new Request(`${url.origin}/assets/${encodeKey(key)}`, { method: 'GET' });
  const cache = caches.default;
  let stored = await cache.match(cacheKey);
  let cacheStatus: 'HIT' | 'MISS' = 'HIT';
  if (!stored) {
    cacheStatus = 'MISS';
    const loaded = await loadFromBucket(c, key);
    c.executionCtx.waitUntil(cache.put(cacheKey, loaded.clone()));
    stored = loaded;
  }
  if (stored.status === 404 || stored.headers.has(missingMarker)) {
    c.executionCtx.waitUntil(stored.body?.cancel() ?? Promise.resolve());
    c.header('X-Cache', cacheStatus);
    throw new ApiError('not_found', 'no such asset');
  }
  return answer(c, stored, cacheStatus);
}
