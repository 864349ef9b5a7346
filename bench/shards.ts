// `npm run bench:shards`: cuts datasets of 10,000, 100,000 and 1,000,000 members into shards, as
// the build job's first invocation does (src/datasets/cut.ts), and plans the largest shard, as a
// shard build invocation does (src/datasets/build.ts), against a private PostgreSQL. The member
// rows are generated in PostgreSQL; no object is needed, since neither step reads one. For each
// size it prints, per invocation: the time, the heap it grew (peak heapUsed over a baseline taken
// after a full GC) and the subrequests it made (database statements counted, as src/limits.ts
// counts them, and queue sends). Target: at most 64 MB of heap per invocation.
// BENCH_SHARD_SIZES=10000,100000 chooses the sizes.
import { randomUUID } from 'node:crypto';
import { layOutPackage } from '../src/formats/package-layout';
import { cutDataset, cutPageSize, type ShardQueue } from '../src/datasets/cut';
import { partSubrequests } from '../src/datasets/part-cost';
import { planUploadParts } from '../src/datasets/part-plan';
import { asService, openDatabase } from '../src/db/client';
import { createObjectStore } from '../src/s3/store';
import { readShardBuild } from '../src/db/dataset-builds';
import { demoTaskId, demoUsers } from '../scripts/lib/jwt';
import { migrate } from '../scripts/lib/database';
import { startPostgres } from '../scripts/lib/postgres';

const sizes = (process.env.BENCH_SHARD_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const heapTargetMB = 64;
const formats = ['zip', 'parquet', 'webdataset'] as const;
const formatRows: string[] = [];
// DATASET_BUILD_SUBREQUESTS' default (src/env.ts).
const subrequestBudget = 20_000;
// Statements of one asService transaction besides those made through it (src/db/client.ts): begin and commit.
const statementsPerTransaction = 2;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:shards does)');
const log = (line: string) => process.stderr.write(`${line}\n`);
// The cut reads no object (only finishing a dataset writes some): an S3 nobody listens on.
const unusedStore = createObjectStore({
  endpoint: 'http://127.0.0.1:9',
  region: 'unused',
  accessKeyId: 'unused',
  secretAccessKey: 'unused',
  forcePathStyle: true,
});

