import { asService, type Database } from '../db/client';
import { markDatasetReady, readReadyShards, type DatasetFormat } from '../db/dataset-builds';
import { putObject } from '../s3/objects';
import type { ObjectStore } from '../s3/store';
import { writeDatasetManifest } from './dataset-manifest';
import { indexObjectKey, manifestObjectKey, shardFileName } from './shard-names';

/**
 * The index object beside the shards, `<name>.index.json`: every shard's file name, bytes,
 * entries, ETag and first and last member (submission ids). Shards hold contiguous runs of the
 * member list in archive order, so a member's shard is the one whose range holds its position,
 * and each shard's own manifest.csv lists its members.
 */
export interface ShardIndex {
  dataset: string;
  name: string;
  /** zip, parquet or webdataset: how every shard is packaged. */
  format: DatasetFormat;
  /** The manifest beside the shards: every member with its shard (src/datasets/dataset-manifest.ts). */
  manifest: string;
  shards: {
    index: number;
    name: string;
    bytes: number;
    entries: number;
    etag: string;
    firstMember: string;
    lastMember: string;
  }[];
}

/**
 * Once every shard is ready: writes the manifest and the index and marks the dataset ready.
 * Idempotent, so a redelivered message may run it again. False when not every shard is ready (or
 * the dataset is no longer building).
 */
export async function finishDataset(
  settings: { store: ObjectStore; database: Database; processedBucket: string },
  dataset: { id: string; name: string; format: DatasetFormat; shardCount: number },
): Promise<boolean> {
  const shards = await asService(settings.database, (tx) => readReadyShards(tx, dataset.id));
  if (shards.length !== dataset.shardCount) return false;
  await writeDatasetManifest(settings, dataset);
  const index: ShardIndex = {
    dataset: dataset.id,
    name: dataset.name,
    format: dataset.format,
    manifest: manifestObjectKey(dataset.id, dataset.name).split('/').at(-1)!,
    shards: shards.map((shard) => ({
      index: shard.index,
      name: shardFileName(dataset, shard.index, dataset.shardCount),
      bytes: shard.bytes,
      entries: shard.entries,
      etag: shard.etag,
      firstMember: shard.firstMember,
      lastMember: shard.lastMember,
    })),
  };
  const body = new TextEncoder().encode(`${JSON.stringify(index, null, 1)}\n`);
  const indexEtag = await putObject(
    settings.store,
    settings.processedBucket,
    indexObjectKey(dataset.id, dataset.name),
    body,
    'application/json',
  );
  const etag = dataset.shardCount === 1 ? shards[0]!.etag : (indexEtag ?? '');
  return asService(settings.database, (tx) => markDatasetReady(tx, dataset.id, etag));
}
