import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { AwsClient } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker';
import { gateway, randomBytes } from '../support/integration-helpers';

const s3 = new AwsClient({
  accessKeyId: env.S3_ACCESS_KEY_ID,
  secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  service: 's3',
  region: env.S3_REGION,
});

async function putAsset(key: string, bytes: Uint8Array, contentType = 'image/png') {
  const response = await s3.fetch(`${env.S3_ENDPOINT}/${env.BUCKET_ASSETS}/${key}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': contentType },
  });
  expect(response.status).toBe(200);
  await response.text();
}

/** GETs of this key that reached the S3 server so far. */
async function s3GetsFor(key: string): Promise<number> {
  const requests: { method: string; url: string }[] = await (await fetch(env.TEST_S3_REQUEST_LOG)).json();
  return requests.filter(
    (request) => request.method === 'GET' && request.url.split('?')[0] === `/${env.BUCKET_ASSETS}/${key}`,
  ).length;
}

function asset(key: string, init: RequestInit = {}) {
  return SELF.fetch(`${gateway}/assets/${key}`, init);
}

/** The cache is written in waitUntil; wait until a request is answered from it. */
async function untilCached(key: string): Promise<Response> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await asset(key);
    if (response.headers.get('x-cache') === 'HIT') return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${key} never became a cache hit`);
}

const uniqueKey = (name: string) => `icons/${crypto.randomUUID()}/${name}`;

