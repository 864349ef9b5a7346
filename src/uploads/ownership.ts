import type { Submission } from '../db/submissions';
import { ApiError } from '../errors';

/**
 * The caller's own submission, or 404: someone else's answers like a missing one, so ids cannot
 * be probed. Only the owner may touch an upload.
 */
export function ownSubmission(submission: Submission | null, userId: string): Submission {
  if (!submission || submission.contributorId !== userId) throw new ApiError('not_found', 'submission not found');
  return submission;
}

/** The caller's own multipart upload that is still open, or the matching 4xx. */
export function ownOpenMultipart(
  submission: Submission | null,
  userId: string,
): Submission & { multipart: NonNullable<Submission['multipart']> } {
  const own = ownSubmission(submission, userId);
  if (!own.multipart) throw new ApiError('conflict', 'this upload is a single PUT, not a multipart upload');
  if (own.status !== 'pending') throw new ApiError('conflict', `this upload is ${own.status}`);
  return own as Submission & { multipart: NonNullable<Submission['multipart']> };
}
