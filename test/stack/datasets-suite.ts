import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presignRawObject } from '../support/seed';
import { demoTaskId, demoUsers } from '../../scripts/lib/jwt';
import type { SeenRequest } from '../support/s3-proxy';
import { readWithPython, testWithUnzip } from '../unit/zip/archive-fixture';
import { datasetClient, sameSize } from './dataset-client';
import { run, startHarness, type Harness, type Seeded } from '../support/harness';
import { tsx } from '../support/tsx';
import { bytesRead, copiesRefused, isRefusedCopy } from './copy-profile';

const MiB = 1024 * 1024;
const demoCompanyId = '00000000-0000-4000-8000-0000000c0a01';

/**
 * Datasets end to end on the local stack: the build job on the local queue, the archive in the
 * processed bucket checked byte for byte against the streamed bundle of the same members and by
 * unzip and Python's zipfile, the S3 request log showing what was copied inside S3, grants,
 * download URLs and their access-log rows, resume after a failed attempt, and failure.
 */
export function describeDatasets(s3: 's3rver' | 'rgw') {
  let harness: Harness;
  let admin: string;
  let company: string;
  const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-datasets-'));

  beforeAll(async () => {
    harness = await startHarness({
      s3,
      // Retries come after a second here rather than half a minute; three failures make a failure.
      workerBindings: { DATASET_BUILD_RETRY_DELAY_SECONDS: '1', DATASET_BUILD_FAILED_ATTEMPTS: '3' },
    });
    admin = await harness.tokenFor('admin');
    company = await harness.tokenFor('company');
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const { api, createDataset, settled, download, archivePath, presignProcessed } = datasetClient(
    () => harness,
    () => admin,
  );
  const requestsSince = (from: number): SeenRequest[] => harness.proxy.seen.slice(from);
  const small = (count: number, max: number) =>
    Array.from({ length: count }, (_, index) => randomBytes(index === 0 ? 0 : 1 + Math.floor(Math.random() * max)));

  describe(`datasets (${s3})`, () => {
    let members: Seeded[];
    let large: Seeded[];
    let datasetId: string;
    let dataset: any;
    let buildRequests: SeenRequest[];

    it('builds a dataset of mixed sizes: large members copied inside S3, byte-identical to the bundle of the same members, read by unzip and zipfile', async () => {
      const bodies = [
        ...small(6, 80_000),
        randomBytes(12 * MiB),
        ...small(12, 200_000),
        randomBytes(16 * MiB),
        randomBytes(6 * MiB),
        ...small(20, 50_000),
      ];
      members = await harness.seedApproved(bodies);
      large = members.filter((member) => member.size >= 5 * MiB);
      expect(large).toHaveLength(3);

      const logFrom = harness.proxy.seen.length;
      datasetId = await createDataset('mixed-sizes', members);
      dataset = await settled(datasetId);
      expect(dataset).toMatchObject({
        status: 'ready',
        members: members.length,
        entries: members.length + 1,
        failureReason: null,
      });
      expect(dataset.etag).toMatch(/^"[^"]+"$/);
      buildRequests = requestsSince(logFrom);

      const reads = (member: Seeded) =>
        buildRequests.filter((request) => request.method === 'GET' && request.path.endsWith(member.objectKey));
      if (copiesRefused(harness)) {
        // Every copy asked for was refused, and the Worker read each large member once, whole.
        expect(buildRequests.filter((request) => request.copySource !== null).every(isRefusedCopy)).toBe(true);
        for (const member of large)
          expect(bytesRead(buildRequests, member.objectKey), member.objectKey).toBe(member.size);
      } else {
        // UploadPartCopy named every large member as its source...
        const copySources = buildRequests
          .filter((request) => request.copySource !== null)
          .map((request) => decodeURIComponent(request.copySource!));
        for (const member of large)
          expect(
            copySources.some((source) => source.endsWith(member.objectKey)),
            member.objectKey,
          ).toBe(true);
        // ...and their bytes were never read by the Worker, except the first large member's first
        // bytes, borrowed once so the archive's first part reaches S3's 5 MiB minimum.
        expect(reads(large[1]!)).toEqual([]);
        expect(reads(large[2]!)).toEqual([]);
        const borrowed = reads(large[0]!);
        expect(borrowed).toHaveLength(1);
        expect(Number(/^bytes=0-(\d+)$/.exec(borrowed[0]!.range ?? '')?.[1]) + 1).toBeLessThan(5 * MiB);
      }

      const bundle = await api('POST', '/v1/bundles', admin, { submissionIds: members.map((member) => member.id) });
      expect(bundle.status).toBe(201);
      expect(bundle.json.bytes).toBe(dataset.bytes);
      const bundleBytes = await download(bundle.json.url, join(workDir, 'bundle.zip'));

      const grant = await api('POST', `/v1/datasets/${datasetId}/grants`, admin, { companyId: demoCompanyId });
      expect(grant.status).toBe(201);
      const link = await api('POST', `/v1/datasets/${datasetId}/download-url`, company);
      expect(link.status, JSON.stringify(link.json)).toBe(200);
      expect(link.json.bytes).toBe(dataset.bytes);
      const ttl = Date.parse(link.json.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(14 * 60_000);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);
      const archiveFile = join(workDir, 'dataset.zip');
      const headersFile = join(workDir, 'dataset.headers');
      const archiveBytes = await download(link.json.url, archiveFile, headersFile);
      expect(statSync(archiveFile).size).toBe(dataset.bytes);
      expect(readFileSync(headersFile, 'utf8')).toMatch(
        /content-disposition: attachment; filename="mixed-sizes\.zip"/i,
      );
      expect(Buffer.compare(archiveBytes, bundleBytes)).toBe(0);

      const unzip = testWithUnzip(archiveFile, true);
      expect(unzip.status, unzip.output).toBe(0);
      const python = readWithPython(archiveFile);
      expect(python.testzip).toBeNull();
      expect(python.entries.map((entry) => entry.name)).toEqual([
        'manifest.csv',
        ...members.map((member) => `${demoTaskId}/${member.id}.bin`),
      ]);
      for (const [index, entry] of python.entries.slice(1).entries()) expect(entry.sha256).toBe(members[index]!.sha256);
    });

    it('leaves no temporary objects and no open multipart upload behind', async () => {
      const temporary = buildRequests.filter((request) => request.path.includes('.zip.parts/'));
      const pathsOf = (requests: SeenRequest[]) => new Set(requests.map((request) => request.path));
      const created = pathsOf(temporary.filter((request) => request.method === 'POST' && request.query.has('uploads')));
      if (copiesRefused(harness)) {
        // A composed part's temporary upload begun before its copy was refused is aborted, never
        // completed, and the part streamed whole; after that the isolate asks for no copy.
        expect(temporary.filter((request) => request.method === 'POST' && request.query.has('uploadId'))).toEqual([]);
        const aborted = temporary.filter((request) => request.method === 'DELETE' && request.query.has('uploadId'));
        expect(pathsOf(aborted)).toEqual(created);
      } else {
        expect(temporary.length).toBeGreaterThan(0);
        const deletes = temporary.filter((request) => request.method === 'DELETE');
        expect(pathsOf(deletes)).toEqual(created);
      }
      for (const path of created) {
        const key = path.slice(`/${harness.s3.buckets.processed}/`.length);
        expect((await fetch(await presignProcessed('HEAD', key), { method: 'HEAD' })).status, key).toBe(404);
      }
    });

    it('logs each download: one access-log row per URL, with company, dataset, IP and user agent', async () => {
      for (let count = 0; count < 2; count++)
        expect((await api('POST', `/v1/datasets/${datasetId}/download-url`, company)).status).toBe(200);
      const log = await api('GET', `/v1/access-log?datasetId=${datasetId}`, admin);
      expect(log.status).toBe(200);
      expect(log.json.entries).toHaveLength(3);
      for (const entry of log.json.entries) {
        expect(entry).toMatchObject({
          action: 'dataset.download',
          datasetId,
          userId: demoUsers.company.userId,
          companyId: demoCompanyId,
          userAgent: 'dataset-tests/1',
        });
        expect(entry.ip).toEqual(expect.any(String));
      }
      const byAction = await api(
        'GET',
        `/v1/access-log?action=dataset.download&companyId=${demoCompanyId}&limit=2`,
        admin,
      );
      expect(byAction.json.entries).toHaveLength(2);
      expect(byAction.json.nextCursor).toEqual(expect.any(Number));
    });

    it('returns no URL when the access-log row cannot be written', async () => {
      // A trigger standing in for a log table that refuses writes (full disk, a broken migration).
      await harness.sql.unsafe(`
        create function public.refuse_dataset_downloads() returns trigger language plpgsql as $$
        begin if new.action = 'dataset.download' then raise exception 'access log unavailable'; end if; return new; end $$;
        create trigger refuse_dataset_downloads before insert on public.access_log for each row execute function public.refuse_dataset_downloads();`);
      try {
        const refused = await api('POST', `/v1/datasets/${datasetId}/download-url`, company);
        expect(refused.status).toBe(500);
        expect(refused.json).toEqual({
          error: { code: 'internal', message: 'internal error', requestId: expect.any(String) },
        });
      } finally {
        await harness.sql.unsafe(
          'drop trigger refuse_dataset_downloads on public.access_log; drop function public.refuse_dataset_downloads();',
        );
      }
      const rows = await api('GET', `/v1/access-log?datasetId=${datasetId}`, admin);
      expect(rows.json.entries).toHaveLength(3);
    });

    it('the CLI downloads a dataset for a company, resuming with Range when the transfer is cut, with one URL and one log row', async () => {
      const built = await run(process.execPath, [tsx, new URL('../../scripts/build-sdk.ts', import.meta.url).pathname]);
      expect(built.status, built.stderr).toBe(0);
      const archive = archivePath(datasetId, 'mixed-sizes');
      harness.proxy.inject((request) => request.method === 'GET' && request.path === archive, {
        kind: 'drop',
        afterBytes: 3 * MiB,
      });
      const logFrom = harness.proxy.seen.length;
      const rowsBefore = (await api('GET', `/v1/access-log?datasetId=${datasetId}`, admin)).json.entries.length;
      const out = join(workDir, 'cli-dataset.zip');
      const cli = new URL('../../dist/cli.mjs', import.meta.url).pathname;
      const result = await run(process.execPath, [
        cli,
        'dataset',
        '--api',
        harness.api,
        '--token',
        company,
        '--out',
        out,
        datasetId,
      ]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toContain('resuming');
      expect(JSON.parse(result.stdout)).toEqual({ id: datasetId, bytes: dataset.bytes, out });
      expect(Buffer.compare(readFileSync(out), readFileSync(join(workDir, 'dataset.zip')))).toBe(0);
      const gets = requestsSince(logFrom).filter((request) => request.method === 'GET' && request.path === archive);
      expect(gets).toHaveLength(2);
      expect(gets[0]!.range).toBeNull();
      // Resumed from what reached the file: some of the 3 MiB the proxy let through, never more.
      const resumedFrom = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
      expect(resumedFrom).toBeGreaterThan(0);
      expect(resumedFrom).toBeLessThanOrEqual(3 * MiB);
      expect((await api('GET', `/v1/access-log?datasetId=${datasetId}`, admin)).json.entries.length).toBe(
        rowsBefore + 1,
      );
    });

    it('hides a dataset from a company without a grant (404 on it and its URL, absent from the list), and lets granted companies bundle its members', async () => {
      const otherMembers = await harness.seedApproved(small(3, 10_000));
      const otherId = await createDataset('not-granted', otherMembers);
      await settled(otherId);
      expect((await api('GET', `/v1/datasets/${otherId}`, company)).status).toBe(404);
      const url = await api('POST', `/v1/datasets/${otherId}/download-url`, company);
      expect(url.status).toBe(404);
      expect(url.json.error.code).toBe('not_found');
      const listed = await api('GET', '/v1/datasets', company);
      expect(listed.json.datasets.map((entry: { id: string }) => entry.id)).toEqual([datasetId]);
      expect(listed.json.datasets[0].grantedTo).toEqual([demoCompanyId]);
      expect((await api('GET', '/v1/datasets', await harness.tokenFor('contributor'))).status).toBe(403);

      const granted = await api('POST', '/v1/bundles', company, { submissionIds: [members[3]!.id, members[1]!.id] });
      expect(granted.status).toBe(201);
      const outside = await api('POST', '/v1/bundles', company, {
        submissionIds: [members[3]!.id, otherMembers[1]!.id],
      });
      expect(outside.status).toBe(400);

      const revoked = await api('DELETE', `/v1/datasets/${datasetId}/grants/${demoCompanyId}`, admin);
      expect(revoked.status).toBe(204);
      expect((await api('POST', `/v1/datasets/${datasetId}/download-url`, company)).status).toBe(404);
      expect((await api('DELETE', `/v1/datasets/${datasetId}/grants/${demoCompanyId}`, admin)).status).toBe(404);
      const log = await api('GET', `/v1/access-log?datasetId=${otherId}`, admin);
      expect(log.json.entries).toEqual([]);
    });

    it('resumes a build whose attempt failed part-way without sending its finished parts again', async () => {
      const resumeMembers = await harness.seedApproved([
        ...sameSize(30, 250_000),
        randomBytes(7 * MiB),
        ...sameSize(30, 250_000),
        randomBytes(9 * MiB),
        ...sameSize(40, 250_000),
      ]);
      const logFrom = harness.proxy.seen.length;
      const failing = (request: SeenRequest) =>
        request.method === 'PUT' && request.path.endsWith('/resumed.zip') && request.query.get('partNumber') === '3';
      harness.proxy.inject(failing, { kind: 'status', status: 500, code: 'InternalError' }, 1);
      const id = await createDataset('resumed', resumeMembers);
      const result = await settled(id);
      expect(result.status).toBe('ready');
      const partPuts = requestsSince(logFrom).filter(
        (request) =>
          request.method === 'PUT' &&
          request.path === archivePath(id, 'resumed') &&
          request.query.has('partNumber') &&
          !isRefusedCopy(request),
      );
      const sends = new Map<string, number>();
      for (const request of partPuts)
        sends.set(request.query.get('partNumber')!, (sends.get(request.query.get('partNumber')!) ?? 0) + 1);
      expect(sends.get('3')).toBe(2);
      for (const [partNumber, count] of sends) if (partNumber !== '3') expect(count, `part ${partNumber}`).toBe(1);
      // Stream, copy, stream, copy, stream: 30 small members before each large one exceed 5 MiB.
      expect([...sends.keys()].sort()).toEqual(['1', '2', '3', '4', '5']);
      const [row] = await harness.sql`select failed_attempts, upload_id from public.datasets where id = ${id}`;
      expect(row!.failed_attempts).toBe(1);
      // One multipart upload for the archive across both attempts.
      expect(new Set(partPuts.map((request) => request.query.get('uploadId'))).size).toBe(1);
      const link = await api('POST', `/v1/datasets/${id}/download-url`, admin);
      const bytes = await download(link.json.url, join(workDir, 'resumed.zip'));
      const bundle = await api('POST', '/v1/bundles', admin, {
        submissionIds: resumeMembers.map((member) => member.id),
      });
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(
        createHash('sha256')
          .update(await download(bundle.json.url, join(workDir, 'resumed-bundle.zip')))
          .digest('hex'),
      );
    });

    it('a Complete whose answer was lost finds the archive stored; one whose upload is gone starts over', async () => {
      const bodies = () => [...sameSize(25, 250_000), randomBytes(6 * MiB), randomBytes(1000)];
      const isComplete = (name: string) => (request: SeenRequest) =>
        request.method === 'POST' && request.path.endsWith(`/${name}.zip`) && request.query.has('uploadId');

      // S3 completed the upload, but its answer never arrived: the HEAD finds the archive.
      const lostMembers = await harness.seedApproved(bodies());
      harness.proxy.inject(isComplete('lost-answer'), { kind: 'lose-answer', status: 404, code: 'NoSuchUpload' }, 1);
      let logFrom = harness.proxy.seen.length;
      const lostId = await createDataset('lost-answer', lostMembers);
      expect(await settled(lostId)).toMatchObject({ status: 'ready', entries: lostMembers.length + 1 });
      expect(requestsSince(logFrom).filter(isComplete('lost-answer'))).toHaveLength(1);
      expect(
        (await harness.sql`select failed_attempts from public.datasets where id = ${lostId}`)[0]!.failed_attempts,
      ).toBe(0);

      // S3 no longer knows the upload and holds no archive: the next attempt uses a new upload.
      const goneMembers = await harness.seedApproved(bodies());
      harness.proxy.inject(isComplete('gone-upload'), { kind: 'status', status: 404, code: 'NoSuchUpload' }, 1);
      logFrom = harness.proxy.seen.length;
      const goneId = await createDataset('gone-upload', goneMembers);
      expect(await settled(goneId)).toMatchObject({ status: 'ready' });
      const uploads = new Set(
        requestsSince(logFrom)
          .filter((request) => request.path === archivePath(goneId, 'gone-upload') && request.query.has('uploadId'))
          .map((request) => request.query.get('uploadId')),
      );
      expect(uploads.size).toBe(2);
      const [first] = [...uploads];
      expect(
        requestsSince(logFrom).filter(
          (request) => request.method === 'DELETE' && request.query.get('uploadId') === first,
        ),
      ).toHaveLength(1);
      expect(
        (await harness.sql`select failed_attempts from public.datasets where id = ${goneId}`)[0]!.failed_attempts,
      ).toBe(1);
      const link = await api('POST', `/v1/datasets/${goneId}/download-url`, admin);
      const bundle = await api('POST', '/v1/bundles', admin, { submissionIds: goneMembers.map((member) => member.id) });
      expect(
        Buffer.compare(
          await download(link.json.url, join(workDir, 'gone.zip')),
          await download(bundle.json.url, join(workDir, 'gone-bundle.zip')),
        ),
      ).toBe(0);
    });

    it('marks a dataset failed, with a reason, when a member is gone, and aborts its upload', async () => {
      const doomed = await harness.seedApproved([
        randomBytes(6 * MiB),
        ...small(3, 1000),
        randomBytes(8 * MiB),
        ...small(2, 1000),
      ]);
      const removed = await fetch(await presignRaw('DELETE', doomed[4]!.objectKey), { method: 'DELETE' });
      expect(removed.status).toBe(204);
      const logFrom = harness.proxy.seen.length;
      const id = await createDataset('doomed', doomed);
      const result = await settled(id);
      expect(result.status).toBe('failed');
      expect(result.failureReason).toBe(`member ${demoTaskId}/${doomed[4]!.id}.bin is missing from the raw bucket`);
      expect(result.bytes).toBeNull();
      const requests = requestsSince(logFrom).filter((request) => request.path === archivePath(id, 'doomed'));
      const uploadId = requests.find((request) => request.query.has('uploadId'))?.query.get('uploadId');
      expect(uploadId).toEqual(expect.any(String));
      expect(
        requests.filter((request) => request.method === 'DELETE' && request.query.get('uploadId') === uploadId),
      ).toHaveLength(1);
      expect(
        requests.filter((request) => request.method === 'POST' && request.query.get('uploadId') === uploadId),
      ).toEqual([]);
      const url = await api('POST', `/v1/datasets/${id}/download-url`, admin);
      expect(url.status).toBe(409);
      expect(url.json.error.code).toBe('conflict');
    });

    it('refuses bad input with 400 and records nothing', async () => {
      const [before] = await harness.sql`select count(*)::int as count from public.datasets`;
      const pending = await harness.sql`
        insert into public.submissions (task_id, contributor_id, content_type, declared_size)
        values (${demoTaskId}, ${demoUsers.contributor.userId}, 'audio/webm', 10) returning id`;
      const cases: unknown[] = [
        { name: '../escape', submissionIds: [members[1]!.id] },
        { name: 'x'.repeat(101), submissionIds: [members[1]!.id] },
        { name: 'both', submissionIds: [members[1]!.id], taskId: demoTaskId },
        { name: 'neither' },
        { name: 'unapproved', submissionIds: [pending[0]!.id] },
        { name: 'unknown', submissionIds: [crypto.randomUUID()] },
        { name: 'duplicates', submissionIds: [members[1]!.id, members[1]!.id] },
        { name: 'empty-task', taskId: crypto.randomUUID() },
        { name: 'extra', submissionIds: [members[1]!.id], owner: 'me' },
      ];
      for (const body of cases) {
        const result = await api('POST', '/v1/datasets', admin, body);
        expect(result.status, JSON.stringify(body)).toBe(400);
        expect(result.json.error.code).toBe('invalid_request');
      }
      expect(
        (await api('POST', '/v1/datasets', company, { name: 'nope', submissionIds: [members[1]!.id] })).status,
      ).toBe(403);
      expect(
        (await api('POST', `/v1/datasets/${datasetId}/grants`, admin, { companyId: crypto.randomUUID() })).status,
      ).toBe(404);
      expect(
        (await api('POST', `/v1/datasets/${crypto.randomUUID()}/grants`, admin, { companyId: demoCompanyId })).status,
      ).toBe(404);
      expect(
        (await api('POST', `/v1/datasets/${datasetId}/grants`, company, { companyId: demoCompanyId })).status,
      ).toBe(403);
      const [after] = await harness.sql`select count(*)::int as count from public.datasets`;
      expect(after!.count).toBe(before!.count);
    });
  });

  const presignRaw = (method: 'HEAD' | 'DELETE', key: string) => presignRawObject(harness.s3, method, key);
}
