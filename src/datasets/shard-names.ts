import { packageFormats } from '../formats/package-layout';
import type { DatasetFormat } from '../db/dataset-builds';

// Shard names follow the convention Hugging Face datasets and WebDataset read:
// `<name>-00000-of-00042.parquet`, zero-padded to five digits so they sort in order (and brace
// expansion `{00000..00041}` lists them). A dataset of one shard keeps the single file's name,
// `<name>.zip`, so it is exactly what it was before shards.

/** The dataset a shard name is built from. */
export interface NamedDataset {
  name: string;
  format: DatasetFormat;
}

/** Shards a dataset may have: what five digits can number. */
export const maximumShards = 99_999;

export function shardFileName(dataset: NamedDataset, shardIndex: number, shardCount: number): string {
  const extension = packageFormats[dataset.format].extension;
  if (shardCount === 1) return `${dataset.name}.${extension}`;
  const pad = (value: number) => String(value).padStart(5, '0');
  return `${dataset.name}-${pad(shardIndex)}-of-${pad(shardCount)}.${extension}`;
}

export function shardObjectKey(
  datasetId: string,
  dataset: NamedDataset,
  shardIndex: number,
  shardCount: number,
): string {
  return `datasets/${datasetId}/${shardFileName(dataset, shardIndex, shardCount)}`;
}

/** The index object beside the shards (src/datasets/shard-index.ts). */
export function indexObjectKey(datasetId: string, datasetName: string): string {
  return `datasets/${datasetId}/${datasetName}.index.json`;
}

/** The dataset manifest beside the shards: member → shard (src/datasets/dataset-manifest.ts). */
export function manifestObjectKey(datasetId: string, datasetName: string): string {
  return `datasets/${datasetId}/${datasetName}.manifest.csv`;
}
