import { env } from 'cloudflare:test';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createContributor,
  demoTaskId,
  errorOf,
  putToPresignedUrl,
  randomBytes,
  requestUpload,
  serviceDatabase,
  tokenFor,
} from '../support/integration-helpers';

const sql = serviceDatabase();
let token: string;
let userId: string;

beforeAll(async () => {
  const contributor = await createContributor(sql);
  userId = contributor.userId;
  token = await tokenFor(contributor);
});
afterAll(() => sql.end());

async function submissionCount() {
  const [row] = await sql`select count(*)::int as count from public.submissions where contributor_id = ${userId}`;
  return row!.count as number;
}

async function sha256Hex(bytes: Uint8Array) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

describe('POST /v1/uploads → PUT → complete', () => {
  it('uploads straight to S3 and records size, CRC32 and SHA-256', async () => {
    const bytes = new TextEncoder().encode('hello world');
    const created = await requestUpload(token, {
      contentType: 'audio/webm',
      size: bytes.byteLength,
      filename: 'take-1.webm',
    });
    expect(created.status).toBe(201);
    expect(created.json.method).toBe('PUT');
    expect(created.json.headers).toEqual({
      'Content-Type': 'audio/webm',
      'Content-Length': '11',
      'x-amz-acl': 'private',
    });
    const url = new URL(created.json.url);
    // The URL names the staging key; complete copies the object to the final key no URL names.
    expect(url.pathname).toBe(`/xum-raw-submissions/incoming/${demoTaskId}/${created.json.submissionId}`);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-acl');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    const expiresIn = Date.parse(created.json.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    const [pending] =
      await sql`select status, object_key from public.submissions where id = ${created.json.submissionId}`;
    expect(pending).toEqual({ status: 'pending', object_key: `raw/${demoTaskId}/${created.json.submissionId}` });

    expect((await putToPresignedUrl(created.json.url, created.json.headers, bytes)).status).toBe(200);
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
    expect(completed.status).toBe(200);
    expect(completed.json.submission).toMatchObject({
      id: created.json.submissionId,
      status: 'uploaded',
      size: 11,
      // CRC-32 of "hello world" (zlib.crc32 / binascii.crc32) is 0x0d4a1185.
      crc32: 0x0d4a1185,
      sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
      filename: 'take-1.webm',
      contributorId: userId,
    });
    expect(completed.json.submission).not.toHaveProperty('objectKey');
  });

  it('checksums a multi-chunk object exactly', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const created = await requestUpload(token, { contentType: 'video/mp4', size: bytes.byteLength });
    await putToPresignedUrl(created.json.url, created.json.headers, bytes);
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
    expect(completed.json.submission.size).toBe(bytes.byteLength);
    expect(completed.json.submission.sha256).toBe(await sha256Hex(bytes));
    const { crc32 } = await import('node:zlib');
    expect(completed.json.submission.crc32).toBe(crc32(bytes));
  });

  it('is idempotent: a second complete returns the same submission', async () => {
    const bytes = randomBytes(1000);
    const created = await requestUpload(token, { contentType: 'image/png', size: 1000 });
    await putToPresignedUrl(created.json.url, created.json.headers, bytes);
    const first = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
    const second = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
  });

  it('the raw bucket answers browser preflights for app origins only (production-like CORS)', async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 1 });
    const preflight = (origin: string) =>
      fetch(created.json.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://app.xum-ai.app');
    expect(allowed.status).toBe(200);
    // S3, and Ceph RGW with it, echo the origin a wildcard rule matched; s3rver answers any
    // matched preflight with '*'. Either admits the app, and each server is held to its own answer.
    expect(allowed.headers.get('access-control-allow-origin')).toBe(
      env.TEST_S3_KIND === 's3rver' ? '*' : 'https://app.xum-ai.app',
    );
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    await allowed.text();
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    await refused.text();
  });

  it('S3 refuses a PUT with another size or another type than was signed', async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 11 });
    // Every other signed header exactly as listed, so only the size or the type differs.
    const longer = await putToPresignedUrl(
      created.json.url,
      created.json.headers,
      new TextEncoder().encode('hello world!'),
    );
    expect(longer.status).toBe(403);
    expect(longer.text).toContain('SignatureDoesNotMatch');
    const otherType = await putToPresignedUrl(
      created.json.url,
      { ...created.json.headers, 'Content-Type': 'text/html' },
      new TextEncoder().encode('hello world'),
    );
    expect(otherType.status).toBe(403);
    expect(otherType.text).toContain('SignatureDoesNotMatch');
    // Nothing was stored, so completing is still refused.
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
    expect(completed.status).toBe(409);
    // The URL itself was fine: with the listed headers and 11 bytes, S3 takes it.
    expect(
      (await putToPresignedUrl(created.json.url, created.json.headers, new TextEncoder().encode('hello world'))).status,
    ).toBe(200);
  });

  it('completing before the object exists is 409 and leaves the submission pending', async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 5 });
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token });
    expect(completed.status).toBe(409);
    expect(errorOf(completed)).toMatchObject({ code: 'conflict', message: 'object has not been uploaded yet' });
    const [row] =
      await sql`select status, size, crc32, sha256 from public.submissions where id = ${created.json.submissionId}`;
    expect(row).toEqual({ status: 'pending', size: null, crc32: null, sha256: null });
  });

  it('a key-like filename stays metadata and never reaches the object key', async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 3, filename: '../../x' });
    expect(created.status).toBe(201);
    const url = new URL(created.json.url);
    expect(url.pathname).toBe(`/xum-raw-submissions/incoming/${demoTaskId}/${created.json.submissionId}`);
    expect(created.json.url).not.toContain('..');
    const [row] =
      await sql`select original_filename, object_key from public.submissions where id = ${created.json.submissionId}`;
    expect(row).toEqual({ original_filename: '../../x', object_key: `raw/${demoTaskId}/${created.json.submissionId}` });
  });

  it("someone else's upload cannot be completed: 404, as if it did not exist", async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 2 });
    const other = await tokenFor(await createContributor(sql));
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token: other });
    expect(completed.status).toBe(404);
    expect(errorOf(completed).code).toBe('not_found');
  });
});