describe('GET /assets/{key}', () => {
  it('a miss reads the bucket once; the second GET is a HIT that S3 never sees', async () => {
    const key = uniqueKey('task.png');
    const bytes = randomBytes(5000);
    await putAsset(key, bytes);
    const miss = await asset(key);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    expect(new Uint8Array(await miss.arrayBuffer())).toEqual(bytes);
    expect(miss.headers.get('content-type')).toBe('image/png');
    expect(miss.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(miss.headers.get('x-content-type-options')).toBe('nosniff');
    expect(miss.headers.get('access-control-allow-origin')).toBe('*');
    expect(miss.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(miss.headers.get('last-modified')).toMatch(/GMT$/);
    // S3's own headers never pass: x-amz-* from any server, x-rgw-* (x-rgw-object-type) from Ceph.
    expect([...miss.headers.keys()].filter((name) => /^x-(amz|rgw)-/.test(name))).toEqual([]);

    const hit = await untilCached(key);
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(bytes);
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    await (await asset(key)).arrayBuffer();
    expect(await s3GetsFor(key)).toBe(1);
  });

  it('keys under the versioned prefix are immutable; query strings do not bypass the cache', async () => {
    const key = `v/${crypto.randomUUID()}/logo.svg`;
    await putAsset(key, new TextEncoder().encode('<svg/>'), 'image/svg+xml');
    const first = await asset(key);
    expect(first.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
    await first.arrayBuffer();
    await untilCached(key).then((response) => response.arrayBuffer());
    const withQuery = await asset(`${key}?bust=${Math.random()}`);
    expect(withQuery.headers.get('x-cache')).toBe('HIT');
    await withQuery.arrayBuffer();
    expect(await s3GetsFor(key)).toBe(1);
  });

  it('answers 304 for a matching ETag or an unmodified date, on hits and misses', async () => {
    const key = uniqueKey('avatar.png');
    await putAsset(key, randomBytes(100));
    const future = new Date(Date.now() + 3600_000).toUTCString();
    const missNotModified = await asset(key, { headers: { 'if-modified-since': future } });
    expect(missNotModified.status).toBe(304);
    expect(missNotModified.headers.get('x-cache')).toBe('MISS');
    expect(await missNotModified.text()).toBe('');
    const hit = await untilCached(key);
    const etag = hit.headers.get('etag')!;
    await hit.arrayBuffer();
    const notModified = await asset(key, { headers: { 'if-none-match': `"other", ${etag}` } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(notModified.headers.get('x-cache')).toBe('HIT');
    const changed = await asset(key, { headers: { 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);
    expect((await changed.arrayBuffer()).byteLength).toBe(100);
  });

  it('serves byte ranges with 206, on a miss and on a hit, and 416 when unsatisfiable', async () => {
    const key = uniqueKey('sprite.png');
    const bytes = randomBytes(70_000);
    await putAsset(key, bytes);
    const missRange = await asset(key, { headers: { range: 'bytes=65530-65545' } });
    expect(missRange.status).toBe(206);
    expect(missRange.headers.get('x-cache')).toBe('MISS');
    expect(missRange.headers.get('content-range')).toBe('bytes 65530-65545/70000');
    expect(new Uint8Array(await missRange.arrayBuffer())).toEqual(bytes.slice(65530, 65546));
    await untilCached(key).then((response) => response.arrayBuffer());
    const suffix = await asset(key, { headers: { range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('x-cache')).toBe('HIT');
    expect(suffix.headers.get('content-length')).toBe('10');
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(-10));
    const open = await asset(key, { headers: { range: 'bytes=69990-' } });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.slice(69990));
    const beyond = await asset(key, { headers: { range: 'bytes=70000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */70000');
    expect((await beyond.json<{ error: { code: string } }>()).error.code).toBe('range_not_satisfiable');
    const staleIfRange = await asset(key, { headers: { range: 'bytes=0-1', 'if-range': '"not-the-etag"' } });
    expect(staleIfRange.status).toBe(200);
    expect((await staleIfRange.arrayBuffer()).byteLength).toBe(70_000);
  });

  it('HEAD gives the headers without a body', async () => {
    const key = uniqueKey('head.png');
    await putAsset(key, randomBytes(1234));
    for (const expected of ['MISS', 'HIT']) {
      if (expected === 'HIT') await untilCached(key).then((response) => response.arrayBuffer());
      const head = await asset(key, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('1234');
      expect(head.headers.get('x-cache')).toBe(expected);
      expect(await head.text()).toBe('');
    }
  });
});

describe('refusals', () => {
  it('unsafe keys are 400 and never reach S3', async () => {
    const before = await (await fetch(env.TEST_S3_REQUEST_LOG)).json<unknown[]>();
    for (const path of [
      '..%2f..%2fsecret',
      '%2e%2e%2fsecret',
      'a/%2E%2E%5Cb',
      'a%2e%2e',
      'a//b',
      'a%5cb',
      'a%2fb',
      '%00x',
      'a%0Ab',
      'a%7fb',
      '',
      'a/',
      'a/%2E',
      'bad%zzescape',
    ]) {
      const response = await asset(path);
      expect(response.status, path).toBe(400);
      expect((await response.json<{ error: { code: string } }>()).error.code).toBe('invalid_request');
    }
    const after = await (await fetch(env.TEST_S3_REQUEST_LOG)).json<unknown[]>();
    expect(after.length).toBe(before.length);
  });

  it('whole dot segments are resolved by the URL parser and cannot leave /assets/', async () => {
    // WHATWG URL treats '..' and '%2e%2e' alike as a double-dot segment and removes it, so these
    // reach /v1/tasks (401 without a token), never the bucket.
    for (const path of ['../v1/tasks', '%2e%2e/v1/tasks', '.%2E/v1/tasks']) {
      const response = await SELF.fetch(`${gateway}/assets/${path}`);
      expect(response.status, path).toBe(401);
      await response.text();
    }
  });

  it('methods other than GET, HEAD and OPTIONS are 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await asset('icons/x.png', { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect((await response.json<{ error: { code: string } }>()).error.code).toBe('method_not_allowed');
    }
    const options = await asset('icons/x.png', {
      method: 'OPTIONS',
      headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'GET' },
    });
    expect(options.status).toBe(204);
    expect(options.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('a missing object is 404 in the envelope, and the 404 is cached briefly', async () => {
    const key = uniqueKey('missing.png');
    const first = await asset(key);
    expect(first.status).toBe(404);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect((await first.json<{ error: { code: string; requestId: string } }>()).error).toMatchObject({
      code: 'not_found',
      requestId: first.headers.get('x-request-id'),
    });
    let cached: Response | undefined;
    for (let attempt = 0; attempt < 50 && cached?.headers.get('x-cache') !== 'HIT'; attempt++) {
      cached = await asset(key);
      await cached.text();
    }
    expect(cached!.status).toBe(404);
    expect(cached!.headers.get('x-cache')).toBe('HIT');
    expect(await s3GetsFor(key)).toBe(1);
  });
});

describe('origin faults', () => {
  async function callWith(overrides: Record<string, string>, key: string) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`${gateway}/assets/${key}`), { ...env, ...overrides }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it('S3 down → 502 in the envelope, and nothing is cached', async () => {
    const key = uniqueKey('down.png');
    await putAsset(key, randomBytes(10));
    const down = await callWith({ S3_ENDPOINT: 'http://127.0.0.1:1' }, key);
    expect(down.status).toBe(502);
    const text = await down.text();
    expect(JSON.parse(text).error.code).toBe('bad_gateway');
    expect(text).not.toContain('<');
    const after = await asset(key);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-cache')).toBe('MISS');
    await after.arrayBuffer();
  });

  it('S3 refusing the request (403 XML) → 502 without the XML', async () => {
    const key = uniqueKey('forbidden.png');
    await putAsset(key, randomBytes(10));
    const refused = await callWith({ S3_SECRET_ACCESS_KEY: 'wrong' }, key);
    expect(refused.status).toBe(502);
    expect(await refused.text()).not.toContain('SignatureDoesNotMatch');
  });

  it('S3 not answering in time → 504, and nothing is cached', async () => {
    const key = uniqueKey('slow.png');
    const slow = await callWith(
      { S3_ENDPOINT: env.TEST_HANGING_S3, BUCKET_ASSETS: 'hang-bucket', ASSET_ORIGIN_TIMEOUT_MS: '300' },
      key,
    );
    expect(slow.status).toBe(504);
    expect((await slow.json<{ error: { code: string } }>()).error.code).toBe('gateway_timeout');
    const again = await callWith(
      { S3_ENDPOINT: env.TEST_HANGING_S3, BUCKET_ASSETS: 'hang-bucket', ASSET_ORIGIN_TIMEOUT_MS: '300' },
      key,
    );
    expect(again.status).toBe(504);
    await again.text();
  });
});
