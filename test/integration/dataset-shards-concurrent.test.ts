import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShard, type BuildSettings } from '../../src/datasets/build';
import { cutDataset, type ShardQueue } from '../../src/datasets/cut';
import { openDatabase } from '../../src/db/client';
import type { DatasetBuildMessage } from '../../src/env';
import { objectUrl } from '../../src/s3/addressing';
import {
  buildSettingsFor,
  demoTaskId,
  demoUsers,
  randomBytes,
  seedApprovedMembers,
  serviceDatabase,
  workerObjectStore,
} from '../support/integration-helpers';

// Shards built at the same time, as Queues runs consumer invocations concurrently in production
// (the local queue of the stack tests delivers one batch at a time): the cut and four shard
// builds called as the consumer calls them, against PostgreSQL and S3. Exactly one build, the
// last to finish, writes the index and marks the dataset ready.

const sql = serviceDatabase();
const database = openDatabase(env.HYPERDRIVE.connectionString);
const store = workerObjectStore();
let members: string[];

beforeAll(async () => {
  members = await seedApprovedMembers(
    sql,
    store,
    Array.from({ length: 10 }, (_, index) => randomBytes(1000 + index)),
  );
});
afterAll(async () => {
  await database.close();
  await sql.end();
});

/** The queue binding's stand-in: what the cut queues, kept to be run by the test. */
function collectingQueue(sent: DatasetBuildMessage[]): ShardQueue {
  return {
    sendBatch: async (messages: { body: DatasetBuildMessage }[]) => {
      for (const message of messages) sent.push(message.body);
    },
  };
}

const settings: BuildSettings = buildSettingsFor(store, database);

describe('shards built concurrently', () => {
  it('cuts 10 members into shards of 3, 3, 3 and 1, builds them all at once, and marks the dataset ready once', async () => {
    const [row] = await sql<{ id: string }[]>`
      insert into public.datasets (name, created_by, shard_max_members) values ('concurrent', ${demoUsers.admin.userId}, 3) returning id`;
    const id = row!.id;
    for (const [position, submission] of members.entries())
      await sql`insert into public.dataset_members (dataset_id, position, submission_id) values (${id}, ${position}, ${submission})`;

    const sent: DatasetBuildMessage[] = [];
    const queue = collectingQueue(sent);
    // Keyset pages of 4 members: three pages, never the whole list at once.
    const cutSettings = { database, store, processedBucket: env.BUCKET_PROCESSED, pageSize: 4 };
    expect(await cutDataset(id, { ...cutSettings, queue })).toEqual({ kind: 'cut', shards: 4, pages: 3 });
    expect(sent).toEqual([0, 1, 2, 3].map((shard) => ({ datasetId: id, shard })));
    // A second delivery of the same message cuts nothing again; it queues the shards still building.
    expect(await cutDataset(id, { ...cutSettings, queue: collectingQueue([]) })).toEqual({
      kind: 'requeued',
      shards: 4,
    });
    const ranges = await sql`
      select shard_index, first_position, last_position, object_key from public.dataset_shards where dataset_id = ${id} order by shard_index`;
    expect(ranges).toEqual(
      [
        [0, 2],
        [3, 5],
        [6, 8],
        [9, 9],
      ].map(([first, last], shard) => ({
        shard_index: shard,
        first_position: first,
        last_position: last,
        object_key: `datasets/${id}/concurrent-0000${shard}-of-00004.zip`,
      })),
    );

    const outcomes = await Promise.all(sent.map((message) => buildShard(id, message.shard!, settings)));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['ready', 'ready', 'ready', 'ready']);
    // Exactly one build saw every shard ready; it queues the dataset's message, which finishes it.
    expect(outcomes.filter((outcome) => outcome.kind === 'ready' && outcome.lastShard)).toHaveLength(1);
    expect(await sql`select status from public.datasets where id = ${id}`).toEqual([{ status: 'building' }]);
    expect(await cutDataset(id, { ...cutSettings, queue: collectingQueue([]) })).toEqual({ kind: 'ready' });
    const [dataset] = await sql`select status, entries, bytes, shard_count from public.datasets where id = ${id}`;
    const [sums] = await sql`
      select sum(bytes)::bigint as bytes, sum(entries)::int as entries from public.dataset_shards where dataset_id = ${id}`;
    expect(dataset).toEqual({ status: 'ready', entries: 14, bytes: sums!.bytes, shard_count: 4 });
    expect(sums!.entries).toBe(14);

    const requests = (await (await fetch(env.TEST_S3_REQUEST_LOG)).json()) as { method: string; url: string }[];
    const shardPuts = requests
      .map((request) => new URL(request.url, 'http://s3'))
      .filter((url) => url.pathname.startsWith(`/${env.BUCKET_PROCESSED}/datasets/${id}/`))
      .map((url) => url.pathname.split('/').at(-1));
    // All four uploads began before any completed: the builds ran at the same time.
    const firstIndexWrite = shardPuts.indexOf('concurrent.index.json');
    expect(firstIndexWrite).toBe(shardPuts.length - 1);
    const starts = [0, 1, 2, 3].map((shard) => shardPuts.indexOf(`concurrent-0000${shard}-of-00004.zip`));
    const ends = [0, 1, 2, 3].map((shard) => shardPuts.lastIndexOf(`concurrent-0000${shard}-of-00004.zip`));
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));

    // The manifest beside the shards: every member, in archive order, with its shard and name there.
    const manifest = await store.client.fetch(
      objectUrl(store.settings, env.BUCKET_PROCESSED, `datasets/${id}/concurrent.manifest.csv`),
    );
    expect(manifest.status).toBe(200);
    expect((await manifest.text()).split('\r\n')).toEqual([
      '"id","shard","member"',
      ...members.map(
        (member, position) =>
          `"${member}","concurrent-0000${Math.floor(position / 3)}-of-00004.zip","${demoTaskId}/${member}.bin"`,
      ),
      '',
    ]);
  });
});