describe('bad input to POST /v1/uploads changes nothing', () => {
  const cases: [string, () => Promise<{ status: number; json: any }>, number, string][] = [
    [
      'malformed JSON',
      () => call('POST', '/v1/uploads', { token, body: '{"taskId":', headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    ],
    [
      'not JSON at all',
      () => call('POST', '/v1/uploads', { token, body: 'taskId=1', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    ],
    ['wrong types', () => requestUpload(token, { contentType: 'audio/webm', size: '11' }), 400, 'invalid_request'],
    ['negative size', () => requestUpload(token, { contentType: 'audio/webm', size: -1 }), 400, 'invalid_request'],
    [
      'unknown fields',
      () => requestUpload(token, { contentType: 'audio/webm', size: 1, bucket: 'other' }),
      400,
      'invalid_request',
    ],
    [
      'missing fields',
      () => call('POST', '/v1/uploads', { token, json: { taskId: demoTaskId } }),
      400,
      'invalid_request',
    ],
    ['not a media type', () => requestUpload(token, { contentType: 'audio', size: 1 }), 400, 'invalid_request'],
    [
      'control characters in the filename',
      () => requestUpload(token, { contentType: 'audio/webm', size: 1, filename: 'a\nb' }),
      400,
      'invalid_request',
    ],
    [
      'unknown task',
      () =>
        call('POST', '/v1/uploads', {
          token,
          json: { taskId: crypto.randomUUID(), contentType: 'audio/webm', size: 1 },
        }),
      404,
      'not_found',
    ],
    [
      'oversize',
      () => requestUpload(token, { contentType: 'audio/webm', size: 5 * 1024 ** 3 + 1 }),
      413,
      'payload_too_large',
    ],
    ['disallowed type', () => requestUpload(token, { contentType: 'text/html', size: 1 }), 400, 'invalid_request'],
  ];

  for (const [name, send, status, code] of cases) {
    it(name, async () => {
      const before = await submissionCount();
      const result = await send();
      expect(result.status).toBe(status);
      expect(result.json.error.code).toBe(code);
      expect(result.json.error.requestId).toMatch(/\S+/);
      expect(await submissionCount()).toBe(before);
    });
  }

  it('a task not assigned to the caller is 404 and a closed task 409', async () => {
    const [hidden] =
      await sql`insert into public.tasks (title, allowed_content_types, max_bytes) values ('hidden', array['audio/*'], 100) returning id`;
    const [closed] =
      await sql`insert into public.tasks (title, status, allowed_content_types, max_bytes) values ('closed', 'closed', array['audio/*'], 100) returning id`;
    await sql`insert into public.task_assignments (task_id, user_id) values (${closed!.id}, ${userId})`;
    const before = await submissionCount();
    const notMine = await call('POST', '/v1/uploads', {
      token,
      json: { taskId: hidden!.id, contentType: 'audio/webm', size: 1 },
    });
    expect(notMine.status).toBe(404);
    const closedTask = await call('POST', '/v1/uploads', {
      token,
      json: { taskId: closed!.id, contentType: 'audio/webm', size: 1 },
    });
    expect(closedTask.status).toBe(409);
    expect(errorOf(closedTask).message).toBe('task is closed');
    expect(await submissionCount()).toBe(before);
  });

  it('the wrong role is 403', async () => {
    const result = await requestUpload(await tokenFor('company'), { contentType: 'audio/webm', size: 1 });
    expect(result.status).toBe(403);
    expect(errorOf(result).code).toBe('forbidden');
  });

  it('the database opens nothing the route would not: no insert as the user, and gateway.open_submission refuses a task not assigned to the caller', async () => {
    const [hidden] =
      await sql`insert into public.tasks (title, allowed_content_types, max_bytes) values ('rls', array['audio/*'], 100) returning id`;
    const claims = JSON.stringify({ sub: userId, role: 'authenticated' });
    const asCaller = <T>(work: (tx: postgres.TransactionSql) => Promise<T>) =>
      sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
        return work(tx);
      });
    // The Data API's way: refused for every task, the caller's own included.
    for (const task of [hidden!.id, demoTaskId]) {
      const insert = asCaller(
        (tx) =>
          tx`insert into public.submissions (task_id, contributor_id, content_type, declared_size) values (${task}, ${userId}, 'audio/webm', 1)`,
      );
      await expect(insert).rejects.toThrow(/permission denied for table submissions/);
    }
    const before = await submissionCount();
    const opened = await asCaller(
      (tx) => tx`select * from gateway.open_submission(${hidden!.id}, 'audio/webm', 1, null)`,
    );
    expect(opened).toHaveLength(0);
    expect(await submissionCount()).toBe(before);
  });
});
