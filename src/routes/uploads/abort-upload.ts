import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import {
  firstSubmission,
  markAbortedStatement,
  markSingleUploadAbortedStatement,
  submissionStatement,
} from '../../db/submissions';
import { ApiError } from '../../errors';
import { abortMultipartUpload } from '../../s3/multipart';
import { bearerSecurity, errorResponses, idParamsSchema, presentSubmission, submissionSchema } from '../schemas';
import { ownSubmission } from '../../uploads/ownership';

export const abortUploadRoute = createRoute({
  method: 'delete',
  path: '/v1/uploads/{id}',
  summary: 'Abort a pending upload (AbortMultipartUpload for multipart ones)',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: idParamsSchema },
  responses: {
    200: {
      description: 'The aborted submission',
      content: { 'application/json': { schema: z.object({ submission: submissionSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 502, 503, 504),
  },
});

export const abortUploadHandler: RouteHandler<typeof abortUploadRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  // A single PUT is aborted in the same round trip as it is read; a multipart upload is left
  // untouched by that round trip and aborted in a second one after S3's.
  const {
    principal,
    rows: [before, abortedSingle],
  } = await asPrincipalInOneFlight(c, ['contributor'], [submissionStatement(id), markSingleUploadAbortedStatement(id)]);
  const own = ownSubmission(firstSubmission(before), principal.userId);
  const aborted = await (async () => {
    if (own.status === 'aborted') return own;
    if (own.status !== 'pending') throw new ApiError('conflict', `this upload is ${own.status}`);
    if (!own.multipart) return firstSubmission(abortedSingle) ?? own;
    // S3 first: if it fails, the submission stays pending and the call can be repeated.
    await abortMultipartUpload(c.var.objectStore, c.var.config.buckets.raw, own.objectKey, own.multipart.uploadId);
    const {
      rows: [marked],
    } = await asPrincipalInOneFlight(c, ['contributor'], [markAbortedStatement(id)]);
    return firstSubmission(marked) ?? own;
  })();
  return c.json({ submission: presentSubmission(aborted) }, 200);
};
