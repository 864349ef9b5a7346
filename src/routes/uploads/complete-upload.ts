import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipal } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { findSubmission, markUploaded, type Submission } from '../../db/submissions';
import { ApiError } from '../../errors';
import { checksumStream } from '../../sign/checksum';
import { completeMultipartUpload } from '../../sign/multipart';
import { fetchObject, headObject, ObjectStoreError } from '../../sign/objects';
import { bearerSecurity, errorResponses, idParamsSchema, presentSubmission, submissionSchema } from '../schemas';
import { mediaTypeEssence } from './content-type';
import { ownSubmission } from './own-upload';

const completeUploadBody = z
  .strictObject({
    parts: z
      .array(z.strictObject({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
      .min(1)
      .max(10_000)
      .openapi({ description: 'Multipart uploads only: every part with the ETag S3 answered its PUT with' }),
  })
  .openapi('CompleteUploadRequest');

export const completeUpload = createRoute({
  method: 'post',
  path: '/v1/uploads/{id}/complete',
  summary: 'Verify the uploaded object and mark the submission uploaded',
  description:
    'Idempotent: completing an already completed submission returns it unchanged. Multipart uploads send their parts; S3 assembles them (CompleteMultipartUpload) before the same verification as a single PUT.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: { params: idParamsSchema, body: { required: false, content: { 'application/json': { schema: completeUploadBody } } } },
  responses: {
    200: { description: 'Completed submission', content: { 'application/json': { schema: z.object({ submission: submissionSchema }) } } },
    ...errorResponses(400, 401, 403, 404, 409, 415, 503),
  },
});

const completedStatuses = new Set<Submission['status']>(['uploaded', 'approved', 'rejected']);

function ownPendingOrDone(submission: Submission | null, userId: string): Submission {
  const own = ownSubmission(submission, userId);
  if (own.status === 'aborted') throw new ApiError('conflict', 'upload was aborted');
  return own;
}

// S3's answers to a part list it cannot assemble (S3 API: CompleteMultipartUpload, errors).
const refusedPartLists = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);

/**
 * Asks S3 to assemble the parts. An upload S3 no longer knows (404) may already be complete: the
 * HEAD that follows decides.
 */
async function assembleParts(c: Parameters<typeof completeUploadHandler>[0], submission: Submission, parts: { partNumber: number; etag: string }[] | undefined) {
  if (!submission.multipart) return;
  if (!parts) throw new ApiError('invalid_request', 'parts: required to complete a multipart upload');
  try {
    await completeMultipartUpload(c.var.objectStore, c.var.config.buckets.raw, submission.objectKey, submission.multipart.uploadId, parts);
  } catch (error) {
    if (!(error instanceof ObjectStoreError)) throw error;
    if (error.code && refusedPartLists.has(error.code)) throw new ApiError('conflict', `object storage refused the part list (${error.code})`);
    if (error.kind !== 'not_found') throw error;
  }
}

/**
 * Two short transactions around the object check rather than one long one: reading a 5 GiB
 * object takes seconds, and a transaction held that long would pin a pooled connection. The
 * second transaction's update re-checks `pending`, so a concurrent completion cannot apply twice.
 */
export const completeUploadHandler: RouteHandler<typeof completeUpload, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json') as z.infer<typeof completeUploadBody> | undefined;
  const { config } = c.var;
  const submission = await asPrincipal(c, ['contributor'], async (tx, principal) =>
    ownPendingOrDone(await findSubmission(tx, id), principal.userId),
  );
  if (completedStatuses.has(submission.status)) return c.json({ submission: presentSubmission(submission) }, 200);
  await assembleParts(c, submission, body?.parts);

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

export type CompleteUploadRequest = z.input<typeof completeUploadBody>;
