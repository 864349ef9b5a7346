import type { Row } from './client';
import { raw, type SqlText, sql } from './sql-text';

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

/** The first row of a statement's answer as a submission, or null when it answered none. */
export function firstSubmission(rows: readonly Row[] | undefined): Submission | null {
  const row = rows?.[0] as SubmissionRow | undefined;
  return row ? toSubmission(row) : null;
}

/** A statement's rows as submissions. */
export const toSubmissions = (rows: readonly Row[]): Submission[] =>
  (rows as unknown as SubmissionRow[]).map(toSubmission);

/** The submission if the caller may see it (RLS); no row otherwise. */
export const submissionStatement = (id: string): SqlText =>
  sql`select * from public.submissions where id = ${id}::uuid`;

/**
 * Opens a pending submission for the caller (gateway.open_submission: a contributor, on an open
 * task assigned to them that admits the type and the size), only where `acceptable` (the checks
 * made outside the database) holds; otherwise it inserts nothing and answers no row. A type that
 * is not `acceptable` never reaches the function: the table's constraints would refuse it with an
 * error where the caller needs no row.
 */
export function insertPendingSubmissionStatement(input: {
  taskId: string;
  contentType: string;
  declaredSize: number;
  originalFilename: string | null;
  acceptable: boolean;
}): SqlText {
  if (!input.acceptable) return sql`select * from public.submissions where false`;
  return sql`
    select * from gateway.open_submission(${input.taskId}::uuid, ${input.contentType}, ${input.declaredSize}::bigint,
      ${input.originalFilename}::text)`;
}

export interface SubmissionPageQuery {
  status?: SubmissionStatus;
  taskId?: string;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { createdAt: string; id: string };
}

/** Newest first, keyset-paged so pages stay stable while rows are added. */
export function submissionPageStatement(query: SubmissionPageQuery): SqlText {
  const none = raw('');
  return sql`
    select * from public.submissions
    where true
      ${query.status ? sql`and status = ${query.status}` : none}
      ${query.taskId ? sql`and task_id = ${query.taskId}::uuid` : none}
      ${query.after ? sql`and (created_at, id) < (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)` : none}
    order by created_at desc, id desc
    limit ${query.limit}::integer`;
}

/**
 * Takes the caller's completion lease on their pending submission (gateway.claim_completion),
 * held for longer the larger the declared size (reading it takes longer): the lease, or null when
 * the submission is not theirs and pending, or another request holds it.
 */
export const claimCompletionStatement = (id: string): SqlText => sql`
  select gateway.claim_completion(${id}::uuid, least(900, 30 + ceil(s.declared_size / 4194304.0))::integer) as lease
  from public.submissions s where s.id = ${id}::uuid`;

/** Hands the lease back after a failed attempt, so a retry need not wait for it to expire. */
export const releaseCompletionStatement = (id: string, lease: string): SqlText =>
  sql`select gateway.release_completion(${id}::uuid, ${lease}::uuid) as released`;

/** Records the verified object; no row when the caller no longer holds the lease of their pending submission. */
export const markUploadedStatement = (
  id: string,
  lease: string,
  object: { size: number; crc32: number; sha256: string },
): SqlText => sql`
  select * from gateway.complete_submission(${id}::uuid, ${lease}::uuid, ${object.size}::bigint, ${object.crc32}::bigint, ${object.sha256})`;

/** Approves or rejects an uploaded submission; no row when the state or the role does not allow it. */
export const recordReviewStatement = (
  id: string,
  review: { decision: 'approve' | 'reject'; note: string | null },
): SqlText => sql`select * from gateway.review_submission(${id}::uuid, ${review.decision}, ${review.note})`;

/** Records the S3 multipart upload of the caller's pending submission; no row when it is not theirs and pending. */
export const attachMultipartUploadStatement = (id: string, upload: { uploadId: string; partSize: number }): SqlText =>
  sql`select * from gateway.attach_multipart_upload(${id}::uuid, ${upload.uploadId}, ${upload.partSize}::bigint)`;

/**
 * Marks the caller's pending single-PUT submission aborted; no row when it is not theirs, not
 * pending, or a multipart upload (whose S3 upload must be aborted first).
 */
export const markSingleUploadAbortedStatement = (id: string): SqlText => sql`
  with target as materialized (
    select s.id from public.submissions s where s.id = ${id}::uuid and s.multipart_upload_id is null
  )
  select aborted.* from target, lateral gateway.abort_submission(target.id) as aborted`;

/** Marks the caller's pending submission aborted; no row when it is not theirs or not pending. */
export const markAbortedStatement = (id: string): SqlText => sql`select * from gateway.abort_submission(${id}::uuid)`;
