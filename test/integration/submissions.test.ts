import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createContributor,
  errorOf,
  randomBytes,
  requestUpload,
  serviceDatabase,
  tokenFor,
  uploadSubmission,
} from '../support/integration-helpers';

const sql = serviceDatabase();
let alice: { userId: string; token: string };
let bob: { userId: string; token: string };
let validator: string;
let admin: string;
let company: string;

beforeAll(async () => {
  const a = await createContributor(sql);
  const b = await createContributor(sql);
  alice = { userId: a.userId, token: await tokenFor(a) };
  bob = { userId: b.userId, token: await tokenFor(b) };
  [validator, admin, company] = await Promise.all([tokenFor('validator'), tokenFor('admin'), tokenFor('company')]);
});
afterAll(() => sql.end());

async function accessLogRows(submissionId: string) {
  return sql`select user_id, company_id, action, user_agent from public.access_log where submission_id = ${submissionId}`;
}

describe('GET /v1/submissions', () => {
  it('contributors see only their own; validators and admins see all', async () => {
    const aliceSubmission = await uploadSubmission(alice.token, randomBytes(10));
    const bobSubmission = await uploadSubmission(bob.token, randomBytes(10));
    const ids = async (token: string) =>
      (await call('GET', '/v1/submissions?limit=100', { token })).json.submissions.map((s: { id: string }) => s.id);

    const aliceSees = await ids(alice.token);
    expect(aliceSees).toContain(aliceSubmission.id);
    expect(aliceSees).not.toContain(bobSubmission.id);
    const aliceRows = (await call('GET', '/v1/submissions?limit=100', { token: alice.token })).json.submissions;
    expect(aliceRows.every((row: { contributorId: string }) => row.contributorId === alice.userId)).toBe(true);

    for (const staff of [validator, admin]) {
      const seen = await ids(staff);
      expect(seen).toEqual(expect.arrayContaining([aliceSubmission.id, bobSubmission.id]));
    }
  });

  it('pages newest first with an opaque cursor, and filters by status and task', async () => {
    const carol = await createContributor(sql);
    const token = await tokenFor(carol);
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push((await requestUpload(token, { contentType: 'audio/webm', size: 1 })).json.submissionId);
    const uploaded = await uploadSubmission(token, randomBytes(3));

    const first = await call('GET', '/v1/submissions?limit=4', { token });
    expect(first.status).toBe(200);
    expect(first.json.submissions).toHaveLength(4);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await call('GET', `/v1/submissions?limit=4&cursor=${first.json.nextCursor}`, { token });
    expect(second.json.submissions).toHaveLength(2);
    expect(second.json.nextCursor).toBeNull();
    const all = [...first.json.submissions, ...second.json.submissions].map((s: { id: string }) => s.id);
    expect(all).toEqual([uploaded.id, ...created.reverse()]);

    const pending = await call('GET', '/v1/submissions?status=pending', { token });
    expect(pending.json.submissions.map((s: { id: string }) => s.id).sort()).toEqual([...created].sort());
    const byTask = await call('GET', `/v1/submissions?taskId=${crypto.randomUUID()}`, { token });
    expect(byTask.json.submissions).toEqual([]);
  });

  it('refuses bad query parameters and a forged cursor', async () => {
    for (const query of ['limit=0', 'limit=101', 'status=deleted', 'taskId=nope', 'cursor=abc', 'unknown=1']) {
      const result = await call('GET', `/v1/submissions?${query}`, { token: alice.token });
      expect(result.status, query).toBe(400);
      expect(errorOf(result).code).toBe('invalid_request');
    }
  });

  it('company users may not list submissions', async () => {
    expect((await call('GET', '/v1/submissions', { token: company })).status).toBe(403);
  });
});

describe('GET /v1/submissions/{id}', () => {
  it("returns one's own, hides others' as 404, and shows all to validators", async () => {
    const mine = await uploadSubmission(alice.token, randomBytes(5));
    const own = await call('GET', `/v1/submissions/${mine.id}`, { token: alice.token });
    expect(own.json.submission).toEqual(mine);
    const other = await call('GET', `/v1/submissions/${mine.id}`, { token: bob.token });
    expect(other.status).toBe(404);
    expect(errorOf(other).message).toBe('submission not found');
    expect((await call('GET', `/v1/submissions/${mine.id}`, { token: validator })).json.submission.id).toBe(mine.id);
    expect((await call('GET', '/v1/submissions/not-a-uuid', { token: alice.token })).status).toBe(400);
  });
});

