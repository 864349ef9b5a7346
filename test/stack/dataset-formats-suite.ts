import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import type { SeenRequest } from '../support/s3-proxy';
import { startHarness, type Harness, type Seeded } from '../support/harness';
import { duckDb, readWithDuckDb, readWithHyparquet, type ReadRow } from '../unit/parquet/parquet-fixture';
import { datasetClient } from './dataset-client';
import { expectTarMembers } from './tar-readers';
import { copiesRefused, isRefusedCopy } from './copy-profile';

const MiB = 1024 * 1024;
const memberCount = 24;
const shardSize = 12;
// Mostly large members, as recordings are: their bodies must be copied inside S3, never streamed.
const isLarge = (position: number) => position % 4 === 3;
const reviewedAt = new Date('2026-11-02T10:00:00.123Z');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Datasets as ML loaders read them: Parquet shards read by DuckDB and hyparquet (an independent
 * implementation), WebDataset shards read by GNU tar, bsdtar and Python's tarfile, each checked
 * member by member against the submissions, rebuilt byte-identical, and assembled inside S3 with
 * only headers, small members and at most one part's head per shard streamed by the Worker.
 */
export function describeDatasetFormats(s3: 's3rver' | 'rgw') {
  let harness: Harness;
  let admin: string;
  let members: Seeded[];
  let bodies: Buffer[];
  const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-formats-'));

  beforeAll(async () => {
    harness = await startHarness({ s3, workerBindings: { DATASET_BUILD_RETRY_DELAY_SECONDS: '1' } });
    admin = await harness.tokenFor('admin');
    bodies = Array.from({ length: memberCount }, (_, position) =>
      randomBytes(isLarge(position) ? 12 * MiB : 200 + position * 61),
    );
    members = await harness.seedApproved(bodies);
    await harness.sql`
      update public.submissions set content_type = 'audio/wav', reviewed_at = ${reviewedAt}
      where id = any(${members.map((member) => member.id)}::uuid[])`;
  }, 180_000);

  afterAll(async () => {
    await harness?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const { api, settled, download, presignProcessed } = datasetClient(
    () => harness,
    () => admin,
  );

  /** Creates and waits for a dataset; its shards downloaded, with the S3 requests its build made. */
  async function build(name: string, format: string) {
    const logFrom = harness.proxy.seen.length;
    const created = await api('POST', '/v1/datasets', admin, {
      name,
      format,
      submissionIds: members.map((member) => member.id),
      shardMaxMembers: shardSize,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    const dataset = await settled(created.json.id);
    expect(dataset, JSON.stringify(dataset)).toMatchObject({ status: 'ready', format, shardCount: 2 });
    const requests = harness.proxy.seen.slice(logFrom);
    const link = await api('POST', `/v1/datasets/${dataset.id}/download-url`, admin);
    expect(link.status, JSON.stringify(link.json)).toBe(200);
    const shards: { name: string; file: string; bytes: Buffer }[] = [];
    for (const shard of link.json.shards) {
      const file = join(workDir, `${dataset.id}-${shard.name}`);
      shards.push({ name: shard.name, file, bytes: await download(shard.url, file) });
      expect(shards.at(-1)!.bytes.byteLength).toBe(shard.bytes);
    }
    return { dataset, requests, shards };
  }

  /**
   * Bytes the Worker sent S3 for each shard (its parts, and the streamed pieces of composed parts)
   * against the shard's size: at most the head it borrows to reach S3's 5 MiB minimum part before
   * the first copied body, plus headers and small members. Every other byte was copied inside S3.
   * Where the store refuses copies, every byte was sent by the Worker, once.
   */
  function expectCopiedInsideS3(datasetId: string, shards: { name: string; bytes: Buffer }[], requests: SeenRequest[]) {
    for (const shard of shards) {
      const prefix = `/${harness.s3.buckets.processed}/datasets/${datasetId}/${shard.name}`;
      const ours = requests.filter((request) => request.method === 'PUT' && request.path.startsWith(prefix));
      const streamed = ours.reduce((sum, request) => sum + request.requestBytes, 0);
      const copies = ours.filter((request) => request.copySource !== null);
      if (copiesRefused(harness)) {
        expect(copies.every(isRefusedCopy), shard.name).toBe(true);
        // Parts S3 accepted; a part refused once (the parquet case's injected 500) is sent again.
        const accepted = ours.filter((request) => request.status === 200 && request.copySource === null);
        expect(
          accepted.reduce((sum, request) => sum + request.requestBytes, 0),
          shard.name,
        ).toBe(shard.bytes.length);
        continue;
      }
      expect(copies.length, shard.name).toBeGreaterThanOrEqual(2);
      const smallBytes = bodies.filter((_, position) => !isLarge(position)).reduce((sum, body) => sum + body.length, 0);
      expect(streamed, shard.name).toBeLessThanOrEqual(5 * MiB + smallBytes + 64 * 1024);
      expect(shard.bytes.length - streamed, shard.name).toBeGreaterThan(30 * MiB);
    }
  }

  describe(`dataset formats (${s3})`, () => {
    it('parquet: every shard read by DuckDB and hyparquet, row for row, media hashes equal, Hugging Face features declared, rebuilt byte-identical', async () => {
      // One part of the first shard refused once: the build resumes it like any ZIP build.
      harness.proxy.inject(
        (request) =>
          request.method === 'PUT' &&
          request.path.endsWith('/speech-00000-of-00002.parquet') &&
          request.query.get('partNumber') === '2',
        { kind: 'status', status: 500, code: 'InternalError' },
      );
      const { dataset, requests, shards } = await build('speech', 'parquet');
      const attempts = await harness.sql<{ failed_attempts: number }[]>`
        select failed_attempts from public.dataset_shards where dataset_id = ${dataset.id} order by shard_index`;
      expect(attempts.map((row) => row.failed_attempts)).toEqual([1, 0]);
      expect(shards.map((shard) => shard.name)).toEqual([
        'speech-00000-of-00002.parquet',
        'speech-00001-of-00002.parquet',
      ]);
      expect(dataset.entries).toBe(memberCount);
      const expected = members.map(
        (member, position): ReadRow => ({
          id: member.id,
          taskId: demoTaskId,
          contentType: 'audio/wav',
          size: String(bodies[position]!.length),
          sha256: member.sha256,
          createdAtMicros: expect.stringMatching(/^\d{16}$/),
          reviewedAtMicros: String(reviewedAt.getTime() * 1000),
          bodySha256: sha256(bodies[position]!),
          bodyLength: String(bodies[position]!.length),
          path: `${member.id}.wav`,
        }),
      );
      for (const [index, shard] of shards.entries()) {
        const rows = expected.slice(index * shardSize, (index + 1) * shardSize);
        expect(await readWithDuckDb(shard.file, 'audio')).toEqual(rows);
        expect(await readWithHyparquet(shard.file, 'audio')).toEqual(rows);
        const [metadata] = await duckDb(
          `select decode(value) as value from parquet_kv_metadata('${shard.file}') where decode(key) = 'huggingface'`,
        );
        const features = JSON.parse(metadata!.value as string).info.features;
        expect(Object.keys(features)).toEqual([
          'id',
          'task_id',
          'content_type',
          'size',
          'sha256',
          'created_at',
          'reviewed_at',
          'audio',
        ]);
        expect(features.audio._type).toBe('Audio');
        expect(features.created_at).toEqual({ dtype: 'timestamp[us, tz=UTC]', _type: 'Value' });
      }
      // created_at is the submission's, to the microsecond.
      const created = await harness.sql<{ micros: string }[]>`
        select (extract(epoch from created_at) * 1000000)::bigint::text as micros from public.submissions
        where id = ${members[0]!.id}`;
      expect((await readWithDuckDb(shards[0]!.file, 'audio'))[0]!.createdAtMicros).toBe(created[0]!.micros);
      expectCopiedInsideS3(dataset.id, shards, requests);

      // Beside the shards: the index names the format; the manifest, each member's shard and path.
      const beside = async (file: string) => fetch(await presignProcessed('GET', `datasets/${dataset.id}/${file}`));
      expect(((await (await beside('speech.index.json')).json()) as any).format).toBe('parquet');
      expect((await (await beside('speech.manifest.csv')).text()).split('\r\n').slice(0, 3)).toEqual([
        '"id","shard","member"',
        `"${members[0]!.id}","speech-00000-of-00002.parquet","${members[0]!.id}.wav"`,
        `"${members[1]!.id}","speech-00000-of-00002.parquet","${members[1]!.id}.wav"`,
      ]);

      const again = await build('speech', 'parquet');
      expect(again.dataset.id).not.toBe(dataset.id);
      expect(again.shards.map((shard) => sha256(shard.bytes))).toEqual(shards.map((shard) => sha256(shard.bytes)));
    });

    it('webdataset: tar shards of <id>.wav then <id>.json in dataset order, read by GNU tar, bsdtar and tarfile, rebuilt byte-identical', async () => {
      const { dataset, requests, shards } = await build('speech-wds', 'webdataset');
      expect(shards.map((shard) => shard.name)).toEqual([
        'speech-wds-00000-of-00002.tar',
        'speech-wds-00001-of-00002.tar',
      ]);
      expect(dataset.entries).toBe(2 * memberCount);
      for (const [index, shard] of shards.entries()) {
        const expected = members.slice(index * shardSize, (index + 1) * shardSize).flatMap((member, offset) => {
          const position = index * shardSize + offset;
          return [
            { name: `${member.id}.wav`, sha256: sha256(bodies[position]!) },
            { name: `${member.id}.json`, sha256: null },
          ];
        });
        const read = expectTarMembers(shard.file, expected, workDir);
        for (const member of members.slice(index * shardSize, (index + 1) * shardSize)) {
          const metadata = JSON.parse(read.get(`${member.id}.json`)!.toString('utf8'));
          expect(metadata).toEqual({
            id: member.id,
            task_id: demoTaskId,
            content_type: 'audio/wav',
            size: member.size,
            sha256: member.sha256,
            created_at: expect.stringMatching(/^2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
            reviewed_at: reviewedAt.toISOString(),
          });
        }
      }
      expectCopiedInsideS3(dataset.id, shards, requests);
      const again = await build('speech-wds', 'webdataset');
      expect(again.shards.map((shard) => sha256(shard.bytes))).toEqual(shards.map((shard) => sha256(shard.bytes)));
    });

    it('tar bundles: exact length, strong ETag, read by GNU tar, bsdtar and tarfile, ranges reassembled, even with a CRC unknown', async () => {
      const chosen = members.slice(0, 8);
      // Tar needs no CRC: a member whose CRC is unknown still leaves the bundle rangeable.
      await harness.sql`update public.submissions set crc32 = null where id = ${chosen[1]!.id}`;
      const created = await api('POST', '/v1/bundles', admin, {
        submissionIds: chosen.map((member) => member.id),
        format: 'tar',
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      expect(created.json).toMatchObject({ format: 'tar', entries: chosen.length + 1 });
      expect(new URL(created.json.url).searchParams.get('format')).toBe('tar');

      const head = await fetch(created.json.url, { method: 'HEAD' });
      const etag = head.headers.get('etag')!;
      expect(head.status).toBe(200);
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect(head.headers.get('accept-ranges')).toBe('bytes');
      expect(head.headers.get('content-type')).toBe('application/x-tar');
      expect(head.headers.get('content-disposition')).toBe(`attachment; filename="bundle-${created.json.id}.tar"`);

      const whole = await fetch(created.json.url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('etag')).toBe(etag);
      expect(whole.headers.get('content-length')).toBe(String(created.json.bytes));
      const bytes = Buffer.from(await whole.arrayBuffer());
      expect(bytes.length).toBe(created.json.bytes);
      const file = join(workDir, 'bundle.tar');
      writeFileSync(file, bytes);
      const read = expectTarMembers(
        file,
        [
          { name: 'manifest.csv', sha256: null },
          ...chosen.map((member) => ({
            name: `${demoTaskId}/${member.id}.wav`,
            sha256: sha256(bodies[members.indexOf(member)]!),
          })),
        ],
        workDir,
      );
      expect(read.get('manifest.csv')!.toString('utf8').split('\r\n')).toHaveLength(chosen.length + 2);

      // Three ranges, each 206 under If-Range, cover every byte; together they are the bundle.
      const cuts = [0, 1000, Math.floor(bytes.length / 2), bytes.length];
      const pieces: Buffer[] = [];
      for (let index = 0; index < 3; index++) {
        const response = await fetch(created.json.url, {
          headers: { range: `bytes=${cuts[index]}-${cuts[index + 1]! - 1}`, 'if-range': etag },
        });
        expect(response.status).toBe(206);
        expect(response.headers.get('content-range')).toBe(
          `bytes ${cuts[index]}-${cuts[index + 1]! - 1}/${bytes.length}`,
        );
        pieces.push(Buffer.from(await response.arrayBuffer()));
      }
      expect(Buffer.compare(Buffer.concat(pieces), bytes)).toBe(0);
      // A validator of other bytes (the ZIP of the same bundle) gets the whole tar, not a range.
      const zip = await fetch(created.json.url.replace('&format=tar', ''), { method: 'HEAD' });
      expect(zip.headers.get('content-type')).toBe('application/zip');
      expect(zip.headers.get('etag')).not.toBe(etag);
      const stale = await fetch(created.json.url, {
        headers: { range: 'bytes=0-99', 'if-range': zip.headers.get('etag')! },
      });
      expect(stale.status).toBe(200);
      expect(Buffer.compare(Buffer.from(await stale.arrayBuffer()), bytes)).toBe(0);
      const unknown = await fetch(created.json.url.replace('format=tar', 'format=rar'));
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as any).error.code).toBe('invalid_request');
    });

    it('refuses at create, naming it, a Parquet member larger than one value holds, and records nothing', async () => {
      const [oversized] = await harness.sql<{ id: string }[]>`
        insert into public.submissions (task_id, contributor_id, status, content_type, declared_size, size, sha256, uploaded_at)
        select task_id, contributor_id, 'approved', 'video/mp4', 3221225472, 3221225472, sha256, uploaded_at
        from public.submissions where id = ${members[0]!.id}
        returning id`;
      const count = async () => (await harness.sql`select count(*)::int as count from public.datasets`)[0]!.count;
      const before = await count();
      const refused = await api('POST', '/v1/datasets', admin, {
        name: 'too-large',
        format: 'parquet',
        submissionIds: [members[0]!.id, oversized!.id],
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error.code).toBe('invalid_request');
      expect(refused.json.error.message).toContain(oversized!.id);
      expect(refused.json.error.message).toContain('3221225472 bytes');
      expect(await count()).toBe(before);
      const badFormat = await api('POST', '/v1/datasets', admin, {
        name: 'bad',
        format: 'rar',
        submissionIds: [members[0]!.id],
      });
      expect(badFormat.status).toBe(400);
      expect(await count()).toBe(before);
      // The same member is fine in a format without that bound.
      const accepted = await api('POST', '/v1/datasets', admin, {
        name: 'large-webdataset',
        format: 'webdataset',
        submissionIds: [oversized!.id],
      });
      expect(accepted.status, JSON.stringify(accepted.json)).toBe(202);
      // Its object was never stored, so the build fails for good, saying which member.
      const failed = await settled(accepted.json.id);
      expect(failed.status).toBe('failed');
      expect(failed.failureReason).toContain(`${oversized!.id}.mp4 is missing from the raw bucket`);
    });
  });
}
