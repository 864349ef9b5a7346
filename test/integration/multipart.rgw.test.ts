import { env, SELF } from 'cloudflare:test';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upload } from '../../sdk';
import {
  call,
  createContributor,
  demoTaskId,
  errorOf,
  gateway,
  randomBytes,
  requestUpload,
  serviceDatabase,
  tokenFor,
} from '../support/integration-helpers';

// What needs a complete S3 (Ceph RGW here; s3rver lacks ListParts and AbortMultipartUpload and
// crashes on a part list it cannot assemble): resuming, aborting and refused completions, through
// the gateway and through the SDK, which runs here in workerd just as in a browser.

const MiB = 1024 * 1024;
const size = 64 * MiB + 1;
const sql = serviceDatabase();
let token: string;
let bytes: Uint8Array;
const gatewayFetch: typeof fetch = (input, init) => SELF.fetch(input as string, init as RequestInit);

beforeAll(async () => {
  token = await tokenFor(await createContributor(sql));
  bytes = randomBytes(size);
});
afterAll(() => sql.end());

async function s3Requests(): Promise<{ method: string; url: string }[]> {
  return (await fetch(env.TEST_S3_REQUEST_LOG)).json();
}

async function putPart(submissionId: string, partNumber: number) {
  const signed = await call('POST', `/v1/uploads/${submissionId}/parts`, {
    token,
    json: { partNumbers: [partNumber] },
  });
  const response = await fetch(signed.json.parts[0].url, {
    method: 'PUT',
    body: bytes.subarray((partNumber - 1) * 8 * MiB, partNumber * 8 * MiB),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get('etag')!;
}

describe('multipart uploads against Ceph RGW', () => {
  it('GET /v1/uploads/{id}/parts lists what S3 holds, with ETags and sizes', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    const id = created.json.submissionId;
    expect((await call('GET', `/v1/uploads/${id}/parts`, { token })).json.parts).toEqual([]);
    const first = await putPart(id, 1);
    const last = await putPart(id, 9);
    const listed = await call('GET', `/v1/uploads/${id}/parts`, { token });
    expect(listed.json.parts).toEqual([
      { partNumber: 1, etag: first, size: 8 * MiB },
      { partNumber: 9, etag: last, size: 1 },
    ]);
  });

  it('a part list S3 cannot assemble is 409 and leaves the upload pending', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    const id = created.json.submissionId;
    await putPart(id, 1);
    const bogus = await call('POST', `/v1/uploads/${id}/complete`, {
      token,
      json: { parts: [{ partNumber: 1, etag: '"00000000000000000000000000000000"' }] },
    });
    expect(bogus.status).toBe(409);
    expect(errorOf(bogus).message).toMatch(/^object storage refused the part list \((InvalidPart|EntityTooSmall)\)$/);
    const [row] = await sql`select status from public.submissions where id = ${id}`;
    expect(row!.status).toBe('pending');
  });

  it('DELETE aborts the multipart upload in S3 and marks the submission aborted', async () => {
    const created = await requestUpload(token, { contentType: 'video/mp4', size });
    const { submissionId: id, uploadId } = created.json;
    await putPart(id, 2);
    const aborted = await call('DELETE', `/v1/uploads/${id}`, { token });
    expect(aborted.status).toBe(200);
    expect(aborted.json.submission.status).toBe('aborted');
    // S3 no longer knows the upload.
    const s3 = new AwsClient({
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      service: 's3',
      region: env.S3_REGION,
    });
    const [row] = await sql`select object_key from public.submissions where id = ${id}`;
    const listing = await s3.fetch(
      `${env.S3_ENDPOINT}/${env.BUCKET_RAW}/${row!.object_key}?uploadId=${encodeURIComponent(uploadId)}`,
    );
    expect(listing.status).toBe(404);
    // S3 names it NoSuchUpload; Ceph RGW (Pacific) answers NoSuchKey.
    expect(await listing.text()).toMatch(/<Code>(NoSuchUpload|NoSuchKey)<\/Code>/);
    expect((await call('GET', `/v1/uploads/${id}/parts`, { token })).status).toBe(409);
  });
});

describe('the SDK against Ceph RGW', () => {
  it('an upload killed halfway resumes from ListParts: only the missing parts are sent again', async () => {
    let submissionId = '';
    let parts = 0;
    const killed = upload(bytes, {
      api: gateway,
      fetch: gatewayFetch,
      token,
      taskId: demoTaskId,
      contentType: 'video/mp4',
      concurrency: 1,
      onSubmission: (id) => (submissionId = id),
      onProgress: () => {
        // The fourth report is after the third part: the process "dies" there.
        if (++parts === 4) throw new Error('killed');
      },
    });
    await expect(killed).rejects.toThrow('killed');
    const [row] = await sql`select object_key, status from public.submissions where id = ${submissionId}`;
    expect(row!.status).toBe('pending');
    const putsBefore = (await s3Requests()).filter(
      (request) => request.method === 'PUT' && request.url.includes(row!.object_key),
    ).length;
    expect(putsBefore).toBe(3);

    const submission = await upload(bytes, {
      api: gateway,
      fetch: gatewayFetch,
      token,
      taskId: demoTaskId,
      contentType: 'video/mp4',
      resume: submissionId,
      concurrency: 4,
    });
    expect(submission.status).toBe('uploaded');
    const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
      .map((byte) => byte.toString(16).padStart(2, '0'))
      .join('');
    expect(submission.sha256).toBe(digest);
    const putsAfter = (await s3Requests()).filter(
      (request) => request.method === 'PUT' && request.url.includes(row!.object_key),
    ).length;
    expect(putsAfter - putsBefore).toBe(6);
  }, 120_000);

  it('aborting with the signal aborts the upload in S3 too', async () => {
    const controller = new AbortController();
    let submissionId = '';
    const aborted = upload(bytes, {
      api: gateway,
      fetch: gatewayFetch,
      token,
      taskId: demoTaskId,
      contentType: 'video/mp4',
      concurrency: 2,
      signal: controller.signal,
      onSubmission: (id) => (submissionId = id),
      onProgress: ({ uploadedBytes }) => uploadedBytes > 0 && controller.abort(new Error('user cancelled')),
    });
    await expect(aborted).rejects.toThrow('user cancelled');
    const [row] = await sql`select status, object_key from public.submissions where id = ${submissionId}`;
    expect(row!.status).toBe('aborted');
    const deletes = (await s3Requests()).filter(
      (request) =>
        request.method === 'DELETE' && request.url.includes(row!.object_key) && request.url.includes('uploadId='),
    );
    expect(deletes).toHaveLength(1);
  }, 120_000);
});
