import { codec, createdBy, encoding, fileFormatVersion, magic } from './format';
import { type LeafColumn, physicalTypeOf, schemaElements } from './schema';
import { encodeStruct, type ThriftValue, thrift } from './thrift-compact';
import type { MediaColumn } from './types';

/** Where one column chunk lies: its pages back to back from `offset`. */
export interface PlannedChunk {
  column: LeafColumn;
  offset: number;
  length: number;
  valueCount: number;
}

export interface PlannedRowGroup {
  rowCount: number;
  chunks: PlannedChunk[];
}

const utf8 = new TextEncoder();

/**
 * ColumnChunk {2 file_offset, 3 meta_data} with ColumnMetaData {1 type, 2 encodings,
 * 3 path_in_schema, 4 codec, 5 num_values, 6 total_uncompressed_size, 7 total_compressed_size,
 * 9 data_page_offset}. file_offset is 0: its comment asks for 0 when no ColumnMetaData is written
 * outside the footer. Encodings lists PLAIN (values) and RLE (definition levels).
 */
function columnChunk(chunk: PlannedChunk): ThriftValue {
  const metaData = thrift.struct([
    [1, thrift.i32(physicalTypeOf(chunk.column.kind))],
    [2, thrift.list('i32', [thrift.i32(encoding.plain), thrift.i32(encoding.rle)])],
    [
      3,
      thrift.list(
        'binary',
        chunk.column.path.map((part) => thrift.string(part)),
      ),
    ],
    [4, thrift.i32(codec.uncompressed)],
    [5, thrift.i64(chunk.valueCount)],
    [6, thrift.i64(chunk.length)],
    [7, thrift.i64(chunk.length)],
    [9, thrift.i64(chunk.offset)],
  ]);
  return thrift.struct([
    [2, thrift.i64(0)],
    [3, metaData],
  ]);
}

/**
 * RowGroup {1 columns, 2 total_byte_size, 3 num_rows, 5 file_offset, 6 total_compressed_size}.
 * Uncompressed, so both sizes are the chunks' total; file_offset is the first page's.
 */
function rowGroup(group: PlannedRowGroup): ThriftValue {
  const total = group.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  return thrift.struct([
    [1, thrift.list('struct', group.chunks.map(columnChunk))],
    [2, thrift.i64(total)],
    [3, thrift.i64(group.rowCount)],
    [5, thrift.i64(group.chunks[0]?.offset ?? 0)],
    [6, thrift.i64(total)],
  ]);
}

/**
 * The file's tail: FileMetaData {1 version, 2 schema, 3 num_rows, 4 row_groups,
 * 5 key_value_metadata, 6 created_by} in the compact protocol, then its length as 4 bytes
 * little-endian and the magic "PAR1" (the format's file layout).
 */
export function encodeFooter(
  media: MediaColumn,
  groups: readonly PlannedRowGroup[],
  keyValues: readonly (readonly [string, string])[],
): Uint8Array {
  const rowCount = groups.reduce((sum, group) => sum + group.rowCount, 0);
  const metadata = encodeStruct([
    [1, thrift.i32(fileFormatVersion)],
    [2, thrift.list('struct', schemaElements(media))],
    [3, thrift.i64(rowCount)],
    [4, thrift.list('struct', groups.map(rowGroup))],
    [
      5,
      thrift.list(
        'struct',
        keyValues.map(([key, value]) =>
          thrift.struct([
            [1, thrift.binary(utf8.encode(key))],
            [2, thrift.binary(utf8.encode(value))],
          ]),
        ),
      ),
    ],
    [6, thrift.string(createdBy)],
  ]);
  const footer = new Uint8Array(metadata.length + 8);
  footer.set(metadata, 0);
  new DataView(footer.buffer).setUint32(metadata.length, metadata.length, true);
  footer.set(magic, metadata.length + 4);
  return footer;
}
