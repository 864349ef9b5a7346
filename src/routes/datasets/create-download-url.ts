import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { recordDatasetDownloadStatement, toDatasetDownload } from '../../db/datasets';
import { ApiError } from '../../errors';
import { maximumShards } from '../../datasets/shard-names';
import { presignDownload } from '../../sign/presign';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses } from '../schemas';
import { datasetParamsSchema } from './dataset-schema';

/** URLs one request may hand out: each is an access-log row and a signature. */
const maximumShardsPerRequest = 100;

const downloadUrlBody = z
  .strictObject({
    shards: z
      // Indexes of a dataset's shards (at most maximumShards), which also keeps each one an int4:
      // 2147483648 would otherwise reach Postgres and fail there as a 500.
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(maximumShards - 1),
      )
      .min(1)
      .max(maximumShardsPerRequest)
      .optional()
      .openapi({ description: `Shard indexes; all shards when absent (then at most ${maximumShardsPerRequest})` }),
  })
  .openapi('DatasetDownloadUrlRequest');

const shardUrlSchema = z
  .object({
    index: z.number().int(),
    name: z.string().openapi({ example: 'swahili-speech-v1-00000-of-00004.zip' }),
    url: z.url().openapi({ description: 'Presigned GET of the shard in the processed bucket' }),
    bytes: z.number().int(),
    etag: z.string().openapi({ description: "The shard object's ETag, to verify a download" }),
  })
  .openapi('DatasetShardUrl');

const downloadUrlSchema = z
  .object({
    url: z.url().optional().openapi({ description: 'Single-shard datasets: presigned GET of the archive' }),
    bytes: z.number().int().optional().openapi({ description: 'Single-shard datasets: size of the archive' }),
    expiresAt: z.string(),
    shards: z.array(shardUrlSchema),
  })
  .openapi('DatasetDownloadUrl');

export const createDatasetDownloadUrlRoute = createRoute({
  method: 'post',
  path: '/v1/datasets/{id}/download-url',
  summary: "Short-lived URLs to download a dataset's shards straight from object storage",
  description:
    'For admins and users of a company the dataset is granted to. One access-log row per URL is written first; if they cannot be, no URL is returned.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: datasetParamsSchema,
    body: { required: false, content: { 'application/json': { schema: downloadUrlBody } } },
  },
  responses: {
    200: { description: 'Download URLs', content: { 'application/json': { schema: downloadUrlSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

export const createDatasetDownloadUrlHandler: RouteHandler<typeof createDatasetDownloadUrlRoute, AppEnv> = async (
  c,
) => {
  const { id } = c.req.valid('param');
  const requested = c.req.valid('json')?.shards;
  const { config } = c.var;
  if (requested && new Set(requested).size !== requested.length)
    throw new ApiError('invalid_request', 'shards contains duplicates');
  // The rows commit with this one-message transaction before anything is signed: if they cannot
  // be written, the call fails (503, or 500 for any other database error) and no URL is made.
  const {
    rows: [recorded],
  } = await asPrincipalInOneFlight(
    c,
    ['admin', 'company'],
    [recordDatasetDownloadStatement(id, requested, clientOf(c))],
  );
  const download = toDatasetDownload(recorded);
  if (!download) throw new ApiError('not_found', 'dataset not found');
  // Only a ready dataset was logged (gateway.record_dataset_shard_downloads); only it gets URLs.
  if (download.status !== 'ready' || download.shardCount === null)
    throw new ApiError('conflict', `dataset is ${download.status}, not ready`);
  if (download.shards.length === 0) {
    throw new ApiError(
      'invalid_request',
      requested
        ? `the dataset has shards 0 to ${download.shardCount - 1}`
        : `the dataset has ${download.shardCount} shards: ask for at most ${maximumShardsPerRequest} at a time with "shards"`,
    );
  }
  const shardCount = download.shardCount;
  const shards = await Promise.all(
    download.shards.map(async (shard) => {
      const { name } = shard;
      const signed = await presignDownload(c.var.objectStore, {
        bucket: config.buckets.processed,
        key: shard.objectKey,
        expiresInSeconds: config.datasets.downloadUrlTtlSeconds,
        // The name is restricted to [A-Za-z0-9._-], so it needs no quoting beyond RFC 6266's quoted-string.
        responseContentDisposition: `attachment; filename="${name}"`,
      });
      return {
        index: shard.index,
        name,
        url: signed.url,
        bytes: shard.bytes,
        etag: shard.etag,
        expiresAt: signed.expiresAt,
      };
    }),
  );
  const expiresAt = shards[0]!.expiresAt.toISOString();
  const listed = shards.map(({ expiresAt: _, ...shard }) => shard);
  const single = shardCount === 1 ? { url: listed[0]!.url, bytes: listed[0]!.bytes } : {};
  return c.json({ ...single, expiresAt, shards: listed }, 200);
};

export type DatasetDownloadUrlResponse = z.infer<typeof downloadUrlSchema>;
