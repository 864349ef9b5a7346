import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { findSubmission, markUploaded, type Submission } from '../../db/submissions';
import { ApiError } from '../../errors';
import { checksumStream } from '../../sign/checksum';
import { fetchObject, headObject, ObjectStoreError } from '../../sign/objects';
import { bearerSecurity, errorResponses, idParamsSchema, presentSubmission, submissionSchema } from '../schemas';
import { mediaTypeEssence } from './content-type';

export const completeUpload = createRoute({
  method: 'post',
  path: '/v1/uploads/{id}/complete',
  summary: 'Verify the uploaded object and mark the submission uploaded',
  description: 'Idempotent: completing an already completed submission returns it unchanged.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: idParamsSchema },
  responses: {
    200: { description: 'Completed submission', content: { 'application/json': { schema: z.object({ submission: submissionSchema }) } } },
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const completedStatuses = new Set<Submission['status']>(['uploaded', 'approved', 'rejected']);

function ownPendingOrDone(submission: Submission | null, userId: string): Submission {
  // Someone else's submission answers like a missing one, so ids cannot be probed.
  if (!submission || submission.contributorId !== userId) throw new ApiError('not_found', 'submission not found');
  if (submission.status === 'aborted') throw new ApiError('conflict', 'upload was aborted');
  return submission;
}

/**
 * Two short transactions around the object check rather than one long one: reading a 5 GiB
 * object takes seconds, and a transaction held that long would pin a pooled connection. The
 * second transaction's update re-checks `pending`, so a concurrent completion cannot apply twice.
 */
export const completeUploadHandler: RouteHandler<typeof completeUpload, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { config } = c.var;
  const submission = await asPrincipal(c, ['contributor'], async (tx, principal) =>
    ownPendingOrDone(await findSubmission(tx, id), principal.userId),
  );
  if (completedStatuses.has(submission.status)) return c.json({ submission: presentSubmission(submission) }, 200);

  const bucket = config.buckets.raw;
  let checksums;
  try {
    const head = await headObject(c.var.objectStore, bucket, submission.objectKey);
    const sameType = head.contentType !== null && mediaTypeEssence(head.contentType) === mediaTypeEssence(submission.contentType);
    if (head.size !== submission.declaredSize || !sameType) throw new ApiError('conflict', 'uploaded object does not match the declared size or type');
    checksums = await checksumStream((await fetchObject(c.var.objectStore, bucket, submission.objectKey)).body);
  } catch (error) {
    if (error instanceof ObjectStoreError && error.kind === 'not_found') throw new ApiError('conflict', 'object has not been uploaded yet');
    throw error;
  }
  if (checksums.size !== submission.declaredSize) throw new ApiError('conflict', 'uploaded object does not match the declared size or type');

  const completed = await asPrincipal(c, ['contributor'], async (tx, principal) => {
    const updated = await markUploaded(tx, id, checksums);
    return updated ?? ownPendingOrDone(await findSubmission(tx, id), principal.userId);
  });
  return c.json({ submission: presentSubmission(completed) }, 200);
};
