import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { run, type Harness } from '../support/harness';
import { tsx } from '../support/tsx';

const MiB = 1024 * 1024;

/** What the shard suite has built and downloaded by the time the CLI runs. */
export interface BuiltShards {
  harness: Harness;
  admin: string;
  datasetId: string;
  dataset: any;
  names: string[];
  /** Holds each shard as downloaded with its URL, under its name. */
  workDir: string;
  shardPath: (id: string, file: string) => string;
}

/**
 * `storage-manager dataset --out DIR`: every shard into the directory two at a time, one transfer
 * cut and resumed, one URL and one access-log row per shard; a second run fetches nothing; a bad
 * --connections is a usage error.
 */
export async function downloadShardsWithCli({
  harness,
  admin,
  datasetId,
  dataset,
  names,
  workDir,
  shardPath,
}: BuiltShards) {
  const built = await run(process.execPath, [tsx, new URL('../../scripts/build-sdk.ts', import.meta.url).pathname]);
  expect(built.status, built.stderr).toBe(0);
  const cutShard = shardPath(datasetId, names[1]!);
  harness.proxy.inject((request) => request.method === 'GET' && request.path === cutShard, {
    kind: 'drop',
    afterBytes: 2 * MiB,
  });
  const logFrom = harness.proxy.seen.length;
  const rowsBefore =
    await harness.sql`select count(*)::int as count from public.access_log where dataset_id = ${datasetId}`;
  const out = join(workDir, 'cli-shards');
  const cli = new URL('../../dist/cli.mjs', import.meta.url).pathname;
  const result = await run(process.execPath, [
    cli,
    'dataset',
    '--api',
    harness.api,
    '--token',
    admin,
    '--connections',
    '2',
    '--progress',
    '--out',
    out,
    datasetId,
  ]);
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).toContain('resuming');
  // One progress line for all shards, with rate and ETA (sdk/cli/progress-format.ts).
  expect(result.stderr).toMatch(new RegExp(`${out} .*100%`));
  const printed = JSON.parse(result.stdout);
  expect(printed).toMatchObject({ id: datasetId, bytes: dataset.bytes, out });
  expect(printed.shards.map((shard: any) => [shard.index, shard.name, shard.bytes])).toEqual(
    dataset.shards.map((shard: any) => [shard.index, shard.name, shard.bytes]),
  );
  for (const name of names)
    expect(Buffer.compare(readFileSync(join(out, name)), readFileSync(join(workDir, name))), name).toBe(0);
  const gets = harness.proxy.seen
    .slice(logFrom)
    .filter((request) => request.method === 'GET' && request.path === cutShard);
  expect(gets).toHaveLength(2);
  expect(Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1])).toBeGreaterThan(0);
  const rowsAfter =
    await harness.sql`select count(*)::int as count from public.access_log where dataset_id = ${datasetId}`;
  expect(rowsAfter[0]!.count - rowsBefore[0]!.count).toBe(names.length);

  // A second run finds every shard complete: no URL asked for, nothing downloaded.
  const secondFrom = harness.proxy.seen.length;
  const again = await run(process.execPath, [
    cli,
    'dataset',
    '--api',
    harness.api,
    '--token',
    admin,
    '--out',
    out,
    datasetId,
  ]);
  expect(again.status, again.stderr).toBe(0);
  expect(JSON.parse(again.stdout)).toEqual(printed);
  expect(harness.proxy.seen.slice(secondFrom).filter((request) => request.method === 'GET')).toEqual([]);
  const rowsAgain =
    await harness.sql`select count(*)::int as count from public.access_log where dataset_id = ${datasetId}`;
  expect(rowsAgain[0]!.count).toBe(rowsAfter[0]!.count);
  const refused = await run(process.execPath, [
    cli,
    'dataset',
    '--api',
    harness.api,
    '--token',
    admin,
    '--connections',
    '0',
    '--out',
    out,
    datasetId,
  ]);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain('--connections');
}
