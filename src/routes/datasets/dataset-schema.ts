import { idParamsSchema } from '../schemas';
import { z } from '@hono/zod-openapi';

export const datasetSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    format: z.enum(['zip', 'parquet', 'webdataset']),
    status: z.enum(['building', 'ready', 'failed']),
    createdAt: z.string(),
    members: z.number().int().openapi({ description: 'Submissions in the dataset, frozen at creation' }),
    bytes: z.number().int().nullable().openapi({ description: 'Size of all shards together, once ready' }),
    entries: z.number().int().nullable().openapi({
      description:
        "Entries in all shards once ready: ZIP entries (each shard's manifest.csv included), tar entries (two per sample), or Parquet rows",
    }),
    etag: z
      .string()
      .nullable()
      .openapi({ description: "The archive's ETag for one shard; for several, the index object's" }),
    failureReason: z.string().nullable(),
    finishedAt: z.string().nullable(),
    grantedTo: z
      .array(z.uuid())
      .openapi({ description: 'Companies granted the dataset (admins see all, companies their own)' }),
    shardCount: z.number().int().nullable().openapi({ description: 'Shards, once the members have been cut' }),
    progress: z
      .object({
        shardsReady: z.number().int(),
        shards: z.number().int().nullable(),
        bytesReady: z.number().int().openapi({ description: 'Bytes of the shards that are ready' }),
      })
      .openapi('DatasetProgress'),
  })
  .openapi('Dataset');

export const datasetShardSchema = z
  .object({
    index: z.number().int(),
    name: z.string().openapi({ example: 'swahili-speech-v1-00000-of-00004.zip' }),
    status: z.enum(['building', 'ready', 'failed']),
    bytes: z.number().int().nullable(),
    entries: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Entries in the shard: ZIP entries with manifest.csv, tar entries, or Parquet rows' }),
  })
  .openapi('DatasetShard');

export const datasetWithShardsSchema = datasetSchema
  .extend({ shards: z.array(datasetShardSchema) })
  .openapi('DatasetWithShards');

export const datasetParamsSchema = idParamsSchema;
