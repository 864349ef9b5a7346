import { ParquetPlanError } from './errors';
import { maximumI32 } from './thrift-compact';
import type { MediaRow, ParquetPlanOptions } from './types';

/**
 * Row groups are the unit a reader holds in memory: a streaming reader (`datasets` with
 * streaming=True, DuckDB, pyarrow's iter_batches) decodes one row group at a time, and every
 * byte of a media column lives in the group's chunk. So a group is bounded both in rows (100 is
 * what Hugging Face `datasets` writes for Audio and Image datasets) and in media bytes (64 MiB),
 * whichever comes first; a single larger row still needs a group, and gets one of its own.
 */
export const defaultRowGroupMaxRows = 100;
export const defaultRowGroupMaxBytes = 64 * 1024 * 1024;

export interface ResolvedOptions {
  rowGroupMaxRows: number;
  rowGroupMaxBytes: number;
}

export function resolveOptions(options: ParquetPlanOptions = {}): ResolvedOptions {
  const rowGroupMaxRows = options.rowGroupMaxRows ?? defaultRowGroupMaxRows;
  const rowGroupMaxBytes = options.rowGroupMaxBytes ?? defaultRowGroupMaxBytes;
  // A data page's num_values is an i32, and a small column's page holds a whole group.
  if (!Number.isSafeInteger(rowGroupMaxRows) || rowGroupMaxRows < 1 || rowGroupMaxRows > maximumI32)
    throw new ParquetPlanError('invalid_options', `rowGroupMaxRows ${rowGroupMaxRows} must be 1..${maximumI32}`);
  if (!Number.isSafeInteger(rowGroupMaxBytes) || rowGroupMaxBytes < 1)
    throw new ParquetPlanError('invalid_options', `rowGroupMaxBytes ${rowGroupMaxBytes} must be a positive integer`);
  return { rowGroupMaxRows, rowGroupMaxBytes };
}

/** Consecutive rows, in order; a group closes before the row that would pass either bound. */
export function cutRowGroups(rows: readonly MediaRow[], options: ResolvedOptions): MediaRow[][] {
  const groups: MediaRow[][] = [];
  let current: MediaRow[] = [];
  let currentBytes = 0;
  for (const row of rows) {
    const full =
      current.length === options.rowGroupMaxRows ||
      (current.length > 0 && currentBytes + row.size > options.rowGroupMaxBytes);
    if (full) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(row);
    currentBytes += row.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
