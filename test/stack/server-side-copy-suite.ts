import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeenRequest } from '../support/s3-proxy';
import { startHarness, type Harness, type Seeded } from '../support/harness';
import { presignRawObject } from '../support/seed';
import { datasetClient } from './dataset-client';
import { call, MiB, openSinglePut, rawObject, sha256, submissionRow } from './faults-client';

// S3_SERVER_SIDE_COPY=auto (the default) on a store that copies until it stops: Hetzner may answer
// 501 NotImplemented to CopyObject and UploadPartCopy (README, "Server-side copy"). The proxy
// refuses them here as the no-copy front does, mid-run, so each journey is checked both ways
// against the same members: completes and dataset builds fall back at once, for that call, and the
// isolate asks no more; every byte is the same.

const notImplemented = { kind: 'status', status: 501, code: 'NotImplemented' } as const;
const formats = ['zip', 'parquet', 'webdataset'] as const;

export function describeServerSideCopy(s3: 's3rver' | 'rgw') {
  let harness: Harness;
  let admin: string;
  let contributor: string;
  let members: Seeded[];
  const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-copy-'));

  beforeAll(async () => {
    harness = await startHarness({ s3, workerBindings: { DATASET_BUILD_RETRY_DELAY_SECONDS: '1' } });
    [admin, contributor] = await Promise.all([harness.tokenFor('admin'), harness.tokenFor('contributor')]);
    // Large members are copied where the store copies (src/datasets/part-plan.ts): 5 MiB and up.
    const bodies = Array.from({ length: 9 }, (_, position) =>
      randomBytes(position % 3 === 1 ? 6 * MiB + position : 3000 + position * 17),
    );
    members = await harness.seedApproved(bodies);
  }, 180_000);
  afterEach(() => harness.proxy.clear());
  afterAll(async () => {
    await harness?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const { api, settled, download } = datasetClient(
    () => harness,
    () => admin,
  );
  const copies = (requests: SeenRequest[]) => requests.filter((request) => request.copySource !== null);

  /** Builds a dataset of every member and downloads its one shard, with the S3 requests of its build. */
  async function build(format: (typeof formats)[number]) {
    const from = harness.proxy.seen.length;
    const created = await api('POST', '/v1/datasets', admin, {
      name: `copies-${format}`,
      format,
      submissionIds: members.map((member) => member.id),
    });
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    const dataset = await settled(created.json.id);
    expect(dataset, JSON.stringify(dataset)).toMatchObject({ status: 'ready', shardCount: 1 });
    const requests = harness.proxy.seen.slice(from);
    const link = await api('POST', `/v1/datasets/${dataset.id}/download-url`, admin);
    expect(link.status, JSON.stringify(link.json)).toBe(200);
    const [shard] = link.json.shards;
    const bytes = await download(shard.url, join(workDir, `${dataset.id}-${shard.name}`));
    expect(bytes.byteLength).toBe(shard.bytes);
    const uploaded = requests.filter(
      (request) => request.method === 'PUT' && request.path.includes(`/datasets/${dataset.id}/${shard.name}`),
    );
    const streamed = uploaded.reduce((sum, request) => sum + request.requestBytes, 0);
    return { bytes, requests, streamed };
  }

  describe(`server-side copy refused mid-run (${s3})`, () => {
    it('dataset builds in every format stream what they copied, byte-identical, and stop asking', async () => {
      const copied = new Map<string, { sha256: string; length: number }>();
      for (const format of formats) {
        const { bytes, requests, streamed } = await build(format);
        const asked = copies(requests);
        expect(asked.length, format).toBeGreaterThanOrEqual(3);
        expect(
          asked.every((request) => request.status === 200),
          format,
        ).toBe(true);
        // The bodies of the last two large members never passed through the Worker (the first
        // streams with the bytes before it: too little of it is left after the first part borrows
        // its head to reach S3's 5 MiB minimum, src/datasets/part-plan.ts).
        expect(bytes.byteLength - streamed, format).toBeGreaterThan(2 * 6 * MiB);
        copied.set(format, { sha256: sha256(bytes), length: bytes.byteLength });
      }

      harness.proxy.inject((request) => request.copySource !== null, notImplemented, 10_000);
      let refusedCopies = 0;
      for (const format of formats) {
        const { bytes, requests, streamed } = await build(format);
        expect({ sha256: sha256(bytes), length: bytes.byteLength }, format).toEqual(copied.get(format));
        // Every byte of the shard came from the Worker, each part once.
        expect(streamed, format).toBe(bytes.byteLength);
        const asked = copies(requests);
        expect(
          asked.every((request) => request.status === 501),
          format,
        ).toBe(true);
        refusedCopies += asked.length;
      }
      // Refused at once by the first build, whose parts in flight (DATASET_BUILD_CONCURRENCY, 4)
      // may each have asked; the isolate asks no more after that.
      expect(refusedCopies).toBeGreaterThanOrEqual(1);
      expect(refusedCopies).toBeLessThanOrEqual(4);
    });

    it('completes a single PUT whose copy is refused, with exact checksums, and a later PUT through its URL reaches no reader', async () => {
      const first = randomBytes(256 * 1024 + 3);
      const before = harness.proxy.seen.length;
      const copiedUpload = await openSinglePut(harness, contributor, first);
      const completedByCopy = await call(harness, 'POST', `/v1/uploads/${copiedUpload.id}/complete`, {
        token: contributor,
      });
      expect(completedByCopy.status, completedByCopy.text).toBe(200);
      expect(copies(harness.proxy.seen.slice(before)).map((request) => request.status)).toEqual([200]);

      harness.proxy.inject((request) => request.copySource !== null, notImplemented, 10_000);
      const bytes = randomBytes(3 * MiB + 11);
      const refusedFrom = harness.proxy.seen.length;
      // Headers no signature covers, which S3 stores with the staged object: the Workers runtime
      // would decode a gzip body on its own, so the staged object must be read as stored.
      const smuggled = { 'content-encoding': 'gzip', 'x-amz-meta-owner': 'attacker', 'cache-control': 'public' };
      const upload = await openSinglePut(harness, contributor, bytes, smuggled);
      const completed = await call(harness, 'POST', `/v1/uploads/${upload.id}/complete`, { token: contributor });
      expect(completed.status, completed.text).toBe(200);
      expect(completed.json.submission).toMatchObject({
        id: upload.id,
        status: 'uploaded',
        size: bytes.byteLength,
        sha256: sha256(bytes),
        crc32: crc32(bytes) >>> 0,
      });
      const requests = harness.proxy.seen.slice(refusedFrom);
      expect(copies(requests).map((request) => request.status)).toEqual([501]);
      // The staged object read once; the final object written once, whole, by the Worker.
      const row = await submissionRow(harness, upload.id);
      const finalPuts = requests.filter(
        (request) => request.method === 'PUT' && request.path.endsWith(row!.object_key),
      );
      expect(finalPuts.filter((request) => request.copySource === null).map((request) => request.requestBytes)).toEqual(
        [bytes.byteLength],
      );
      expect(
        requests.filter((request) => request.method === 'GET' && request.path.includes('/incoming/')),
      ).toHaveLength(1);
      expect(requests.filter((request) => request.method === 'GET' && request.path.endsWith(row!.object_key))).toEqual(
        [],
      );
      expect(sha256((await rawObject(harness, row!.object_key)).bytes)).toBe(sha256(bytes));
      const stored = await fetch(await presignRawObject(harness.s3, 'HEAD', row!.object_key), { method: 'HEAD' });
      expect(stored.headers.get('content-type')).toBe('audio/webm');
      for (const name of Object.keys(smuggled)) expect(stored.headers.get(name), name).toBeNull();

      // The same URL and headers again, other bytes of the same length: the reviewer still gets the verified ones.
      const other = randomBytes(bytes.byteLength);
      expect((await upload.putAgain(other)).status).toBe(200);
      const view = await call(harness, 'POST', `/v1/submissions/${upload.id}/view-url`, { token: admin });
      expect(view.status, view.text).toBe(200);
      expect(sha256(Buffer.from(await (await fetch(view.json.url)).arrayBuffer()))).toBe(sha256(bytes));

      // The isolate remembers: the next completion does not ask for a copy at all.
      const next = randomBytes(1000);
      const nextFrom = harness.proxy.seen.length;
      const nextUpload = await openSinglePut(harness, contributor, next);
      const nextCompleted = await call(harness, 'POST', `/v1/uploads/${nextUpload.id}/complete`, {
        token: contributor,
      });
      expect(nextCompleted.status, nextCompleted.text).toBe(200);
      expect(nextCompleted.json.submission.sha256).toBe(sha256(next));
      expect(copies(harness.proxy.seen.slice(nextFrom))).toEqual([]);
    });
  });
}
