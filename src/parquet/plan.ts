import { type ContainerLayout, layOutRegions, producedBytes, type Region } from '../containers/layout';
import { ParquetPlanError } from './errors';
import { encodeFooter, type PlannedChunk, type PlannedRowGroup } from './footer';
import { magic } from './format';
import { mediaColumnFor } from './media-column';
import { encodeColumnPage, encodeMediaPagePrefix, type PlainValue } from './pages';
import { cutRowGroups, resolveOptions } from './row-groups';
import { checkRow, epochMicros } from './rows';
import { huggingFaceMetadata, type LeafColumn, leafColumns } from './schema';
import type { MediaRow, ParquetPlanOptions } from './types';

/** The value of one row in one leaf column other than the media bytes; null for a null. */
function plainValue(row: MediaRow, column: LeafColumn): PlainValue {
  switch (column.path[column.path.length - 1]) {
    case 'id':
      return row.id;
    case 'task_id':
      return row.taskId;
    case 'content_type':
      return row.contentType;
    case 'size':
      return BigInt(row.size);
    case 'sha256':
      return row.sha256;
    case 'created_at':
      return epochMicros(row.createdAt);
    case 'reviewed_at':
      return row.reviewedAt === null ? null : epochMicros(row.reviewedAt);
    case 'path':
      return row.path;
    default:
      throw new Error(`no value for column ${column.path.join('.')}`);
  }
}

/**
 * The file as regions: "PAR1", then per row group one column chunk per leaf column in schema
 * order, then the footer. Every small column's chunk is one page. The media `bytes` chunk is one
 * page per row, [page header][definition levels][4-byte length] then the body as a member
 * region, so each body lies contiguous and unchanged and the build can copy it in place with
 * UploadPartCopy; a page per row is also what lets a body of up to 2 GiB have an i32 page size.
 */
export function planMediaParquetRegions(rows: readonly MediaRow[], options?: ParquetPlanOptions): Region[] {
  const resolved = resolveOptions(options);
  if (rows.length === 0) throw new ParquetPlanError('empty', 'a Parquet shard needs at least one row');
  for (const row of rows) checkRow(row);
  const media = mediaColumnFor(rows.map((row) => row.contentType));
  const columns = leafColumns(media);
  const regions: Region[] = [producedBytes(magic)];
  const plannedGroups: PlannedRowGroup[] = [];
  let cursor = magic.length;
  for (const group of cutRowGroups(rows, resolved)) {
    const chunks: PlannedChunk[] = [];
    for (const column of columns) {
      const start = cursor;
      if (column.kind === 'binary') {
        for (const row of group) {
          const prefix = encodeMediaPagePrefix(row.size, `row ${JSON.stringify(row.id)}`);
          regions.push(producedBytes(prefix), {
            kind: 'member',
            index: row.memberIndex,
            name: row.path,
            length: row.size,
          });
          cursor += prefix.length + row.size;
        }
      } else {
        const values = group.map((row) => plainValue(row, column));
        const page = encodeColumnPage(values, column.maxDefinitionLevel, `column ${column.path.join('.')}`);
        regions.push(producedBytes(page));
        cursor += page.length;
      }
      chunks.push({ column, offset: start, length: cursor - start, valueCount: group.length });
    }
    plannedGroups.push({ rowCount: group.length, chunks });
  }
  regions.push(producedBytes(encodeFooter(media, plannedGroups, [['huggingface', huggingFaceMetadata(media)]])));
  return regions;
}

/**
 * Lays out a Parquet shard of media rows without seeing a media byte, only sizes. A pure
 * function of the rows and options: the same input always gives the same bytes.
 */
export function planMediaParquet(rows: readonly MediaRow[], options?: ParquetPlanOptions): ContainerLayout {
  return layOutRegions(planMediaParquetRegions(rows, options));
}
