import type { Transaction } from './client';

export type SubmissionStatus = 'pending' | 'uploaded' | 'approved' | 'rejected' | 'aborted';

export interface Submission {
  id: string;
  taskId: string;
  contributorId: string;
  status: SubmissionStatus;
  contentType: string;
  declaredSize: number;
  originalFilename: string | null;
  /** Where the object is kept once verified; no presigned URL ever names it. */
  objectKey: string;
  /** Where a single PUT lands before `complete` copies it to `objectKey`. */
  stagingKey: string;
  size: number | null;
  crc32: number | null;
  sha256: string | null;
  createdAt: string;
  uploadedAt: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reviewNote: string | null;
  /** Set when the object is uploaded as an S3 multipart upload. */
  multipart: { uploadId: string; partSize: number } | null;
}

interface SubmissionRow {
  id: string;
  task_id: string;
  contributor_id: string;
  status: SubmissionStatus;
  content_type: string;
  declared_size: string;
  original_filename: string | null;
  object_key: string;
  staging_key: string;
  size: string | null;
  crc32: string | null;
  sha256: string | null;
  created_at: Date;
  uploaded_at: Date | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
  multipart_upload_id: string | null;
  part_size: string | null;
}

const nullableNumber = (value: string | null) => (value === null ? null : Number(value));
const nullableTime = (value: Date | null) => (value === null ? null : value.toISOString());

function toSubmission(row: SubmissionRow): Submission {
  return {
    id: row.id,
    taskId: row.task_id,
    contributorId: row.contributor_id,
    status: row.status,
    contentType: row.content_type,
    declaredSize: Number(row.declared_size),
    originalFilename: row.original_filename,
    objectKey: row.object_key,
    stagingKey: row.staging_key,
    size: nullableNumber(row.size),
    crc32: nullableNumber(row.crc32),
    sha256: row.sha256,
    createdAt: row.created_at.toISOString(),
    uploadedAt: nullableTime(row.uploaded_at),
    reviewedBy: row.reviewed_by,
    reviewedAt: nullableTime(row.reviewed_at),
    reviewNote: row.review_note,
    multipart:
      row.multipart_upload_id === null ? null : { uploadId: row.multipart_upload_id, partSize: Number(row.part_size) },
  };
}

/** Opens a pending submission for the caller; the insert policy re-checks task, type and size. */
export async function insertPendingSubmission(
  tx: Transaction,
  input: { taskId: string; contentType: string; declaredSize: number; originalFilename: string | null },
): Promise<Submission> {
  const rows = await tx<SubmissionRow[]>`
    insert into public.submissions (task_id, contributor_id, content_type, declared_size, original_filename)
    values (${input.taskId}, auth.uid(), ${input.contentType}, ${input.declaredSize}, ${input.originalFilename})
    returning *`;
  return toSubmission(rows[0]!);
}

/** The submission if the caller may see it (RLS), else null. */
export async function findSubmission(tx: Transaction, id: string): Promise<Submission | null> {
  const rows = await tx<SubmissionRow[]>`select * from public.submissions where id = ${id}`;
  return rows[0] ? toSubmission(rows[0]) : null;
}

export interface SubmissionPageQuery {
  status?: SubmissionStatus;
  taskId?: string;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { createdAt: string; id: string };
}

/** Newest first, keyset-paged so pages stay stable while rows are added. */
export async function listSubmissions(tx: Transaction, query: SubmissionPageQuery): Promise<Submission[]> {
  const rows = await tx<SubmissionRow[]>`
    select * from public.submissions
    where true
      ${query.status ? tx`and status = ${query.status}` : tx``}
      ${query.taskId ? tx`and task_id = ${query.taskId}` : tx``}
      ${query.after ? tx`and (created_at, id) < (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)` : tx``}
    order by created_at desc, id desc
    limit ${query.limit}`;
  return rows.map(toSubmission);
}

/**
 * Takes the caller's completion lease on their pending submission (gateway.claim_completion):
 * the lease, or null when the submission is not theirs and pending, or another request holds it.
 */
export async function claimCompletion(tx: Transaction, id: string, leaseSeconds: number): Promise<string | null> {
  const rows = await tx<{ lease: string | null }[]>`select gateway.claim_completion(${id}, ${leaseSeconds}) as lease`;
  return rows[0]?.lease ?? null;
}

/** Hands the lease back after a failed attempt, so a retry need not wait for it to expire. */
export async function releaseCompletion(tx: Transaction, id: string, lease: string): Promise<void> {
  await tx`select gateway.release_completion(${id}, ${lease})`;
}

/** Records the verified object; null when the caller no longer holds the lease of their pending submission. */
export async function markUploaded(
  tx: Transaction,
  id: string,
  lease: string,
  object: { size: number; crc32: number; sha256: string },
): Promise<Submission | null> {
  const rows = await tx<SubmissionRow[]>`
    select * from gateway.complete_submission(${id}, ${lease}, ${object.size}, ${object.crc32}, ${object.sha256})`;
  return rows[0] ? toSubmission(rows[0]) : null;
}

/** Approves or rejects an uploaded submission; null when the state or the role does not allow it. */
export async function recordReview(
  tx: Transaction,
  id: string,
  review: { decision: 'approve' | 'reject'; note: string | null },
): Promise<Submission | null> {
  const rows = await tx<SubmissionRow[]>`
    select * from gateway.review_submission(${id}, ${review.decision}, ${review.note})`;
  return rows[0] ? toSubmission(rows[0]) : null;
}

/** Records the S3 multipart upload of the caller's pending submission. */
export async function attachMultipartUpload(
  tx: Transaction,
  id: string,
  upload: { uploadId: string; partSize: number },
): Promise<Submission | null> {
  const rows = await tx<SubmissionRow[]>`
    select * from gateway.attach_multipart_upload(${id}, ${upload.uploadId}, ${upload.partSize})`;
  return rows[0] ? toSubmission(rows[0]) : null;
}

/** Marks the caller's pending submission aborted; null when it is not theirs or not pending. */
export async function markAborted(tx: Transaction, id: string): Promise<Submission | null> {
  const rows = await tx<SubmissionRow[]>`select * from gateway.abort_submission(${id})`;
  return rows[0] ? toSubmission(rows[0]) : null;
}
