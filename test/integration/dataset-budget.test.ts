import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutDataset } from '../../src/datasets/cut';
import { buildShard, type BuildOutcome, type BuildSettings } from '../../src/datasets/build';
import { openDatabase } from '../../src/db/client';
import type { ServerSideCopyMode } from '../../src/s3/server-side-copy';
import {
  buildSettingsFor,
  demoUsers,
  randomBytes,
  seedApprovedMembers,
  serviceDatabase,
  workerObjectStore,
} from '../support/integration-helpers';

// The per-invocation subrequest budget of a dataset build (src/datasets/part-cost.ts), which
// wrangler.toml [limits] subrequests is derived from: one invocation after another, called as
// the queue consumer calls them, against PostgreSQL and S3.
//
// Members of 11 MiB, 1000 B and 6 MiB make four parts (src/datasets/part-plan.ts), each costing
// at most (4 statements to record it; UploadPart + 4 GETs per member; UploadPartCopy + HEAD):
//                                                         copies (always)         streamed (never)
//   1 stream   manifest and the head of the first member   4 + 1 + 4 × 1    =  9   4 + 1 + 4 × 1 =  9
//   2 composed that member's tail, the small member        4 + 4 + 2 + 1 + 4 = 15  4 + 1 + 4 × 2 = 13
//   3 copy     the second large member                     4 + 2            =  6   4 + 1 + 4     =  9
//   4 stream   the central directory                       4 + 1            =  5   4 + 1         =  5
// Where copies are refused (the no-copy front), only the streamed build can run.
const modes: { mode: ServerSideCopyMode; costliest: number; lastTwo: number }[] = [
  ...(env.TEST_S3_PROFILE === 'no-copy' ? [] : [{ mode: 'always' as const, costliest: 15, lastTwo: 6 + 5 }]),
  { mode: 'never', costliest: 13, lastTwo: 9 + 5 },
];

const sql = serviceDatabase();
const database = openDatabase(env.HYPERDRIVE.connectionString);
const store = workerObjectStore();
let members: string[];

beforeAll(async () => {
  members = await seedApprovedMembers(
    sql,
    store,
    [11 * 1024 * 1024, 1000, 6 * 1024 * 1024].map((size) => randomBytes(size)),
  );
});
afterAll(async () => {
  await database.close();
  await sql.end();
});

async function newDataset(name: string): Promise<string> {
  const [row] = await sql<
    { id: string }[]
  >`insert into public.datasets (name, created_by) values (${name}, ${demoUsers.admin.userId}) returning id`;
  for (const [position, submission] of members.entries()) {
    await sql`insert into public.dataset_members (dataset_id, position, submission_id) values (${row!.id}, ${position}, ${submission})`;
  }
  // Cut as one shard, as src/datasets/cut.ts records a dataset this small.
  await sql`update public.datasets set shard_count = 1 where id = ${row!.id}`;
  await sql`
    insert into public.dataset_shards (dataset_id, shard_index, first_position, last_position, object_key)
    select id, 0, 0, ${members.length - 1}, object_key from public.datasets where id = ${row!.id}`;
  return row!.id;
}

const settings = (mode: ServerSideCopyMode, subrequestBudget: number): BuildSettings =>
  buildSettingsFor(workerObjectStore(mode), database, subrequestBudget);

describe.each(modes)(
  'the subrequest budget of a dataset build invocation (copies: $mode)',
  ({ mode, costliest, lastTwo }) => {
    it('starts no part that would pass it, so the build continues in further invocations, each within it', async () => {
      const id = await newDataset(`budgeted-${mode}`);
      const outcomes: BuildOutcome[] = [];
      for (let invocation = 0; invocation < 6 && outcomes.at(-1)?.kind !== 'ready'; invocation++)
        outcomes.push(await buildShard(id, 0, settings(mode, 15)));
      // 9, then 9 + the costliest > 15: one part; the costliest: one part; the last two: both, and
      // the archive is complete.
      expect(costliest).toBeLessThanOrEqual(15);
      expect(lastTwo).toBeLessThanOrEqual(15);
      expect(
        outcomes.map((outcome) => [outcome.kind, 'uploadedParts' in outcome ? outcome.uploadedParts : null]),
      ).toEqual([
        ['continue', 1],
        ['continue', 1],
        ['ready', 2],
      ]);
      // The last shard ready queues the dataset's message, which finishes it (src/datasets/cut.ts).
      expect(outcomes.at(-1)).toMatchObject({ lastShard: true });
      const finish = { database, store, processedBucket: env.BUCKET_PROCESSED, pageSize: 10_000 };
      expect(await cutDataset(id, { ...finish, queue: { sendBatch: async () => {} } })).toEqual({ kind: 'ready' });
      const [row] = await sql`select status, entries, failed_attempts from public.datasets where id = ${id}`;
      expect(row).toEqual({ status: 'ready', entries: 4, failed_attempts: 0 });
    });

    it('fails a build with a part no invocation can afford, before starting its upload', async () => {
      const id = await newDataset(`unaffordable-${mode}`);
      const outcome = await buildShard(id, 0, settings(mode, costliest - 1));
      const reason = `part 2 needs up to ${costliest} subrequests (4 per member it holds), more than one invocation may make: ${costliest - 1} (DATASET_BUILD_SUBREQUESTS)`;
      expect(outcome).toEqual({ kind: 'failed', reason });
      const [row] = await sql`select status, failure_reason from public.datasets where id = ${id}`;
      expect(row).toEqual({ status: 'failed', failure_reason: reason });
      const [shard] =
        await sql`select status, failure_reason, upload_id from public.dataset_shards where dataset_id = ${id}`;
      expect(shard).toEqual({ status: 'failed', failure_reason: reason, upload_id: null });
    });
  },
);
