import { env, SELF } from 'cloudflare:test';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCompanyId } from '../../scripts/lib/jwt';
import {
  call,
  createContributor,
  demoTaskId,
  demoUsers,
  errorOf,
  gateway,
  putToPresignedUrl,
  randomBytes,
  requestUpload,
  serviceDatabase,
  tokenFor,
  uploadSubmission,
} from '../support/integration-helpers';

// Attacks on stored bytes, headers and links, each tried the way a contributor or a company user
// would; each test fails if its attack works.
// The ACL attack needs an S3 that enforces ACLs on anonymous reads: attacks.rgw.test.ts.

const sql = serviceDatabase();
let contributor: string;
let validator: string;
let admin: string;
let company: string;

beforeAll(async () => {
  contributor = await tokenFor(await createContributor(sql));
  validator = await tokenFor('validator');
  admin = await tokenFor('admin');
  company = await tokenFor('company');
});
afterAll(() => sql.end());

async function approve(id: string) {
  expect(
    (await call('POST', `/v1/submissions/${id}/review`, { token: validator, json: { decision: 'approve' } })).status,
  ).toBe(200);
}

async function fetchBytes(url: string, init: RequestInit = {}) {
  const response = url.startsWith(gateway) ? await SELF.fetch(url, init) : await fetch(url, init);
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let start = 0; start + needle.byteLength <= haystack.byteLength; start++) {
    for (let offset = 0; offset < needle.byteLength; offset++)
      if (haystack[start + offset] !== needle[offset]) continue outer;
    return start;
  }
  return -1;
}

/** Requests of the S3 server so far (the logging proxy in front of it). */
async function s3Requests(): Promise<{ method: string; url: string }[]> {
  return (await fetch(env.TEST_S3_REQUEST_LOG)).json();
}

describe('1. bytes swapped after approval', () => {
  it('a second PUT through the still-valid URL reaches only the staging key: view links and bundles (whole and ranged) serve the verified bytes', async () => {
    const original = randomBytes(4096);
    const swapped = randomBytes(4096);
    const created = await requestUpload(contributor, { contentType: 'audio/webm', size: original.byteLength });
    expect((await putToPresignedUrl(created.json.url, created.json.headers, original)).status).toBe(200);
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token: contributor });
    expect(completed.status).toBe(200);
    await approve(created.json.submissionId);

    // Same size, same type, same URL: S3 accepts it, but not where anyone reads from.
    expect((await putToPresignedUrl(created.json.url, created.json.headers, swapped)).status).toBe(200);

    const view = await call('POST', `/v1/submissions/${created.json.submissionId}/view-url`, { token: validator });
    const viewed = await fetchBytes(view.json.url);
    expect(viewed.response.status).toBe(200);
    expect(viewed.bytes).toEqual(original);

    const bundle = await call('POST', '/v1/bundles', {
      token: admin,
      json: { submissionIds: [created.json.submissionId] },
    });
    const whole = await fetchBytes(bundle.json.url);
    expect(whole.bytes.byteLength).toBe(bundle.json.bytes);
    const at = indexOfBytes(whole.bytes, original);
    expect(at).toBeGreaterThan(0);
    expect(indexOfBytes(whole.bytes, swapped)).toBe(-1);
    const ranged = await fetchBytes(bundle.json.url, {
      headers: { range: `bytes=${at}-${at + original.byteLength - 1}` },
    });
    expect(ranged.response.status).toBe(206);
    expect(ranged.bytes).toEqual(original);
    const [row] = await sql`select sha256 from public.submissions where id = ${created.json.submissionId}`;
    expect(row!.sha256).toBe(completed.json.submission.sha256);
  });
});