describe('POST /v1/submissions/{id}/view-url', () => {
  it('gives the owner and validators a ≤5 minute URL that serves the object, and logs each access', async () => {
    const bytes = randomBytes(2048);
    const submission = await uploadSubmission(alice.token, bytes);
    for (const token of [alice.token, validator, admin]) {
      const result = await call('POST', `/v1/submissions/${submission.id}/view-url`, {
        token,
        headers: { 'user-agent': 'review-app/1.0' },
      });
      expect(result.status).toBe(200);
      const ttl = Date.parse(result.json.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(4 * 60_000);
      expect(ttl).toBeLessThanOrEqual(5 * 60_000);
      expect(new URL(result.json.url).searchParams.get('X-Amz-Expires')).toBe('300');
      const object = await fetch(result.json.url);
      expect(object.status).toBe(200);
      expect(new Uint8Array(await object.arrayBuffer())).toEqual(bytes);
    }
    const rows = await accessLogRows(submission.id);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.action === 'submission.view' && row.user_agent === 'review-app/1.0')).toBe(true);
  });

  it("is 404 for someone else's submission, 403 for company users, 409 before upload — and logs nothing", async () => {
    const submission = await uploadSubmission(alice.token, randomBytes(16));
    expect((await call('POST', `/v1/submissions/${submission.id}/view-url`, { token: bob.token })).status).toBe(404);
    expect((await call('POST', `/v1/submissions/${submission.id}/view-url`, { token: company })).status).toBe(403);
    const pending = await requestUpload(alice.token, { contentType: 'audio/webm', size: 4 });
    const early = await call('POST', `/v1/submissions/${pending.json.submissionId}/view-url`, { token: validator });
    expect(early.status).toBe(409);
    expect(await accessLogRows(submission.id)).toHaveLength(0);
    expect(await accessLogRows(pending.json.submissionId)).toHaveLength(0);
  });

  it('users cannot write or read the access log directly', async () => {
    const claims = JSON.stringify({ sub: alice.userId, role: 'authenticated' });
    const attempt = sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
      await tx`insert into public.access_log (user_id, action) values (${alice.userId}, 'submission.view')`;
    });
    await expect(attempt).rejects.toThrow(/permission denied/);
    const visible = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
      return tx`select count(*)::int as count from public.access_log`;
    });
    expect(visible[0]!.count).toBe(0);
  });
});

describe('POST /v1/submissions/{id}/review', () => {
  it('validators approve or reject uploaded submissions, once', async () => {
    const first = await uploadSubmission(alice.token, randomBytes(8));
    const approved = await call('POST', `/v1/submissions/${first.id}/review`, {
      token: validator,
      json: { decision: 'approve', note: 'clear audio' },
    });
    expect(approved.status).toBe(200);
    expect(approved.json.submission).toMatchObject({
      status: 'approved',
      reviewNote: 'clear audio',
      reviewedAt: expect.any(String),
    });
    const again = await call('POST', `/v1/submissions/${first.id}/review`, {
      token: admin,
      json: { decision: 'reject' },
    });
    expect(again.status).toBe(409);
    const [row] = await sql`select status from public.submissions where id = ${first.id}`;
    expect(row!.status).toBe('approved');

    const second = await uploadSubmission(alice.token, randomBytes(8));
    const rejected = await call('POST', `/v1/submissions/${second.id}/review`, {
      token: admin,
      json: { decision: 'reject' },
    });
    expect(rejected.json.submission.status).toBe('rejected');
  });

  it('refuses contributors (403), pending submissions (409) and bad bodies (400), changing nothing', async () => {
    const submission = await uploadSubmission(alice.token, randomBytes(8));
    expect(
      (
        await call('POST', `/v1/submissions/${submission.id}/review`, {
          token: alice.token,
          json: { decision: 'approve' },
        })
      ).status,
    ).toBe(403);
    const pending = await requestUpload(alice.token, { contentType: 'audio/webm', size: 4 });
    const early = await call('POST', `/v1/submissions/${pending.json.submissionId}/review`, {
      token: validator,
      json: { decision: 'approve' },
    });
    expect(early.status).toBe(409);
    for (const json of [
      { decision: 'maybe' },
      {},
      { decision: 'approve', status: 'approved' },
      { decision: 'approve', note: 7 },
    ]) {
      const result = await call('POST', `/v1/submissions/${submission.id}/review`, { token: validator, json });
      expect(result.status).toBe(400);
    }
    const rows =
      await sql`select id, status from public.submissions where id in (${submission.id}, ${pending.json.submissionId}) order by status`;
    expect(rows.map((row) => row.status)).toEqual(['pending', 'uploaded']);
  });

  it('a reviewer may not review a submission they made before their role changed (403), in the API or its function', async () => {
    const former = await createContributor(sql);
    const token = await tokenFor(former);
    const own = await uploadSubmission(token, randomBytes(10));
    await sql`update public.profiles set role = 'validator' where id = ${former.userId}`;
    const refused = await call('POST', `/v1/submissions/${own.id}/review`, { token, json: { decision: 'approve' } });
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: 'forbidden', message: 'you may not review your own submission' });
    const direct = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: former.userId, role: 'authenticated' })}, true)`;
      return tx`select * from gateway.review_submission(${own.id}, 'approve', null)`;
    });
    expect(direct).toHaveLength(0);
    const [row] = await sql`select status, reviewed_by from public.submissions where id = ${own.id}`;
    expect(row).toEqual({ status: 'uploaded', reviewed_by: null });
  });

  it('is 404 for an unknown submission', async () => {
    expect(
      (
        await call('POST', `/v1/submissions/${crypto.randomUUID()}/review`, {
          token: validator,
          json: { decision: 'approve' },
        })
      ).status,
    ).toBe(404);
  });
});
