import { createScheduledController, env } from 'cloudflare:test';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import worker from '../../src/worker';
import { objectUrl } from '../../src/s3/addressing';
import { createMultipartUpload, listParts } from '../../src/s3/multipart';
import { ObjectStoreError } from '../../src/s3/send';
import { demoTaskId, demoUsers, randomBytes, serviceDatabase, workerObjectStore } from '../support/integration-helpers';

// The Cron Trigger's sweep of dataset builds nobody works on, through the Worker's exported
// `scheduled` handler, against PostgreSQL and S3. Fixtures are written straight to the database,
// as a build whose queue message was lost would leave them: no message is ever sent for them,
// so only the sweep can move them. The defaults apply: stalled after 30 minutes, 3 re-queues.

const sql = serviceDatabase();
afterAll(() => sql.end());
const store = workerObjectStore();

/** One run of the Cron Trigger, as the runtime calls it (the handler awaits all its work). */
async function runCron() {
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }), env);
}

/** Approved submissions of the given sizes; with `store`, their objects are written to the raw bucket. */
async function approvedSubmissions(sizes: number[], options: { store: boolean }) {
  const ids: string[] = [];
  for (const size of sizes) {
    const body = options.store ? randomBytes(size) : new Uint8Array(0);
    const [row] = await sql<{ id: string; object_key: string }[]>`
      insert into public.submissions (task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256, uploaded_at)
      values (${demoTaskId}, ${demoUsers.contributor.userId}, 'approved', 'application/octet-stream', ${size}, ${size},
              ${options.store ? crc32(body) : 1}, ${'a'.repeat(64)}, '2026-11-01T12:00:00Z')
      returning id, object_key`;
    if (options.store) {
      const put = await store.client.fetch(objectUrl(store.settings, env.BUCKET_RAW, row!.object_key), {
        method: 'PUT',
        body,
      });
      expect(put.status).toBe(200);
    }
    ids.push(row!.id);
  }
  return ids;
}

/** A building dataset of these members whose last progress was `minutesAgo` ago. */
async function stalledDataset(name: string, members: string[], fields: { minutesAgo: number; requeues?: number }) {
  const [row] = await sql<{ id: string; object_key: string }[]>`
    insert into public.datasets (name, created_by, progressed_at, build_requeues)
    values (${name}, ${demoUsers.admin.userId}, now() - make_interval(mins => ${fields.minutesAgo}), ${fields.requeues ?? 0})
    returning id, object_key`;
  for (const [position, submission] of members.entries()) {
    await sql`insert into public.dataset_members (dataset_id, position, submission_id) values (${row!.id}, ${position}, ${submission})`;
  }
  return { id: row!.id, objectKey: row!.object_key };
}

const stateOf = async (id: string) =>
  (
    await sql<
      {
        status: string;
        build_requeues: number;
        stalled_minutes: number;
        failure_reason: string | null;
        entries: number | null;
      }[]
    >`
    select status, build_requeues, floor(extract(epoch from now() - progressed_at) / 60)::int as stalled_minutes, failure_reason, entries
    from public.datasets where id = ${id}`
  )[0];

