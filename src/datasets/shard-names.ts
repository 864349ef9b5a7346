// Shard names follow the convention Hugging Face datasets and WebDataset read:
// `<name>-00000-of-00042.zip`, zero-padded to five digits so they sort in order. A dataset of one
// shard keeps the single archive's name, `<name>.zip`, so it is exactly what it was before shards.

/** Shards a dataset may have: what five digits can number. */
export const maximumShards = 99_999;

export function shardFileName(datasetName: string, shardIndex: number, shardCount: number): string {
  if (shardCount === 1) return `${datasetName}.zip`;
  const pad = (value: number) => String(value).padStart(5, '0');
  return `${datasetName}-${pad(shardIndex)}-of-${pad(shardCount)}.zip`;
}

export function shardObjectKey(datasetId: string, datasetName: string, shardIndex: number, shardCount: number): string {
  return `datasets/${datasetId}/${shardFileName(datasetName, shardIndex, shardCount)}`;
}

/** The index object beside the shards (src/datasets/shard-index.ts). */
export function indexObjectKey(datasetId: string, datasetName: string): string {
  return `datasets/${datasetId}/${datasetName}.index.json`;
}

/** The dataset manifest beside the shards: member → shard (src/datasets/dataset-manifest.ts). */
export function manifestObjectKey(datasetId: string, datasetName: string): string {
  return `datasets/${datasetId}/${datasetName}.manifest.csv`;
}