/** Runs `work` and returns its result, wall time and the peak heap it grew, sampled every millisecond. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; heapMB: number }> {
  gc!();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { result, ms: performance.now() - started, heapMB: (peak - baseline) / 1e6 };
  } finally {
    clearInterval(sampler);
  }
}

async function main() {
  const postgresServer = await startPostgres();
  try {
    await migrate(postgresServer.url);
    const admin = postgresServer.url;
    const database = openDatabase(admin);
    // Statements counted at the driver: every query postgres.js sends through this client.
    let statements = 0;
    const countingDatabase = {
      ...database,
      sql: new Proxy(database.sql, {
        apply(target, self, args) {
          statements++;
          return Reflect.apply(target, self, args);
        },
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'begin') return value;
          return (work: (tx: unknown) => unknown) =>
            target.begin((tx) => {
              statements += statementsPerTransaction;
              return work(
                new Proxy(tx, {
                  apply(inner, innerSelf, args) {
                    statements++;
                    return Reflect.apply(inner, innerSelf, args);
                  },
                }),
              );
            });
        },
      }),
    };
    const rows: string[] = [];
    for (const members of sizes) {
      const datasetId = randomUUID();
      const seedStarted = performance.now();
      // Members of 1 KiB to 1 MiB, so shards are cut by count (10,000) before bytes (4 GiB).
      await database.sql.unsafe(`
        insert into public.submissions (id, task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256, uploaded_at)
        select ('00000000-0000-4000-8000-' || lpad(to_hex(${rows.length}::bigint * 16777216 + n), 12, '0'))::uuid,
          '${demoTaskId}', '${demoUsers.contributor.userId}', 'approved', 'audio/webm', 1024 + (n::bigint * 7919) % 1048576,
          1024 + (n::bigint * 7919) % 1048576, n, repeat('a', 64), '2026-11-01T12:00:00Z'
        from generate_series(1, ${members}) as n`);
      await database.sql`insert into public.datasets (id, name, created_by) values (${datasetId}, ${`bench-${members}`}, ${demoUsers.admin.userId})`;
      await database.sql.unsafe(`
        insert into public.dataset_members (dataset_id, position, submission_id)
        select '${datasetId}', n - 1, ('00000000-0000-4000-8000-' || lpad(to_hex(${rows.length}::bigint * 16777216 + n), 12, '0'))::uuid
        from generate_series(1, ${members}) as n`);
      log(`${members} members generated in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

      let sends = 0;
      const queue: ShardQueue = {
        sendBatch: async () => {
          sends++;
        },
      };
      statements = 0;
      const cut = await measured(() =>
        cutDataset(datasetId, {
          database: countingDatabase as typeof database,
          store: unusedStore,
          processedBucket: 'unused',
          queue,
          pageSize: cutPageSize,
        }),
      );
      if (cut.result.kind !== 'cut') throw new Error(`cut: ${JSON.stringify(cut.result)}`);
      const cutSubrequests = statements + sends;

      statements = 0;
      const plan = await measured(async () => {
        const build = await asService(countingDatabase as typeof database, (tx) => readShardBuild(tx, datasetId, 0));
        const layout = layOutPackage(build!.members, build!.format);
        const parts = planUploadParts(layout.container).parts;
        // Invocations the shard's parts take at the default budget (src/datasets/build.ts uploadParts).
        let invocations = 1;
        let spent = 0;
        let largest = 0;
        for (const part of parts) {
          const cost = partSubrequests(layout.container, part);
          if (spent > 0 && spent + cost > subrequestBudget) {
            invocations++;
            largest = Math.max(largest, spent);
            spent = 0;
          }
          spent += cost;
        }
        largest = Math.max(largest, spent);
        return { members: build!.members.length, parts: parts.length, invocations, largest };
      });
      // The same shard's members planned in each format, from the rows already read.
      const build = await asService(database, (tx) => readShardBuild(tx, datasetId, 0));
      for (const format of formats) {
        const planned = await measured(async () => {
          const layout = layOutPackage(build!.members, format);
          return { bytes: layout.container.totalLength, parts: planUploadParts(layout.container).parts.length };
        });
        formatRows.push(
          `| ${members.toLocaleString('en')} | ${format} | ${build!.members.length.toLocaleString('en')} | ${(planned.ms / 1000).toFixed(2)} s | ${planned.heapMB.toFixed(1)} MB | ${planned.result.parts} |`,
        );
        log(formatRows.at(-1)!);
      }
      rows.push(
        `| ${members.toLocaleString('en')} | ${cut.result.shards} | ${(cut.ms / 1000).toFixed(2)} s, ${cut.heapMB.toFixed(1)} MB, ${cutSubrequests} | ${plan.result.members.toLocaleString('en')} members, ${plan.result.parts} parts: ${(plan.ms / 1000).toFixed(2)} s, ${plan.heapMB.toFixed(1)} MB, ${statements} statements | ${plan.result.invocations} × ≤ ${plan.result.largest.toLocaleString('en')} |`,
      );
      if (cut.heapMB > heapTargetMB || plan.heapMB > heapTargetMB) log(`over ${heapTargetMB} MB: ${rows.at(-1)}`);
      log(rows.at(-1)!);
    }
    await database.close();
    console.log(`node ${process.version}, PostgreSQL (${postgresServer.kind}), keyset pages of ${cutPageSize} members`);
    console.log(
      '| members | shards | cut invocation: time, heap, subrequests | shard 0 build invocation: read + plan time, heap | shard 0 upload: invocations × part subrequests |',
    );
    console.log('|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log('\nshard 0 laid out and cut into parts in each format (members already read):');
    console.log('| members | format | shard members | plan time | plan heap | parts |');
    console.log('|---|---|---|---|---|---|');
    for (const row of formatRows) console.log(row);
  } finally {
    await postgresServer.stop();
  }
}

await main();
