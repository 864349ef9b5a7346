import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { recordDatasetDownload } from '../../db/datasets';
import { ApiError } from '../../errors';
import { presignDownload } from '../../sign/presign';
import { clientOf } from '../client';
import { bearerSecurity, errorResponses } from '../schemas';
import { datasetParamsSchema } from './dataset-schema';

const downloadUrlSchema = z
  .object({
    url: z.url().openapi({ description: 'Presigned GET of the archive in the processed bucket' }),
    expiresAt: z.string(),
    bytes: z.number().int(),
  })
  .openapi('DatasetDownloadUrl');

export const createDatasetDownloadUrlRoute = createRoute({
  method: 'post',
  path: '/v1/datasets/{id}/download-url',
  summary: "A short-lived URL to download a dataset's archive straight from object storage",
  description:
    'For admins and users of a company the dataset is granted to. The access-log row is written first; if it cannot be, no URL is returned.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: datasetParamsSchema },
  responses: {
    200: { description: 'Download URL', content: { 'application/json': { schema: downloadUrlSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

export const createDatasetDownloadUrlHandler: RouteHandler<typeof createDatasetDownloadUrlRoute, AppEnv> = async (
  c,
) => {
  const { id } = c.req.valid('param');
  const { config } = c.var;
  // The row commits with this transaction, before anything is signed; a failure is a 503 and no URL.
  const download = await asPrincipal(c, ['admin', 'company'], (tx) => recordDatasetDownload(tx, id, clientOf(c)));
  if (!download) throw new ApiError('not_found', 'dataset not found');
  // Only a ready dataset was logged (gateway.record_dataset_download); only it gets a URL.
  if (download.status !== 'ready' || download.bytes === null)
    throw new ApiError('conflict', `dataset is ${download.status}, not ready`);
  const signed = await presignDownload(c.var.objectStore, {
    bucket: config.buckets.processed,
    key: download.objectKey,
    expiresInSeconds: config.datasets.downloadUrlTtlSeconds,
    // The name is restricted to [A-Za-z0-9._-], so it needs no quoting beyond RFC 6266's quoted-string.
    responseContentDisposition: `attachment; filename="${download.name}.zip"`,
  });
  return c.json({ url: signed.url, expiresAt: signed.expiresAt.toISOString(), bytes: download.bytes }, 200);
};

export type DatasetDownloadUrlResponse = z.infer<typeof downloadUrlSchema>;