describe('3. active content', () => {
  it('SVG and HTML uploads are refused at presign, whatever the task admits', async () => {
    for (const contentType of ['image/svg+xml', 'text/html', 'application/xhtml+xml', 'IMAGE/SVG+XML; charset=utf-8']) {
      const refused = await requestUpload(contributor, { contentType, size: 10 });
      expect(refused.status, contentType).toBe(400);
      expect(errorOf(refused)).toMatchObject({
        code: 'invalid_request',
        message: 'content type not allowed for this task',
      });
    }
  });

  it('view links show only playable media inline; anything else downloads as an attachment of no particular type', async () => {
    const cases = [
      { contentType: 'audio/webm', disposition: 'inline', type: 'audio/webm' },
      { contentType: 'image/png', disposition: 'inline', type: 'image/png' },
      { contentType: 'application/octet-stream', disposition: 'attachment', type: 'application/octet-stream' },
      { contentType: 'image/x-portable-anymap', disposition: 'attachment', type: 'application/octet-stream' },
    ];
    for (const expected of cases) {
      const submission = await uploadSubmission(contributor, randomBytes(64), expected.contentType);
      const view = await call('POST', `/v1/submissions/${submission.id}/view-url`, { token: validator });
      const url = new URL(view.json.url);
      expect(url.searchParams.get('response-content-disposition'), expected.contentType).toBe(expected.disposition);
      expect(url.searchParams.get('response-content-type'), expected.contentType).toBe(expected.type);
      const { response } = await fetchBytes(view.json.url);
      expect(response.headers.get('content-disposition'), expected.contentType).toBe(expected.disposition);
      expect(response.headers.get('content-type'), expected.contentType).toBe(expected.type);
    }
  });
});

describe('4. bundle links outlive the grant', () => {
  async function grantedDataset(memberIds: string[]) {
    const [dataset] = await sql`
      insert into public.datasets (name, status, created_by, bytes, entries) values (${`granted-${crypto.randomUUID().slice(0, 8)}`}, 'ready', ${demoUsers.admin.userId}, 1, 1)
      returning id`;
    for (const [position, id] of memberIds.entries()) {
      await sql`insert into public.dataset_members (dataset_id, position, submission_id) values (${dataset!.id}, ${position}, ${id})`;
    }
    await sql`insert into public.dataset_grants (dataset_id, company_id, granted_by) values (${dataset!.id}, ${demoCompanyId}, ${demoUsers.admin.userId})`;
    return dataset!.id as string;
  }

  it('a company link answers 403 once the grant is revoked; its downloads are logged once per client and hour', async () => {
    const member = await uploadSubmission(contributor, randomBytes(300));
    await approve(member.id);
    const datasetId = await grantedDataset([member.id]);
    const bundle = await call('POST', '/v1/bundles', { token: company, json: { submissionIds: [member.id] } });
    expect(bundle.status).toBe(201);

    for (let attempt = 0; attempt < 2; attempt++) {
      const { response, bytes } = await fetchBytes(bundle.json.url, { headers: { 'cf-connecting-ip': '203.0.113.7' } });
      expect(response.status).toBe(200);
      expect(bytes.byteLength).toBe(bundle.json.bytes);
    }
    const logged =
      await sql`select action, user_id, company_id, ip from public.access_log where bundle_id = ${bundle.json.id} order by id`;
    expect(logged).toEqual([
      { action: 'bundle.create', user_id: demoUsers.company.userId, company_id: demoCompanyId, ip: null },
      { action: 'bundle.download', user_id: demoUsers.company.userId, company_id: demoCompanyId, ip: '203.0.113.7' },
    ]);
    const entries = await call('GET', `/v1/access-log?bundleId=${bundle.json.id}&action=bundle.download`, {
      token: admin,
    });
    expect(entries.json.entries).toHaveLength(1);

    expect((await call('DELETE', `/v1/datasets/${datasetId}/grants/${demoCompanyId}`, { token: admin })).status).toBe(
      204,
    );
    for (const method of ['GET', 'HEAD']) {
      const refused = await SELF.fetch(bundle.json.url, { method });
      expect(refused.status, method).toBe(403);
      if (method === 'GET')
        expect((await refused.json<{ error: unknown }>()).error).toMatchObject({
          code: 'forbidden',
          message: 'this download link is invalid or has expired',
        });
    }
    expect(
      (await sql`select count(*)::int as count from public.access_log where bundle_id = ${bundle.json.id}`)[0]!.count,
    ).toBe(2);
  });

  it("an admin's link answers 403 once the creator is no longer an admin", async () => {
    const member = await uploadSubmission(contributor, randomBytes(10));
    await approve(member.id);
    const userId = crypto.randomUUID();
    await sql`insert into auth.users (id, email) values (${userId}, ${`admin-${userId}@test.xum-ai.app`})`;
    await sql`update public.profiles set role = 'admin' where id = ${userId}`;
    const bundle = await call('POST', '/v1/bundles', {
      token: await tokenFor({ userId, email: `admin-${userId}@test.xum-ai.app` }),
      json: { submissionIds: [member.id] },
    });
    expect((await SELF.fetch(bundle.json.url, { method: 'HEAD' })).status).toBe(200);
    await sql`update public.profiles set role = 'validator' where id = ${userId}`;
    expect((await SELF.fetch(bundle.json.url, { method: 'HEAD' })).status).toBe(403);
  });
});

