import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { logViewStatement } from '../../db/access-log';
import { firstSubmission, submissionStatement } from '../../db/submissions';
import { ApiError } from '../../errors';
import { presignDownload } from '../../sign/presign';
import { clientOf } from '../client';
import { viewResponseHeaders } from '../../uploads/media-types';
import { bearerSecurity, errorResponses, idParamsSchema } from '../schemas';

export const createViewUrlRoute = createRoute({
  method: 'post',
  path: '/v1/submissions/{id}/view-url',
  summary: 'A short-lived presigned GET to view or listen to a submission',
  description: 'For validators, admins and the owner. Every call is written to the access log first.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: idParamsSchema },
  responses: {
    200: {
      description: 'View URL',
      content: { 'application/json': { schema: z.object({ url: z.url(), expiresAt: z.string() }).openapi('ViewUrl') } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

export const createViewUrlHandler: RouteHandler<typeof createViewUrlRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { config } = c.var;
  // RLS already limits contributors to their own submissions and lets staff see all, which is
  // exactly who may view.
  // The log row commits in the same round trip as the read, before the URL leaves the Worker; if
  // it fails, no URL is handed out. It is written only for a submission with an uploaded object.
  const {
    rows: [found],
  } = await asPrincipalInOneFlight(
    c,
    ['contributor', 'validator', 'admin'],
    [submissionStatement(id), logViewStatement({ action: 'submission.view', submissionId: id, ...clientOf(c) })],
  );
  const submission = firstSubmission(found);
  if (!submission) throw new ApiError('not_found', 'submission not found');
  if (submission.status === 'pending' || submission.status === 'aborted')
    throw new ApiError('conflict', 'submission has no uploaded object');
  // The link decides how the browser treats the bytes, not what is stored: only media that cannot
  // run script is shown inline; anything else downloads, so nothing renders on the bucket's origin.
  const shown = viewResponseHeaders(submission.contentType);
  const signed = await presignDownload(c.var.objectStore, {
    bucket: config.buckets.raw,
    key: submission.objectKey,
    expiresInSeconds: config.viewUrlTtlSeconds,
    responseContentType: shown.contentType,
    responseContentDisposition: shown.contentDisposition,
  });
  return c.json({ url: signed.url, expiresAt: signed.expiresAt.toISOString() }, 200);
};
