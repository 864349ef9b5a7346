import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoCompanyId, demoTaskId, demoUsers } from '../../scripts/lib/jwt';
import { datasetClient } from './dataset-client';
import { call, expectError, MiB, rowCounts, sha256, submissionRow, uploadPending, type Answer } from './faults-client';
import type { Harness } from '../support/harness';
import type { CutMoment } from '../support/pg-proxy';

// Postgres stopping in the middle of a request, on every route that writes. A route's database
// work leaves as one message (role, claims, profile, reads, writes; one implicit transaction), or,
// where S3 or the queue must act between its statements, as a transaction of several messages, the
// first opening it with BEGIN, the role, the claims and the profile. Two moments are cut:
// - before the message with the write reaches Postgres: the route answers 503 in the envelope,
//   no table changed (the statements that travelled with it never ran; an open transaction is
//   rolled back), and the same call succeeds once traffic flows again;
// - after Postgres ran the message to its end, before its answer reached the Worker: 503 too, and
//   every write of the message is there, never a part of them; the retry succeeds or answers the
//   state the lost call left, as the route documents.

const writtenTables = [
  'submissions',
  'access_log',
  'bundles',
  'bundle_members',
  'datasets',
  'dataset_members',
  'dataset_grants',
];

export function describePostgresFaults(harness: () => Harness) {
  const pg = () => {
    const proxy = harness().pg;
    if (!proxy) throw new Error('the fault suite needs startHarness({ postgresProxy: true })');
    return proxy;
  };
  const datasets = datasetClient(harness, () => admin);
  let contributor: string;
  let validator: string;
  let admin: string;

  beforeAll(async () => {
    [contributor, validator, admin] = await Promise.all([
      harness().tokenFor('contributor'),
      harness().tokenFor('validator'),
      harness().tokenFor('admin'),
    ]);
  });
  afterEach(() => pg().clear());

  /** Arms the cut at `moment`, runs `request`, and checks that exactly that cut happened and the 503 envelope. */
  async function cutDuring(sqlText: string, moment: CutMoment, request: () => Promise<Answer>) {
    const cutsBefore = pg().cuts.length;
    pg().cutOn(sqlText, 1, moment);
    const answer = await request();
    expect(
      pg()
        .cuts.slice(cutsBefore)
        .map((cut) => [cut.sql, cut.moment]),
    ).toEqual([[sqlText, moment]]);
    expectError(answer, 503, 'upstream_unavailable');
    return pg().cuts.at(-1)!;
  }

  /**
   * Runs `request` with the connection cut before the first message carrying `sqlText` reaches
   * Postgres; checks the cut happened mid-request, the 503 envelope and that no table changed.
   * Returns the counts.
   */
  async function cutAt(sqlText: string, request: () => Promise<Answer>) {
    const before = await rowCounts(harness(), writtenTables);
    const cut = await cutDuring(sqlText, 'before', request);
    // One message: the write travelled with the role, the claims and the caller's profile, so none
    // of them ran either. Or a transaction of several messages: the first opened it with the role,
    // the claims and the profile (and the reads), so it was open and had run them before the write.
    const withClaims = (text: string) =>
      /set_config\('role', .+set_config\('request\.jwt\.claims'/s.test(text) &&
      text.includes('gateway.caller_profile(');
    const inOneMessage = withClaims(cut.message);
    const afterOpening = cut.earlierQueries.some((text) => text.startsWith('begin;') && withClaims(text));
    expect(inOneMessage || afterOpening, cut.message).toBe(true);
    expect(await rowCounts(harness(), writtenTables)).toEqual(before);
    return before;
  }

  /**
   * Runs `request` with the answer to the one message carrying `sqlText` lost after Postgres ran
   * it; checks the 503 envelope and that the tables changed by exactly `written` (the whole
   * message, never a part). Returns the counts before.
   */
  async function loseAnswerTo(sqlText: string, request: () => Promise<Answer>, written: Record<string, number>) {
    const before = await rowCounts(harness(), writtenTables);
    const cut = await cutDuring(sqlText, 'answer', request);
    expect(cut.message).toContain('gateway.caller_profile(');
    const after = await rowCounts(harness(), writtenTables);
    expect(after).toEqual({
      ...before,
      ...Object.fromEntries(Object.entries(written).map(([t, n]) => [t, before[t]! + n])),
    });
    return before;
  }

  describe('Postgres cut in the middle of a request → 503, nothing written, the retry succeeds', () => {
    let uploadedId: string;
    let uploadedBytes: Buffer;

    it('POST /v1/uploads (single PUT), cut at the insert', async () => {
      const open = () =>
        call(harness(), 'POST', '/v1/uploads', {
          token: contributor,
          json: { taskId: demoTaskId, contentType: 'audio/webm', size: 10 },
        });
      const before = await cutAt('gateway.open_submission(', open);
      const retried = await open();
      expect(retried.status, retried.text).toBe(201);
      expect((await rowCounts(harness(), ['submissions'])).submissions).toBe(before.submissions! + 1);
      expect((await submissionRow(harness(), retried.json.submissionId))?.status).toBe('pending');
    });

    it('POST /v1/uploads (multipart), cut at attach_multipart_upload after S3 created the upload', async () => {
      const open = () =>
        call(harness(), 'POST', '/v1/uploads', {
          token: contributor,
          json: { taskId: demoTaskId, contentType: 'video/mp4', size: 6 * MiB },
        });
      const s3From = harness().proxy.seen.length;
      const before = await cutAt('attach_multipart_upload', open);
      expect(
        harness()
          .proxy.seen.slice(s3From)
          .filter((request) => request.method === 'POST' && request.query.has('uploads')),
      ).toHaveLength(1);
      const retried = await open();
      expect(retried.status, retried.text).toBe(201);
      expect(retried.json.method).toBe('MULTIPART');
      expect((await rowCounts(harness(), ['submissions'])).submissions).toBe(before.submissions! + 1);
      expect((await submissionRow(harness(), retried.json.submissionId))?.multipart_upload_id).toBe(
        retried.json.uploadId,
      );
    });

    it('POST /v1/uploads/{id}/complete, cut at complete_submission: stays pending; the retry completes it', async () => {
      uploadedBytes = randomBytes(100_000);
      uploadedId = await uploadPending(harness(), contributor, uploadedBytes);
      const complete = () => call(harness(), 'POST', `/v1/uploads/${uploadedId}/complete`, { token: contributor });
      await cutAt('complete_submission', complete);
      expect(await submissionRow(harness(), uploadedId)).toMatchObject({ status: 'pending', size: null, sha256: null });
      const retried = await complete();
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json.submission).toMatchObject({
        id: uploadedId,
        status: 'uploaded',
        size: uploadedBytes.byteLength,
        sha256: sha256(uploadedBytes),
      });
      expect(await submissionRow(harness(), uploadedId)).toMatchObject({
        status: 'uploaded',
        sha256: sha256(uploadedBytes),
      });
    });

    it('POST /v1/submissions/{id}/review, cut at review_submission: stays uploaded and unreviewed', async () => {
      const review = () =>
        call(harness(), 'POST', `/v1/submissions/${uploadedId}/review`, {
          token: validator,
          json: { decision: 'approve', note: 'fine' },
        });
      await cutAt('review_submission', review);
      expect(await submissionRow(harness(), uploadedId)).toMatchObject({ status: 'uploaded', reviewed_by: null });
      const retried = await review();
      expect(retried.status, retried.text).toBe(200);
      expect(await submissionRow(harness(), uploadedId)).toMatchObject({
        status: 'approved',
        reviewed_by: demoUsers.validator.userId,
      });
    });

    it('POST /v1/submissions/{id}/view-url, cut at log_access: no URL and no log row', async () => {
      const viewUrl = () => call(harness(), 'POST', `/v1/submissions/${uploadedId}/view-url`, { token: admin });
      const logged = async () =>
        (
          await harness().sql`select count(*)::int as count from public.access_log where submission_id = ${uploadedId}`
        )[0]!.count;
      const rowsBefore = await logged();
      const answer = await viewUrl();
      expect(answer.status).toBe(200);
      expect(await logged()).toBe(rowsBefore + 1);
      await cutAt('log_access', viewUrl);
      expect(await logged()).toBe(rowsBefore + 1);
      const retried = await viewUrl();
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json.url).toEqual(expect.any(String));
      expect(await logged()).toBe(rowsBefore + 2);
    });

    it('POST /v1/bundles, cut at create_bundle: no bundle, members or log rows', async () => {
      const members = await harness().seedApproved([randomBytes(1000), randomBytes(2000)]);
      const create = () =>
        call(harness(), 'POST', '/v1/bundles', {
          token: admin,
          json: { submissionIds: members.map((member) => member.id) },
        });
      const before = await cutAt('create_bundle', create);
      const retried = await create();
      expect(retried.status, retried.text).toBe(201);
      const after = await rowCounts(harness(), ['bundles', 'bundle_members']);
      expect(after).toEqual({ bundles: before.bundles! + 1, bundle_members: before.bundle_members! + 2 });
    });

    let datasetId: string;
    it('POST /v1/datasets, cut at create_dataset: no dataset and no members; the retry builds it', async () => {
      const members = await harness().seedApproved([randomBytes(1000), randomBytes(3000), randomBytes(5000)]);
      const create = () =>
        call(harness(), 'POST', '/v1/datasets', {
          token: admin,
          json: { name: 'cut-create', submissionIds: members.map((member) => member.id) },
        });
      const before = await cutAt('create_dataset', create);
      const retried = await create();
      expect(retried.status, retried.text).toBe(202);
      datasetId = retried.json.id;
      expect(await rowCounts(harness(), ['datasets', 'dataset_members'])).toEqual({
        datasets: before.datasets! + 1,
        dataset_members: before.dataset_members! + 3,
      });
      expect(await datasets.settled(datasetId)).toMatchObject({ status: 'ready', members: 3 });
    });

    it('POST /v1/datasets/{id}/grants, cut at the insert: no grant', async () => {
      const grant = () =>
        call(harness(), 'POST', `/v1/datasets/${datasetId}/grants`, {
          token: admin,
          json: { companyId: demoCompanyId },
        });
      const before = await cutAt('gateway.grant_dataset(', grant);
      const retried = await grant();
      expect(retried.status, retried.text).toBe(201);
      expect((await rowCounts(harness(), ['dataset_grants'])).dataset_grants).toBe(before.dataset_grants! + 1);
    });
  });

  describe('Postgres answer lost after the message ran → 503, every write of it there, the retry answers', () => {
    let uploadedId: string;
    let uploadedBytes: Buffer;

    it('POST /v1/uploads: the submission is opened whole; the retry opens another', async () => {
      const open = () =>
        call(harness(), 'POST', '/v1/uploads', {
          token: contributor,
          json: { taskId: demoTaskId, contentType: 'audio/webm', size: 12 },
        });
      const before = await loseAnswerTo('gateway.open_submission(', open, { submissions: 1 });
      const [lost] = await harness().sql<{ status: string; declared_size: string; contributor_id: string }[]>`
        select status, declared_size, contributor_id from public.submissions order by created_at desc, id desc limit 1`;
      expect(lost).toEqual({ status: 'pending', declared_size: '12', contributor_id: demoUsers.contributor.userId });
      const retried = await open();
      expect(retried.status, retried.text).toBe(201);
      expect((await rowCounts(harness(), ['submissions'])).submissions).toBe(before.submissions! + 2);
    });

    it('POST /v1/uploads/{id}/complete: recorded whole; the retry answers the completed submission', async () => {
      uploadedBytes = randomBytes(50_000);
      uploadedId = await uploadPending(harness(), contributor, uploadedBytes);
      const complete = () => call(harness(), 'POST', `/v1/uploads/${uploadedId}/complete`, { token: contributor });
      await loseAnswerTo('complete_submission', complete, {});
      expect(await submissionRow(harness(), uploadedId)).toMatchObject({
        status: 'uploaded',
        size: String(uploadedBytes.byteLength),
        sha256: sha256(uploadedBytes),
      });
      const retried = await complete();
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json.submission).toMatchObject({
        id: uploadedId,
        status: 'uploaded',
        sha256: sha256(uploadedBytes),
      });
    });

    it('POST /v1/submissions/{id}/review: recorded; the same review repeated answers 200 with it', async () => {
      const review = () =>
        call(harness(), 'POST', `/v1/submissions/${uploadedId}/review`, {
          token: validator,
          json: { decision: 'approve', note: 'lost answer' },
        });
      await loseAnswerTo('review_submission', review, {});
      expect(await submissionRow(harness(), uploadedId)).toMatchObject({
        status: 'approved',
        reviewed_by: demoUsers.validator.userId,
        review_note: 'lost answer',
      });
      const retried = await review();
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json.submission).toMatchObject({ id: uploadedId, status: 'approved', reviewNote: 'lost answer' });
      const different = await call(harness(), 'POST', `/v1/submissions/${uploadedId}/review`, {
        token: validator,
        json: { decision: 'reject', note: 'lost answer' },
      });
      expectError(different, 409, 'conflict');
    });

    it('POST /v1/submissions/{id}/view-url: the log row is written though no URL left; the retry logs and answers one', async () => {
      const viewUrl = () => call(harness(), 'POST', `/v1/submissions/${uploadedId}/view-url`, { token: admin });
      const before = await loseAnswerTo('log_access', viewUrl, { access_log: 1 });
      const retried = await viewUrl();
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json.url).toEqual(expect.any(String));
      expect((await rowCounts(harness(), ['access_log'])).access_log).toBe(before.access_log! + 2);
    });

    it('POST /v1/bundles: bundle, members and log row all written; the retry creates another', async () => {
      const members = await harness().seedApproved([randomBytes(1000), randomBytes(2000)]);
      const create = () =>
        call(harness(), 'POST', '/v1/bundles', {
          token: admin,
          json: { submissionIds: members.map((member) => member.id) },
        });
      const before = await loseAnswerTo('create_bundle', create, { bundles: 1, bundle_members: 2, access_log: 1 });
      const retried = await create();
      expect(retried.status, retried.text).toBe(201);
      expect(await rowCounts(harness(), ['bundles', 'bundle_members'])).toEqual({
        bundles: before.bundles! + 2,
        bundle_members: before.bundle_members! + 4,
      });
    });
  });

  describe('Postgres refusing connections', () => {
    it('a read route answers 503 in the envelope, and 200 once Postgres is back', async () => {
      const token = contributor;
      const refusedBefore = pg().refused;
      pg().refuse(true);
      const down = await call(harness(), 'GET', '/v1/tasks', { token });
      expect(pg().refused).toBeGreaterThan(refusedBefore);
      expectError(down, 503, 'upstream_unavailable');
      expect(down.json.error.message).toBe('a storage service is unavailable, try again shortly');
      pg().refuse(false);
      const back = await call(harness(), 'GET', '/v1/tasks', { token });
      expect(back.status, back.text).toBe(200);
      expect(back.json.tasks.map((task: { id: string }) => task.id)).toContain(demoTaskId);
    });
  });
}
