import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import type { SeenRequest } from '../support/s3-proxy';
import { readWithPython, testWithUnzip } from '../unit/zip/archive-fixture';
import { datasetClient } from './dataset-client';
import { downloadShardsWithCli } from './dataset-shards-cli';
import { startHarness, type Harness, type Seeded } from '../support/harness';
import { isRefusedCopy } from './copy-profile';

const MiB = 1024 * 1024;
const shardSize = 500;
const memberCount = 2000;
// One 12 MiB member inside each shard gives every shard several parts (src/datasets/part-plan.ts):
// the bytes before it with the head of its body (reaching S3's 5 MiB minimum), its body copied
// inside S3, and a composed part of its tail and the small members after it.
const largeAt = new Set([250, 750, 1250, 1750]);

/**
 * A dataset of 2,000 members cut into four shards of 500 (`shardMaxMembers`): each shard a valid
 * archive, byte-identical to the bundle of its members; the shards' members are the dataset's,
 * exactly and in order; the index object lists them; a fault on one shard's part is retried with
 * only that part sent again; a shard that fails for good fails the dataset, and retrying it
 * rebuilds only that shard.
 */
export function describeDatasetShards(s3: 's3rver' | 'rgw') {
  let harness: Harness;
  let admin: string;
  const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-shards-'));

  beforeAll(async () => {
    harness = await startHarness({
      s3,
      workerBindings: { DATASET_BUILD_RETRY_DELAY_SECONDS: '1', DATASET_BUILD_FAILED_ATTEMPTS: '3' },
    });
    admin = await harness.tokenFor('admin');
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const { api, settled, download, presignProcessed } = datasetClient(
    () => harness,
    () => admin,
  );
  const shardPath = (id: string, file: string) => `/${harness.s3.buckets.processed}/datasets/${id}/${file}`;
  // A copy the store refused (behind the no-copy front) sent no part: the part was streamed instead.
  const isPartOf = (path: string) => (request: SeenRequest) =>
    request.method === 'PUT' && request.path === path && request.query.has('partNumber') && !isRefusedCopy(request);

  async function createSharded(name: string, members: Seeded[]): Promise<string> {
    const created = await api('POST', '/v1/datasets', admin, {
      name,
      submissionIds: members.map((member) => member.id),
      shardMaxMembers: shardSize,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    return created.json.id;
  }

  describe(`sharded datasets (${s3})`, () => {
    let members: Seeded[];
    let datasetId: string;
    let dataset: any;
    let buildRequests: SeenRequest[];
    const names = Array.from({ length: 4 }, (_, index) => `sharded-0000${index}-of-00004.zip`);

    it('cuts 2,000 members into 4 shards of 500, one queue message each; a fault on one shard’s part sends only that part again', async () => {
      members = await harness.seedApproved(
        Array.from({ length: memberCount }, (_, index) =>
          randomBytes(largeAt.has(index) ? 12 * MiB : 100 + Math.floor(Math.random() * 1400)),
        ),
      );
      const logFrom = harness.proxy.seen.length;
      const faulty = (request: SeenRequest) =>
        isPartOf(shardPath(datasetId, names[2]!))(request) && request.query.get('partNumber') === '1';
      harness.proxy.inject((request) => datasetId !== undefined && faulty(request), {
        kind: 'status',
        status: 500,
        code: 'InternalError',
      });
      datasetId = await createSharded('sharded', members);
      dataset = await settled(datasetId);
      buildRequests = harness.proxy.seen.slice(logFrom);

      expect(dataset).toMatchObject({
        status: 'ready',
        members: memberCount,
        entries: memberCount + 4,
        shardCount: 4,
        failureReason: null,
        progress: { shardsReady: 4, shards: 4, bytesReady: dataset.bytes },
      });
      expect(dataset.shards.map((shard: any) => [shard.index, shard.name, shard.status, shard.entries])).toEqual(
        names.map((name, index) => [index, name, 'ready', shardSize + 1]),
      );
      expect(dataset.shards.reduce((sum: number, shard: any) => sum + shard.bytes, 0)).toBe(dataset.bytes);

      // Every shard's parts reached S3 once, except the faulty one, sent twice; one upload each.
      for (const [index, name] of names.entries()) {
        const puts = buildRequests.filter(isPartOf(shardPath(datasetId, name)));
        const sends = new Map<string, number>();
        for (const put of puts)
          sends.set(put.query.get('partNumber')!, (sends.get(put.query.get('partNumber')!) ?? 0) + 1);
        expect(sends.size, name).toBeGreaterThanOrEqual(2);
        expect(Object.fromEntries(sends), name).toEqual(
          Object.fromEntries([...sends.keys()].map((part) => [part, index === 2 && part === '1' ? 2 : 1])),
        );
        expect(new Set(puts.map((put) => put.query.get('uploadId'))).size, name).toBe(1);
      }
      const attempts = await harness.sql<{ shard_index: number; failed_attempts: number }[]>`
        select shard_index, failed_attempts from public.dataset_shards where dataset_id = ${datasetId} order by shard_index`;
      expect(attempts.map((row) => row.failed_attempts)).toEqual([0, 0, 1, 0]);

      // One queue message per shard: each shard's parts went to its own upload, whatever the order.
      // The local queue (Miniflare) delivers one batch at a time, so here shards build one after
      // another; concurrent builds are proven in test/integration/dataset-shards-concurrent.test.ts.
      const order = buildRequests
        .filter((request) => request.query.has('partNumber') && request.path.endsWith('.zip'))
        .map((request) => names.findIndex((name) => request.path.endsWith(`/${name}`)));
      expect(new Set(order)).toEqual(new Set([0, 1, 2, 3]));
    });

    it('each shard passes unzip -t and zipfile, equals the bundle of its members, and together they hold every member once, in order', async () => {
      const link = await api('POST', `/v1/datasets/${datasetId}/download-url`, admin);
      expect(link.status, JSON.stringify(link.json)).toBe(200);
      expect(link.json.url).toBeUndefined();
      expect(link.json.shards.map((shard: any) => [shard.index, shard.name])).toEqual(
        names.map((name, index) => [index, name]),
      );
      const union: string[] = [];
      for (const shard of link.json.shards) {
        const file = join(workDir, shard.name);
        const bytes = await download(shard.url, file);
        expect(bytes.byteLength).toBe(shard.bytes);
        expect(shard.etag).toBe(dataset.shards[shard.index].etag ?? shard.etag);
        const unzip = testWithUnzip(file, true);
        expect(unzip.status, unzip.output).toBe(0);
        const python = readWithPython(file);
        expect(python.testzip).toBeNull();
        expect(python.entries[0]!.name).toBe('manifest.csv');
        union.push(...python.entries.slice(1).map((entry) => entry.name));

        const shardMembers = members.slice(shard.index * shardSize, (shard.index + 1) * shardSize);
        const bundle = await api('POST', '/v1/bundles', admin, {
          submissionIds: shardMembers.map((member) => member.id),
        });
        expect(bundle.status).toBe(201);
        const bundleBytes = await download(bundle.json.url, join(workDir, `bundle-${shard.index}.zip`));
        expect(Buffer.compare(bytes, bundleBytes), shard.name).toBe(0);
      }
      expect(union).toEqual(members.map((member) => `${demoTaskId}/${member.id}.bin`));
    });

    it('the CLI downloads every shard into a directory, two at a time, resuming a cut one, one URL and one log row per shard', async () => {
      await downloadShardsWithCli({ harness, admin, datasetId, dataset, names, workDir, shardPath });
    });

    it('writes the index beside the shards, and hands out URLs for chosen shards, one access-log row each', async () => {
      const index = await fetch(await presignProcessed('GET', `datasets/${datasetId}/sharded.index.json`));
      expect(index.status).toBe(200);
      const listed = (await index.json()) as any;
      expect(listed.dataset).toBe(datasetId);
      expect(listed.format).toBe('zip');
      expect(listed.manifest).toBe('sharded.manifest.csv');
      // The manifest lists every member, in archive order, with its shard and its name there.
      const manifest = await fetch(await presignProcessed('GET', `datasets/${datasetId}/sharded.manifest.csv`));
      expect(manifest.status).toBe(200);
      expect((await manifest.text()).split('\r\n')).toEqual([
        '"id","shard","member"',
        ...members.map(
          (member, position) =>
            `"${member.id}","${names[Math.floor(position / shardSize)]}","${demoTaskId}/${member.id}.bin"`,
        ),
        '',
      ]);
      expect(listed.shards).toEqual(
        names.map((name, shard) => ({
          index: shard,
          name,
          bytes: dataset.shards[shard].bytes,
          entries: shardSize + 1,
          etag: expect.stringMatching(/^"[^"]+"$/),
          firstMember: members[shard * shardSize]!.id,
          lastMember: members[(shard + 1) * shardSize - 1]!.id,
        })),
      );
      expect(dataset.etag).toBe(index.headers.get('etag'));

      const before =
        await harness.sql`select count(*)::int as count from public.access_log where dataset_id = ${datasetId}`;
      const chosen = await api('POST', `/v1/datasets/${datasetId}/download-url`, admin, { shards: [3, 1] });
      expect(chosen.status).toBe(200);
      expect(chosen.json.shards.map((shard: any) => shard.index)).toEqual([1, 3]);
      const rows = await harness.sql<{ dataset_shard: number }[]>`
        select dataset_shard from public.access_log where dataset_id = ${datasetId} order by id desc limit 2`;
      expect(rows.map((row) => row.dataset_shard).sort()).toEqual([1, 3]);
      const after =
        await harness.sql`select count(*)::int as count from public.access_log where dataset_id = ${datasetId}`;
      expect(after[0]!.count - before[0]!.count).toBe(2);

      for (const body of [
        { shards: [4] },
        { shards: [1, 1] },
        { shards: [] },
        { shards: Array.from({ length: 101 }, (_, i) => i) },
      ]) {
        const refused = await api('POST', `/v1/datasets/${datasetId}/download-url`, admin, body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(refused.json.error.code).toBe('invalid_request');
      }
      const unchanged =
        await harness.sql`select count(*)::int as count from public.access_log where dataset_id = ${datasetId}`;
      expect(unchanged[0]!.count).toBe(after[0]!.count);
      for (const body of [{ shardMaxMembers: 0 }, { shardMaxBytes: MiB }, { shardMaxMembers: 1.5 }]) {
        const refused = await api('POST', '/v1/datasets', admin, {
          name: 'bad',
          submissionIds: [members[0]!.id],
          ...body,
        });
        expect(refused.status, JSON.stringify(body)).toBe(400);
      }
    });

    it('fails the dataset when one shard fails for good, and a retry rebuilds only that shard', async () => {
      const subset = members.slice(0, 2 * shardSize);
      let id = '';
      const failing = (request: SeenRequest) =>
        id !== '' &&
        isPartOf(shardPath(id, 'retried-00001-of-00002.zip'))(request) &&
        request.query.get('partNumber') === '1';
      harness.proxy.inject(failing, { kind: 'status', status: 500, code: 'InternalError' }, 3);
      id = await createSharded('retried', subset);
      const failed = await settled(id);
      expect(failed.status).toBe('failed');
      expect(failed.failureReason).toMatch(/^shard 1: /);
      expect(failed.shards.map((shard: any) => shard.status)).toEqual(['ready', 'failed']);
      expect(failed.progress).toMatchObject({ shardsReady: 1, shards: 2 });

      const logFrom = harness.proxy.seen.length;
      const retried = await api('POST', `/v1/datasets/${id}/retry`, admin);
      expect(retried.status, JSON.stringify(retried.json)).toBe(202);
      expect(retried.json).toEqual({ id, status: 'building', shards: [1] });
      const ready = await settled(id);
      expect(ready).toMatchObject({ status: 'ready', entries: 2 * shardSize + 2, failureReason: null });
      const touched = new Set(
        harness.proxy.seen
          .slice(logFrom)
          .filter((request) => request.path.startsWith(`/${harness.s3.buckets.processed}/datasets/${id}/`))
          .map((request) => request.path.split('/').at(-1)),
      );
      expect([...touched].sort()).toEqual(['retried-00001-of-00002.zip', 'retried.index.json', 'retried.manifest.csv']);
      expect((await api('POST', `/v1/datasets/${id}/retry`, admin)).status).toBe(409);
    });
  });
}
