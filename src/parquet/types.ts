/** One approved submission: one row of the dataset shard, its media body stored elsewhere. */
export interface MediaRow {
  id: string;
  taskId: string;
  contentType: string;
  size: number;
  sha256: string | null;
  createdAt: Date;
  reviewedAt: Date | null;
  /** File name the media struct's `path` carries, e.g. "<id>.wav" (its extension tells decoders the format). */
  path: string;
  /** The caller's number for this row's media body (becomes MemberRegion.index). */
  memberIndex: number;
}

/** Name of the media struct column, after the Hugging Face feature that decodes it. */
export type MediaColumn = 'audio' | 'image' | 'media';

export interface ParquetPlanOptions {
  /** Most rows in one row group; default 100. */
  rowGroupMaxRows?: number;
  /** Most media bytes in one row group (a larger single row gets a group of its own); default 64 MiB. */
  rowGroupMaxBytes?: number;
}
