import { env, SELF } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBundleLink } from '../../src/bundles/link-token';
import {
  call,
  createContributor,
  errorOf,
  randomBytes,
  serviceDatabase,
  tokenFor,
  uploadSubmission,
} from '../support/integration-helpers';

const sql = serviceDatabase();
let admin: string;
let approved: { id: string; size: number }[];
let pendingReview: string;

beforeAll(async () => {
  admin = await tokenFor('admin');
  const validator = await tokenFor('validator');
  const contributor = await tokenFor(await createContributor(sql));
  approved = [];
  for (const size of [0, 1, 5000, 70_000]) {
    const submission = await uploadSubmission(contributor, randomBytes(size), size % 2 ? 'audio/webm' : 'image/png');
    await call('POST', `/v1/submissions/${submission.id}/review`, { token: validator, json: { decision: 'approve' } });
    approved.push({ id: submission.id, size });
  }
  pendingReview = (await uploadSubmission(contributor, randomBytes(10))).id;
});
afterAll(() => sql.end());

async function createBundle(ids = approved.map((submission) => submission.id)) {
  const created = await call('POST', '/v1/bundles', { token: admin, json: { submissionIds: ids } });
  expect(created.status).toBe(201);
  return created.json as { id: string; url: string; expiresAt: string; bytes: number; entries: number };
}