describe('the dataset build sweep (Cron Trigger)', () => {
  it('re-queues a build stalled past the bound, which then completes; leaves moving and finished builds alone', async () => {
    const stalled = await stalledDataset(
      'lost-message',
      await approvedSubmissions([1000, 70_000, 5], { store: true }),
      { minutesAgo: 31 },
    );
    const moving = await stalledDataset('still-moving', await approvedSubmissions([10], { store: false }), {
      minutesAgo: 20,
    });
    const finished = await stalledDataset('finished', await approvedSubmissions([10], { store: false }), {
      minutesAgo: 600,
    });
    await sql`update public.datasets set status = 'ready', bytes = 100, entries = 2, etag = '"x"' where id = ${finished.id}`;

    await runCron();
    expect(await stateOf(stalled.id)).toMatchObject({ build_requeues: 1, stalled_minutes: 0 });
    expect(await stateOf(moving.id)).toMatchObject({ status: 'building', build_requeues: 0, stalled_minutes: 20 });
    expect(await stateOf(finished.id)).toMatchObject({ status: 'ready', build_requeues: 0, stalled_minutes: 600 });

    // The queued message reaches the consumer, which builds from scratch and records progress as
    // it goes, clearing the re-queue count.
    let state = await stateOf(stalled.id);
    for (
      const started = Date.now();
      state?.status === 'building' && Date.now() - started < 20_000;
      state = await stateOf(stalled.id)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toEqual({ status: 'ready', build_requeues: 0, stalled_minutes: 0, failure_reason: null, entries: 4 });

    // A second run finds nothing more to do.
    await runCron();
    expect(await stateOf(moving.id)).toMatchObject({ status: 'building', build_requeues: 0 });
  });

  it('fails a build still stalled after its re-queues, drops its parts, aborts its upload and deletes its composed parts', async () => {
    // 11 MiB, 1000 B, 6 MiB: the second large member follows too few bytes for a part of their
    // own, so the plan has a composed part (src/datasets/part-plan.ts) whose temporary object the
    // sweep deletes. Only the plan is needed: no object is read.
    const members = await approvedSubmissions([11 * 1024 * 1024, 1000, 6 * 1024 * 1024], { store: false });
    const dataset = await stalledDataset('given-up', members, { minutesAgo: 31, requeues: 3 });
    const uploadId = await createMultipartUpload(store, env.BUCKET_PROCESSED, dataset.objectKey, 'application/zip');
    // Cut as one shard whose upload has begun (src/datasets/cut.ts, build.ts).
    await sql`update public.datasets set shard_count = 1 where id = ${dataset.id}`;
    await sql`
      insert into public.dataset_shards (dataset_id, shard_index, first_position, last_position, object_key, upload_id)
      values (${dataset.id}, 0, 0, ${members.length - 1}, ${dataset.objectKey}, ${uploadId})`;
    await sql`insert into public.dataset_build_parts (dataset_id, part_number, etag, size) values (${dataset.id}, 1, '"e1"', 5242880)`;
    const logFrom = ((await (await fetch(env.TEST_S3_REQUEST_LOG)).json()) as unknown[]).length;

    await runCron();
    expect(await stateOf(dataset.id)).toMatchObject({
      status: 'failed',
      build_requeues: 3,
      failure_reason: 'the build stalled: nothing recorded for 30 minutes, even after 3 re-queues',
    });
    expect(await sql`select part_number from public.dataset_build_parts where dataset_id = ${dataset.id}`).toEqual([]);
    expect(
      await sql`select status, failure_reason from public.dataset_shards where dataset_id = ${dataset.id}`,
    ).toEqual([
      {
        status: 'failed',
        failure_reason: 'the build stalled: nothing recorded for 30 minutes, even after 3 re-queues',
      },
    ]);
    const requests = ((await (await fetch(env.TEST_S3_REQUEST_LOG)).json()) as { method: string; url: string }[]).slice(
      logFrom,
    );
    // AbortMultipartUpload, then the composed part (part 2 of stream, composed, copy, stream).
    const deletes = requests
      .filter((request) => request.method === 'DELETE')
      .map((request) => new URL(request.url, 'http://s3'));
    const path = `/${env.BUCKET_PROCESSED}/${dataset.objectKey}`;
    expect(deletes.map((url) => [url.pathname, url.searchParams.get('uploadId')])).toEqual([
      [path, uploadId],
      [`${path}.parts/2`, null],
    ]);
    if (env.TEST_S3_KIND === 'rgw') {
      // S3 API: ListParts answers NoSuchUpload for an aborted upload (s3rver implements neither).
      const error = await listParts(store, env.BUCKET_PROCESSED, dataset.objectKey, uploadId).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ObjectStoreError);
      expect((error as ObjectStoreError).kind).toBe('not_found');
    }
  });
});
