import type { DatasetMemberRecord } from '../db/archive-members';

/**
 * What a dataset says about each submission beside its media: the Parquet row's columns and a
 * WebDataset sample's `<key>.json`, the same fields under the same names. Keys are written in
 * this order, so the JSON of a member is always the same bytes.
 */
export interface MemberMetadata {
  id: string;
  task_id: string;
  content_type: string;
  size: number;
  sha256: string | null;
  created_at: string;
  reviewed_at: string | null;
}

export function memberMetadata(record: DatasetMemberRecord): MemberMetadata {
  return {
    id: record.submissionId,
    task_id: record.taskId,
    content_type: record.contentType,
    size: record.size,
    sha256: record.sha256,
    created_at: record.createdAt.toISOString(),
    reviewed_at: record.reviewedAt?.toISOString() ?? null,
  };
}