async function download(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await SELF.fetch(url, { method, headers });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe('POST /v1/bundles', () => {
  it('records the bundle and its members, logs the access, and returns an exact size', async () => {
    const bundle = await createBundle();
    expect(bundle.entries).toBe(approved.length + 1);
    const ttl = Date.parse(bundle.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    expect(new URL(bundle.url).pathname).toBe(`/v1/bundles/${bundle.id}/download`);
    const members =
      await sql`select submission_id from public.bundle_members where bundle_id = ${bundle.id} order by position`;
    expect(members.map((row) => row.submission_id)).toEqual(approved.map((submission) => submission.id));
    const log = await sql`select action, user_id from public.access_log where bundle_id = ${bundle.id}`;
    expect(log).toEqual([{ action: 'bundle.create', user_id: '00000000-0000-4000-8000-00000000c003' }]);

    const { response, bytes } = await download(bundle.url);
    expect(response.status).toBe(200);
    expect(bytes.byteLength).toBe(bundle.bytes);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="bundle-${bundle.id}.zip"`);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    // Local file header signature, then end of central directory at the tail (APPNOTE 4.3.7, 4.3.16).
    expect([...bytes.slice(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect([...bytes.slice(-22, -18)]).toEqual([0x50, 0x4b, 0x05, 0x06]);
  });

  it('refuses contributors and validators (403), company users outside their granted datasets, unapproved or unknown submissions, duplicates and too many (400)', async () => {
    const before = (await sql`select count(*)::int as count from public.bundles`)[0]!.count;
    for (const role of ['contributor', 'validator'] as const) {
      const result = await call('POST', '/v1/bundles', {
        token: await tokenFor(role),
        json: { submissionIds: [approved[0]!.id] },
      });
      expect(result.status, role).toBe(403);
    }
    // Approved, but in no dataset granted to the company: the same answer as an unknown id.
    const company = await call('POST', '/v1/bundles', {
      token: await tokenFor('company'),
      json: { submissionIds: [approved[0]!.id] },
    });
    expect(company.status).toBe(400);
    expect(errorOf(company).message).toBe('every submission must exist, be approved, and be yours to bundle');
    for (const submissionIds of [
      [pendingReview],
      [crypto.randomUUID()],
      [approved[0]!.id, approved[0]!.id],
      [],
      ['nope'],
    ]) {
      const result = await call('POST', '/v1/bundles', { token: admin, json: { submissionIds } });
      expect(result.status, JSON.stringify(submissionIds)).toBe(400);
      expect(errorOf(result).code).toBe('invalid_request');
    }
    const tooMany = Array.from({ length: 5001 }, () => crypto.randomUUID());
    const limited = await call('POST', '/v1/bundles', { token: admin, json: { submissionIds: tooMany } });
    expect(limited.status).toBe(400);
    expect(errorOf(limited).message).toBe('a bundle holds at most 5000 submissions');
    expect((await sql`select count(*)::int as count from public.bundles`)[0]!.count).toBe(before);
  });
});

describe('GET|HEAD the bundle link', () => {
  it('is byte-identical on every request, with a strong ETag; HEAD has the same headers and no body', async () => {
    const bundle = await createBundle();
    const first = await download(bundle.url);
    const second = await download(bundle.url);
    expect(second.bytes).toEqual(first.bytes);
    expect(first.response.headers.get('etag')).toMatch(/^"[^"]+"$/);
    const head = await download(bundle.url, {}, 'HEAD');
    expect(head.response.status).toBe(200);
    expect(head.bytes.byteLength).toBe(0);
    expect(head.response.headers.get('content-length')).toBe(String(bundle.bytes));
    expect(head.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
    expect(head.response.headers.get('accept-ranges')).toBe('bytes');
  });

  it('serves any Range; slices reassemble into the identical file; If-Range and 416 behave', async () => {
    const bundle = await createBundle();
    const whole = (await download(bundle.url)).bytes;
    const etag = (await download(bundle.url, {}, 'HEAD')).response.headers.get('etag')!;
    const cuts = [0, 1, 30, 31, 200, 5100, 40_000, bundle.bytes - 23, bundle.bytes - 1, bundle.bytes];
    const pieces: Uint8Array[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const { response, bytes } = await download(bundle.url, {
        range: `bytes=${cuts[i]}-${cuts[i + 1]! - 1}`,
        'if-range': etag,
      });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${cuts[i]}-${cuts[i + 1]! - 1}/${bundle.bytes}`);
      pieces.push(bytes);
    }
    const reassembled = new Uint8Array(bundle.bytes);
    let offset = 0;
    for (const piece of pieces) {
      reassembled.set(piece, offset);
      offset += piece.byteLength;
    }
    expect(reassembled).toEqual(whole);

    const suffix = await download(bundle.url, { range: 'bytes=-100' });
    expect(suffix.bytes).toEqual(whole.slice(-100));
    const stale = await download(bundle.url, { range: 'bytes=0-9', 'if-range': '"something-else"' });
    expect(stale.response.status).toBe(200);
    expect(stale.bytes).toEqual(whole);
    const beyond = await download(bundle.url, { range: `bytes=${bundle.bytes}-` });
    expect(beyond.response.status).toBe(416);
    expect(beyond.response.headers.get('content-range')).toBe(`bytes */${bundle.bytes}`);
  });

  it('refuses a forged, tampered, foreign or expired token with 403 in the envelope', async () => {
    const bundle = await createBundle();
    const url = new URL(bundle.url);
    const token = url.searchParams.get('token')!;
    const other = await createBundle([approved[1]!.id]);
    const [expires, signature] = token.split('.') as [string, string];
    const expired = await signBundleLink(env.BUNDLE_SIGNING_SECRET, bundle.id, new Date(Date.now() - 1000));
    const wrongKey = await signBundleLink('x'.repeat(40), bundle.id, new Date(Date.now() + 3600_000));
    const variants = [
      `${Number(expires) + 3600}.${signature}`,
      `${expires}.${signature.slice(0, -2)}AA`,
      new URL(other.url).searchParams.get('token')!,
      expired,
      wrongKey,
      'garbage',
    ];
    for (const variant of variants) {
      url.searchParams.set('token', variant);
      const { response, bytes } = await download(url.toString());
      expect(response.status, variant).toBe(403);
      const body = JSON.parse(new TextDecoder().decode(bytes));
      expect(body.error).toMatchObject({ code: 'forbidden', message: 'this download link is invalid or has expired' });
    }
    url.searchParams.delete('token');
    expect((await download(url.toString())).response.status).toBe(400);
  });

  it('a bundle with a member whose CRC is unknown streams with a data descriptor and offers no ranges', async () => {
    const bundle = await createBundle([approved[2]!.id, approved[3]!.id]);
    const withCrc = (await download(bundle.url)).bytes;
    const [{ crc32: recorded }] =
      (await sql`select crc32 from public.submissions where id = ${approved[3]!.id}`) as unknown as [{ crc32: string }];
    await sql`update public.submissions set crc32 = null where id = ${approved[3]!.id}`;
    try {
      const { response, bytes } = await download(bundle.url, { range: 'bytes=0-9' });
      expect(response.status).toBe(200);
      expect(response.headers.get('accept-ranges')).toBe('none');
      expect(response.headers.get('etag')).toMatch(/^W\//);
      expect(bytes.byteLength).toBe(Number(response.headers.get('content-length')));
      // The same member bytes appear; only the framing differs (descriptor, flag bit 3).
      expect(bytes.byteLength).toBe(withCrc.byteLength + 16);
    } finally {
      await sql`update public.submissions set crc32 = ${recorded} where id = ${approved[3]!.id}`;
    }
  });
});
