import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import { layOutPackage } from '../../formats/package-layout';
import type { AppEnv } from '../../context';
import { createdBundleContentsStatement, recordBundleStatement, toCreatedBundle } from '../../db/bundles';
import { ApiError } from '../../errors';
import { clientOf } from '../client';
import { bearerSecurity, bundleFormatSchema, errorResponses } from '../schemas';

const createBundleBody = z
  .strictObject({
    submissionIds: z.array(z.uuid()).min(1).openapi({ description: 'Approved submissions, in archive order' }),
    format: bundleFormatSchema.optional(),
  })
  .openapi('CreateBundleRequest');

const createBundleResponse = z
  .object({
    id: z.uuid(),
    url: z.url().openapi({ description: 'Download link on this gateway; carries its own signed, expiring token' }),
    expiresAt: z.string(),
    format: bundleFormatSchema,
    bytes: z.number().int().openapi({ description: 'Exact size of the archive' }),
    entries: z.number().int().openapi({ description: 'Entries in the archive, manifest.csv included' }),
  })
  .openapi('Bundle');

export const createBundleRoute = createRoute({
  method: 'post',
  path: '/v1/bundles',
  summary: 'Record a bundle of approved submissions and get its download link',
  description:
    'Admins may bundle any approved submission; company users the submissions of datasets granted to their company. Every bundle is written to the access log before the link is returned.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createBundleBody } } } },
  responses: {
    201: { description: 'The bundle', content: { 'application/json': { schema: createBundleResponse } } },
    ...errorResponses(400, 401, 403, 413, 415, 503),
  },
});

export const createBundleHandler: RouteHandler<typeof createBundleRoute, AppEnv> = async (c) => {
  const { submissionIds, format = 'zip' } = c.req.valid('json');
  const { bundles } = c.var.config;
  if (submissionIds.length > bundles.memberLimit)
    throw new ApiError('invalid_request', `a bundle holds at most ${bundles.memberLimit} submissions`);
  if (new Set(submissionIds).size !== submissionIds.length)
    throw new ApiError('invalid_request', 'submissionIds contains duplicates');

  // The bundle and its members as recorded, in one round trip.
  const {
    rows: [recorded, members],
  } = await asPrincipalInOneFlight(
    c,
    ['admin', 'company'],
    [recordBundleStatement(submissionIds, clientOf(c)), createdBundleContentsStatement],
  );
  const contents = toCreatedBundle(recorded, members);
  if (!contents)
    throw new ApiError('invalid_request', 'every submission must exist, be approved, and be yours to bundle');
  const layout = layOutPackage(contents.bundle.members, format);
  const expiresAt = new Date(Date.now() + bundles.linkTtlSeconds * 1000);
  const token = await c.var.isolate.bundleLinks.sign(contents.bundleId, expiresAt);
  const url = new URL(`/v1/bundles/${contents.bundleId}/download`, c.req.url);
  url.searchParams.set('token', token);
  if (format !== 'zip') url.searchParams.set('format', format);
  return c.json(
    {
      id: contents.bundleId,
      url: url.toString(),
      expiresAt: expiresAt.toISOString(),
      format,
      bytes: layout.container.totalLength,
      entries: layout.entries,
    },
    201,
  );
};

export type CreateBundleRequest = z.input<typeof createBundleBody>;
export type CreateBundleResponse = z.infer<typeof createBundleResponse>;
