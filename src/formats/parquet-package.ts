import type { DatasetMemberRecord } from '../db/archive-members';
import { type MediaRow, parquetEtag, planMediaParquet } from '../parquet';
import { sampleMediaName } from './member-names';
import type { PackageLayout } from './package-layout';

/**
 * A Parquet shard: one row per submission, its media in a struct of `bytes` and `path` that
 * Hugging Face reads as an Audio or Image feature (src/parquet/). `path` is `<id>.<ext>`, so
 * decoders that sniff by extension (soundfile, Pillow) pick the right format.
 */
export function layOutParquet(records: readonly DatasetMemberRecord[]): PackageLayout {
  const rows = records.map(
    (record, position): MediaRow => ({
      id: record.submissionId,
      taskId: record.taskId,
      contentType: record.contentType,
      size: record.size,
      sha256: record.sha256,
      createdAt: record.createdAt,
      reviewedAt: record.reviewedAt,
      path: sampleMediaName(record),
      memberIndex: position,
    }),
  );
  return {
    format: 'parquet',
    container: planMediaParquet(rows),
    objectKeys: records.map((record) => record.objectKey),
    entries: rows.length,
    zipPlan: null,
    etag: () => parquetEtag(rows),
  };
}
