import { asService, type Database } from '../db/client';
import type { ObjectStore } from '../s3/store';
import { buildingShards, markCutFailed, readCutInput, readMemberSizes, recordShards } from '../db/dataset-shards';
import type { DatasetBuildMessage } from '../env';
import { manifestPageSize } from './dataset-manifest';
import { ShardCutter } from './shard-cut';
import { shardObjectKey } from './shard-names';
import { finishDataset } from './shard-index';
import { maximumShards } from './shard-names';

/** What the cut needs of the queue binding: a Queue<DatasetBuildMessage> is one. */
export interface ShardQueue {
  sendBatch(messages: { body: DatasetBuildMessage }[]): Promise<unknown>;
}

export interface CutSettings {
  database: Database;
  store: ObjectStore;
  processedBucket: string;
  queue: ShardQueue;
  /** Members read per keyset page; each page is one transaction. */
  pageSize: number;
}

export type CutOutcome =
  | { kind: 'cut'; shards: number; pages: number }
  /** Already cut: its building shards were queued again. */
  | { kind: 'requeued'; shards: number }
  /** Every shard was ready: the manifest and index are written and the dataset is ready. */
  | { kind: 'ready' }
  | { kind: 'failed'; reason: string }
  | { kind: 'missing' }
  | { kind: 'skipped' };

/**
 * Members per keyset page when cutting a dataset into shards: ~50 bytes each as read, so a page
 * is well under a megabyte.
 */
export const cutPageSize = 10_000;

// Queues: one sendBatch carries at most 100 messages.
const sendBatchSize = 100;

const statementsPerTransaction = 4;
// A manifest row: quoted id (38), shard name (≤ 121), member name (≤ 82), commas and CRLF.
const manifestRowBytes = 256;

/**
 * The most subrequests a dataset message makes for `members` in `shards` (src/limits.ts): the
 * cut (keyset pages, recording, one sendBatch per 100 shards), or re-queuing the building shards,
 * or finishing (manifest pages and 5 MiB parts, create, complete, abort, the index, marking ready).
 */
export function datasetMessageSubrequests(members: number, shards: number): number {
  const cut = (Math.ceil(members / cutPageSize) + 3) * statementsPerTransaction + Math.ceil(shards / sendBatchSize);
  const manifestParts = Math.ceil((members * manifestRowBytes) / (5 * 1024 ** 2)) + 1;
  const finish = (Math.ceil(members / manifestPageSize) + 5) * statementsPerTransaction + manifestParts + 3 + 1;
  return Math.max(cut, finish);
}

/**
 * A dataset's own message (no shard). The first cuts its member list into shards
 * (src/datasets/shard-cut.ts), reading it in keyset pages, then records the shards and queues one
 * message per shard in one transaction: if queuing fails nothing is recorded and the message is
 * retried. A later one (the sweep's re-queue, a retry) queues the shards still building; the one
 * the last shard queues when it is ready finds none building and finishes the dataset.
 */
export async function cutDataset(datasetId: string, settings: CutSettings): Promise<CutOutcome> {
  const input = await asService(settings.database, (tx) => readCutInput(tx, datasetId));
  if (!input) return { kind: 'missing' };
  if (input.status !== 'building') return { kind: 'skipped' };
  if (input.shardCount !== null) {
    const building = await asService(settings.database, (tx) => buildingShards(tx, datasetId));
    if (building.length === 0) {
      const finished = await finishDataset(settings, {
        id: datasetId,
        name: input.name,
        format: input.format,
        shardCount: input.shardCount,
      });
      return finished ? { kind: 'ready' } : { kind: 'skipped' };
    }
    await queueShards(settings.queue, datasetId, building);
    return { kind: 'requeued', shards: building.length };
  }
  const cutter = new ShardCutter({ maxMembers: input.maxMembers, maxBytes: input.maxBytes, format: input.format });
  let pages = 0;
  for (let after = -1; ; ) {
    const page = await asService(settings.database, (tx) => readMemberSizes(tx, datasetId, after, settings.pageSize));
    pages++;
    for (const member of page) cutter.add(member);
    if (page.length < settings.pageSize) break;
    after = page[page.length - 1]!.position;
  }
  const shards = cutter.finish();
  if (shards.length === 0 || shards.length > maximumShards) {
    const reason =
      shards.length === 0
        ? 'the dataset has no members'
        : `the dataset needs ${shards.length} shards, at most ${maximumShards} can be named; raise shardMaxMembers or shardMaxBytes`;
    await asService(settings.database, (tx) => markCutFailed(tx, datasetId, reason));
    return { kind: 'failed', reason };
  }
  const recorded = await asService(settings.database, async (tx) => {
    const named = shards.map((shard) => ({
      ...shard,
      objectKey: shardObjectKey(datasetId, input, shard.index, shards.length),
    }));
    if (!(await recordShards(tx, input, named))) return false;
    await queueShards(
      settings.queue,
      datasetId,
      shards.map((shard) => shard.index),
    );
    return true;
  });
  return recorded ? { kind: 'cut', shards: shards.length, pages } : { kind: 'skipped' };
}

async function queueShards(queue: ShardQueue, datasetId: string, shards: readonly number[]) {
  for (let start = 0; start < shards.length; start += sendBatchSize)
    await queue.sendBatch(shards.slice(start, start + sendBatchSize).map((shard) => ({ body: { datasetId, shard } })));
}
