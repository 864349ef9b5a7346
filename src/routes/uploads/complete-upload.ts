import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppContext, AppEnv } from '../../context';
import {
  claimCompletionStatement,
  firstSubmission,
  markUploadedStatement,
  releaseCompletionStatement,
  submissionStatement,
  type Submission,
} from '../../db/submissions';
import { ApiError } from '../../errors';
import { deleteObject } from '../../s3/objects';
import {
  bearerSecurity,
  errorResponses,
  idParamsSchema,
  partNumberSchema,
  presentSubmission,
  submissionSchema,
} from '../schemas';
import { multipartLimits } from '../../s3/limits';
import { ownSubmission } from '../../uploads/ownership';
import { verifyUploadedObject } from '../../uploads/verify-object';

const completeUploadBody = z
  .strictObject({
    parts: z
      .array(z.strictObject({ partNumber: partNumberSchema, etag: z.string().min(1).max(200) }))
      .min(1)
      .max(multipartLimits.maximumParts)
      .openapi({ description: 'Multipart uploads only: every part with the ETag S3 answered its PUT with' }),
  })
  .openapi('CompleteUploadRequest');

export const completeUploadRoute = createRoute({
  method: 'post',
  path: '/v1/uploads/{id}/complete',
  summary: 'Verify the uploaded object and mark the submission uploaded',
  description:
    "Idempotent: completing an already completed submission returns it unchanged. Multipart uploads send their parts; S3 assembles them (CompleteMultipartUpload). A single PUT is copied from its staging key to a key no URL can write. Then the object is read once for CRC-32 and SHA-256. Concurrent calls wait for the first one's result (409 with Retry-After if it takes longer than 10 s).",
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: idParamsSchema,
    body: { required: false, content: { 'application/json': { schema: completeUploadBody } } },
  },
  responses: {
    200: {
      description: 'Completed submission',
      content: { 'application/json': { schema: z.object({ submission: submissionSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 502, 503, 504),
  },
});

const completedStatuses = new Set<Submission['status']>(['uploaded', 'approved', 'rejected']);

// How long a concurrent complete waits for the lease holder's result before answering 409.
const waitForHolderMs = 10_000;

function ownPendingOrDone(submission: Submission | null, userId: string): Submission {
  const own = ownSubmission(submission, userId);
  if (own.status === 'aborted') throw new ApiError('conflict', 'upload was aborted');
  return own;
}

type CompletionState =
  | { kind: 'done'; submission: Submission }
  | { kind: 'claimed'; submission: Submission; lease: string }
  | { kind: 'held' };

/** One short transaction: the submission as it stands, and the completion lease if it is free. */
// The lease lasts longer than copying and reading the object at a slow 4 MiB/s, so a healthy
// completion keeps it; short for small objects, so a request that died holding it (and could not
// give it back) blocks a retry for seconds, not minutes. Past 15 minutes another request may take
// over, which is safe: the first one's checksums can no longer be recorded. The duration is
// computed in SQL from the declared size (claimCompletionStatement), so the submission is read
// and the lease taken in the same round trip.
async function claim(c: AppContext, id: string): Promise<CompletionState> {
  const {
    principal,
    rows: [before, claimed],
  } = await asPrincipalInOneFlight(c, ['contributor'], [submissionStatement(id), claimCompletionStatement(id)]);
  const own = ownPendingOrDone(firstSubmission(before), principal.userId);
  if (completedStatuses.has(own.status)) return { kind: 'done', submission: own };
  const lease = (claimed?.[0]?.lease as string | null | undefined) ?? null;
  return lease ? { kind: 'claimed', submission: own, lease } : { kind: 'held' };
}

/**
 * Another request holds the lease: wait for its result, polling with backoff, and take the lease
 * over if it is given back. Only the holder reads the object, so twenty concurrent completes of a
 * 1 GiB upload read it once.
 */
async function waitForHolder(c: AppContext, id: string): Promise<Exclude<CompletionState, { kind: 'held' }>> {
  const deadline = Date.now() + waitForHolderMs;
  for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    const state = await claim(c, id);
    if (state.kind !== 'held') return state;
  }
  c.header('Retry-After', '5');
  throw new ApiError('conflict', 'another request is completing this upload; try again shortly');
}

/**
 * Claims the lease in one short transaction, verifies the object outside any transaction (reading
 * 5 GiB takes a while, and a transaction held that long would pin a pooled connection), and
 * records the checksums in a second one that requires the lease still to be ours.
 */
export const completeUploadHandler: RouteHandler<typeof completeUploadRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json') as z.infer<typeof completeUploadBody> | undefined;
  let state = await claim(c, id);
  if (state.kind === 'held') state = await waitForHolder(c, id);
  if (state.kind === 'done') return c.json({ submission: presentSubmission(state.submission) }, 200);
  const { submission, lease } = state;

  let completed: Submission;
  try {
    const checksums = await verifyUploadedObject(
      { store: c.var.objectStore, bucket: c.var.config.buckets.raw },
      submission,
      body?.parts,
    );
    // The record and, when it was refused, the submission as it stands: one round trip.
    const {
      principal,
      rows: [updated, after],
    } = await asPrincipalInOneFlight(
      c,
      ['contributor'],
      [markUploadedStatement(id, lease, checksums), submissionStatement(id)],
    );
    completed = firstSubmission(updated) ?? ownPendingOrDone(firstSubmission(after), principal.userId);
  } catch (error) {
    // Given back so that a retry need not wait for the lease to expire; if even that fails, it does.
    await asPrincipalInOneFlight(c, ['contributor'], [releaseCompletionStatement(id, lease)]).catch(() => {});
    throw error;
  }
  // Still pending: the lease expired and another request took it over; its result stands.
  if (completed.status === 'pending')
    throw new ApiError('conflict', 'another request is completing this upload; try again shortly');
  if (!submission.multipart) {
    // What was verified lives at the final key now; the staging object is garbage (the bucket's
    // lifecycle rule removes it if this delete fails, or if a later PUT through the URL recreates it).
    c.executionCtx.waitUntil(
      deleteObject(c.var.objectStore, c.var.config.buckets.raw, submission.stagingKey).catch(() => {}),
    );
  }
  return c.json({ submission: presentSubmission(completed) }, 200);
};

export type CompleteUploadRequest = z.input<typeof completeUploadBody>;
