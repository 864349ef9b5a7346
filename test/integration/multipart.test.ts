import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createContributor,
  putToPresignedUrl,
  randomBytes,
  requestUpload,
  serviceDatabase,
  tokenFor,
} from '../support/integration-helpers';

// Multipart uploads against the S3 server. ListParts, AbortMultipartUpload and a part list S3
// refuses (s3rver lacks the first two and crashes on the third) are proven against Ceph RGW.

const MiB = 1024 * 1024;
const sql = serviceDatabase();
let token: string;

beforeAll(async () => {
  token = await tokenFor(await createContributor(sql));
});
afterAll(() => sql.end());

async function sha256Hex(bytes: Uint8Array) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('');
}

async function putParts(submissionId: string, bytes: Uint8Array, partSize: number, partNumbers: number[]) {
  const signed = await call('POST', `/v1/uploads/${submissionId}/parts`, { token, json: { partNumbers } });
  expect(signed.status).toBe(200);
  const etags: { partNumber: number; etag: string }[] = [];
  for (const part of signed.json.parts as { partNumber: number; url: string; headers: Record<string, string> }[]) {
    const body = bytes.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize);
    expect(part.headers['Content-Length']).toBe(String(body.byteLength));
    const response = await fetch(part.url, { method: 'PUT', body });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    etags.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
  }
  return etags;
}

describe('multipart uploads', () => {
  const size = 64 * MiB + 1;
  let bytes: Uint8Array;
  beforeAll(() => {
    bytes = randomBytes(size);
  });

  it('above the threshold: parts of 8 MiB uploaded straight to S3, assembled, verified, recorded', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      method: 'MULTIPART',
      partSize: 8 * MiB,
      partCount: 9,
      uploadId: expect.any(String),
    });
    const { submissionId } = created.json;
    const parts = await putParts(submissionId, bytes, 8 * MiB, [1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const completed = await call('POST', `/v1/uploads/${submissionId}/complete`, { token, json: { parts } });
    expect(completed.status).toBe(200);
    expect(completed.json.submission).toMatchObject({ status: 'uploaded', size, sha256: await sha256Hex(bytes) });
    const again = await call('POST', `/v1/uploads/${submissionId}/complete`, { token, json: { parts } });
    expect(again.json).toEqual(completed.json);
  });

  it('part URLs sign each part’s exact length: S3 refuses any other', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    const signed = await call('POST', `/v1/uploads/${created.json.submissionId}/parts`, {
      token,
      json: { partNumbers: [9] },
    });
    expect(signed.json.parts[0].headers).toEqual({ 'Content-Length': '1' });
    const wrong = await fetch(signed.json.parts[0].url, { method: 'PUT', body: new Uint8Array(2) });
    expect(wrong.status).toBe(403);
    await wrong.text();
  });

  it('refuses part numbers outside the upload, more than 100 at once, and other people’s uploads', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    const id = created.json.submissionId;
    expect((await call('POST', `/v1/uploads/${id}/parts`, { token, json: { partNumbers: [10] } })).status).toBe(400);
    expect((await call('POST', `/v1/uploads/${id}/parts`, { token, json: { partNumbers: [0] } })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, index) => (index % 9) + 1);
    expect((await call('POST', `/v1/uploads/${id}/parts`, { token, json: { partNumbers: tooMany } })).status).toBe(400);
    const stranger = await tokenFor(await createContributor(sql));
    for (const [method, path, json] of [
      ['POST', `/v1/uploads/${id}/parts`, { partNumbers: [1] }],
      ['GET', `/v1/uploads/${id}/parts`, undefined],
      ['DELETE', `/v1/uploads/${id}`, undefined],
      ['POST', `/v1/uploads/${id}/complete`, { parts: [{ partNumber: 1, etag: '"x"' }] }],
    ] as const) {
      const result = await call(method, path, { token: stranger, json });
      expect(result.status, `${method} ${path}`).toBe(404);
    }
  });

  it('a multipart complete without its parts is 400 and leaves the upload pending', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    const id = created.json.submissionId;
    expect((await call('POST', `/v1/uploads/${id}/complete`, { token })).status).toBe(400);
    const [row] = await sql`select status from public.submissions where id = ${id}`;
    expect(row!.status).toBe('pending');
  });

  it('single PUT uploads have no parts', async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 10 });
    expect(created.json.method).toBe('PUT');
    const parts = await call('POST', `/v1/uploads/${created.json.submissionId}/parts`, {
      token,
      json: { partNumbers: [1] },
    });
    expect(parts.status).toBe(409);
  });
});

describe('DELETE /v1/uploads/{id}', () => {
  it('aborts a pending single upload, idempotently; it can then no longer be completed', async () => {
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 10 });
    const id = created.json.submissionId;
    const aborted = await call('DELETE', `/v1/uploads/${id}`, { token });
    expect(aborted.status).toBe(200);
    expect(aborted.json.submission.status).toBe('aborted');
    expect((await call('DELETE', `/v1/uploads/${id}`, { token })).json.submission.status).toBe('aborted');
    const completed = await call('POST', `/v1/uploads/${id}/complete`, { token });
    expect(completed.status).toBe(409);
  });

  it('an uploaded submission cannot be aborted', async () => {
    const bytes = randomBytes(5);
    const created = await requestUpload(token, { contentType: 'audio/webm', size: 5 });
    expect((await putToPresignedUrl(created.json.url, created.json.headers, bytes)).status).toBe(200);
    expect((await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token })).status).toBe(200);
    const refused = await call('DELETE', `/v1/uploads/${created.json.submissionId}`, { token });
    expect(refused.status).toBe(409);
  });
});
