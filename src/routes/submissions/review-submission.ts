import { createRoute, z, type RouteHandler } from '@hono/zod-openapi';
import { authenticate } from '../../auth/authenticate';
import { asPrincipalInOneFlight } from '../../auth/principal';
import type { AppEnv } from '../../context';
import { firstSubmission, recordReviewStatement, submissionStatement } from '../../db/submissions';
import { ApiError } from '../../errors';
import {
  bearerSecurity,
  errorResponses,
  freeTextSchema,
  idParamsSchema,
  presentSubmission,
  submissionSchema,
} from '../schemas';

const reviewBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    note: freeTextSchema(2000).optional(),
  })
  .openapi('ReviewRequest');

export const reviewSubmissionRoute = createRoute({
  method: 'post',
  path: '/v1/submissions/{id}/review',
  summary: 'Approve or reject an uploaded submission',
  description:
    'The same review again (same reviewer, decision and note) answers 200 with the submission: a retry whose first answer was lost.',
  security: bearerSecurity,
  middleware: [authenticate()] as const,
  request: {
    params: idParamsSchema,
    body: { required: true, content: { 'application/json': { schema: reviewBody } } },
  },
  responses: {
    200: {
      description: 'Reviewed submission',
      content: { 'application/json': { schema: z.object({ submission: submissionSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

export const reviewSubmissionHandler: RouteHandler<typeof reviewSubmissionRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const review = c.req.valid('json');
  // The submission as it was and the review in one round trip: gateway.review_submission records
  // it only when every check below holds, so the row read first says which one refused.
  const {
    principal,
    rows: [before, updated],
  } = await asPrincipalInOneFlight(
    c,
    ['validator', 'admin'],
    [submissionStatement(id), recordReviewStatement(id, { decision: review.decision, note: review.note ?? null })],
  );
  const reviewed = firstSubmission(updated);
  if (!reviewed) {
    const found = firstSubmission(before);
    if (!found) throw new ApiError('not_found', 'submission not found');
    // A reviewer who once contributed (roles change) does not approve their own work.
    if (found.contributorId === principal.userId)
      throw new ApiError('forbidden', 'you may not review your own submission');
    // The same review again (a retry whose first answer was lost): it stands, and is answered.
    if (
      found.reviewedBy === principal.userId &&
      found.status === (review.decision === 'approve' ? 'approved' : 'rejected') &&
      found.reviewNote === (review.note ?? null)
    )
      return c.json({ submission: presentSubmission(found) }, 200);
    if (found.status !== 'uploaded')
      throw new ApiError('conflict', `only an uploaded submission can be reviewed; this one is ${found.status}`);
    // Only if another reviewer decided in between.
    throw new ApiError('conflict', 'submission was reviewed concurrently');
  }
  return c.json({ submission: presentSubmission(reviewed) }, 200);
};
