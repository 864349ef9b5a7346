/** One approved submission as an archive (bundle or dataset) holds it (gateway.bundle_download). */
export interface ArchiveMemberRecord {
  submissionId: string;
  taskId: string;
  contributorPseudonym: string;
  contentType: string;
  size: number;
  crc32: number | null;
  sha256: string | null;
  uploadedAt: Date;
  objectKey: string;
}

/** A member as the archive queries return it (bundles and datasets alike). */
export interface ArchiveMemberRow {
  submission_id: string;
  task_id: string;
  contributor_pseudonym: string;
  content_type: string;
  size: string;
  crc32: string | null;
  sha256: string | null;
  uploaded_at: Date;
  object_key: string;
}

export function toMemberRecord(row: ArchiveMemberRow): ArchiveMemberRecord {
  return {
    submissionId: row.submission_id,
    taskId: row.task_id,
    contributorPseudonym: row.contributor_pseudonym,
    contentType: row.content_type,
    size: Number(row.size),
    crc32: row.crc32 === null ? null : Number(row.crc32),
    sha256: row.sha256,
    uploadedAt: row.uploaded_at,
    objectKey: row.object_key,
  };
}

/** A member as a dataset shard holds it: with the times its metadata (Parquet row, WebDataset JSON) carries. */
export interface DatasetMemberRecord extends ArchiveMemberRecord {
  createdAt: Date;
  reviewedAt: Date | null;
}

export interface DatasetMemberRow extends ArchiveMemberRow {
  created_at: Date;
  reviewed_at: Date | null;
}

export function toDatasetMemberRecord(row: DatasetMemberRow): DatasetMemberRecord {
  return { ...toMemberRecord(row), createdAt: row.created_at, reviewedAt: row.reviewed_at };
}