describe('5. unbounded bodies', () => {
  it('a JSON body over 1 MiB is 413 before the token is even looked at, declared or chunked', async () => {
    const huge = JSON.stringify({ submissionIds: Array.from({ length: 60_000 }, () => crypto.randomUUID()) });
    const declared = await call('POST', '/v1/bundles', { body: huge, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    expect(errorOf(declared)).toMatchObject({
      code: 'payload_too_large',
      message: 'request body exceeds 1048576 bytes',
    });
    const bytes = new TextEncoder().encode(huge);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.byteLength; offset += 65536)
          controller.enqueue(bytes.subarray(offset, offset + 65536));
        controller.close();
      },
    });
    const streamed = await SELF.fetch(`${gateway}/v1/bundles`, {
      method: 'POST',
      body: chunked,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    });
    expect(streamed.status).toBe(413);
    expect((await streamed.json<{ error: { code: string } }>()).error.code).toBe('payload_too_large');
  });

  it('twenty concurrent completes of one upload read the object once and all answer the same', async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const created = await requestUpload(contributor, { contentType: 'video/mp4', size: bytes.byteLength });
    expect((await putToPresignedUrl(created.json.url, created.json.headers, bytes)).status).toBe(200);
    const finalPath = `/${env.BUCKET_RAW}/raw/${demoTaskId}/${created.json.submissionId}`;
    // Where the store refuses copies, the staged object is the one read (and streamed to the final key).
    const stagedPath = `/${env.BUCKET_RAW}/incoming/${demoTaskId}/${created.json.submissionId}`;
    const before = (await s3Requests()).length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token: contributor }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    const reads = (await s3Requests())
      .slice(before)
      .filter((request) => request.method === 'GET' && [finalPath, stagedPath].includes(request.url.split('?')[0]!));
    expect(reads).toHaveLength(1);
  });
});

describe('6. cache bypass', () => {
  it('percent-encoding a key does not make a second cache entry', async () => {
    const s3 = new AwsClient({
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      service: 's3',
      region: env.S3_REGION,
    });
    const folder = `icons/${crypto.randomUUID()}`;
    const put = await s3.fetch(`${env.S3_ENDPOINT}/${env.BUCKET_ASSETS}/${folder}/enc.png`, {
      method: 'PUT',
      body: 'png',
      headers: { 'content-type': 'image/png' },
    });
    expect(put.status).toBe(200);
    const encoded = await SELF.fetch(`${gateway}/assets/${folder}/%65nc.png`);
    expect(encoded.status).toBe(200);
    expect(await encoded.text()).toBe('png');
    let cacheStatus = '';
    for (let attempt = 0; attempt < 50 && cacheStatus !== 'HIT'; attempt++) {
      const plain = await SELF.fetch(`${gateway}/assets/${folder}/enc.png`);
      await plain.arrayBuffer();
      cacheStatus = plain.headers.get('x-cache') ?? '';
      if (cacheStatus !== 'HIT') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cacheStatus).toBe('HIT');
    const reads = (await s3Requests()).filter(
      (request) => request.method === 'GET' && request.url === `/${env.BUCKET_ASSETS}/${folder}/enc.png`,
    );
    expect(reads).toHaveLength(1);
  });
});

describe('7. detail leaks', () => {
  it("a failed dataset's reason is detailed for admins and generic for the company it is granted to", async () => {
    const detail = `member ${crypto.randomUUID()}.webm is missing from the raw bucket (NoSuchKey)`;
    const [dataset] = await sql`
      insert into public.datasets (name, status, created_by, failure_reason, finished_at) values ('failed-one', 'failed', ${demoUsers.admin.userId}, ${detail}, now())
      returning id`;
    await sql`insert into public.dataset_grants (dataset_id, company_id, granted_by) values (${dataset!.id}, ${demoCompanyId}, ${demoUsers.admin.userId})`;
    expect((await call('GET', `/v1/datasets/${dataset!.id}`, { token: admin })).json.failureReason).toBe(detail);
    const seen = await call('GET', `/v1/datasets/${dataset!.id}`, { token: company });
    expect(seen.status).toBe(200);
    expect(seen.json.failureReason).toBe('the dataset could not be built');
    const listed = await call('GET', '/v1/datasets?limit=100', { token: company });
    expect(listed.text).not.toContain(detail);
  });
});
