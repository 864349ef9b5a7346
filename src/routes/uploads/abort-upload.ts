import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { findSubmission, markAborted } from '../../db/submissions';
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
  const aborted = await asPrincipal(c, ['contributor'], async (tx, principal) => {
    const own = ownSubmission(await findSubmission(tx, id), principal.userId);
    if (own.status === 'aborted') return own;
    if (own.status !== 'pending') throw new ApiError('conflict', `this upload is ${own.status}`);
    // S3 first: if it fails, the submission stays pending and the call can be repeated.
    if (own.multipart)
      await abortMultipartUpload(c.var.objectStore, c.var.config.buckets.raw, own.objectKey, own.multipart.uploadId);
    return (await markAborted(tx, id)) ?? own;
  });
  return c.json({ submission: presentSubmission(aborted) }, 200);
};
