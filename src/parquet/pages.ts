import { ParquetPlanError } from './errors';
import { encoding, pageType } from './format';
import { encodeDefinitionLevels } from './levels';
import { encodeStruct, maximumI32, thrift } from './thrift-compact';

/**
 * Data pages V1, uncompressed, PLAIN values. A page is its PageHeader (Thrift compact) then its
 * body: repetition levels (none: every column has max repetition level 0), definition levels,
 * values. Uncompressed, so compressed and uncompressed page sizes are equal.
 */

/**
 * PageHeader {1 type, 2 uncompressed_page_size, 3 compressed_page_size, 5 data_page_header}
 * with DataPageHeader {1 num_values, 2 encoding, 3 definition_level_encoding,
 * 4 repetition_level_encoding}. Sizes are i32, which bounds every page.
 */
export function encodeDataPageHeader(bodyLength: number, valueCount: number, what: string): Uint8Array {
  if (bodyLength > maximumI32)
    throw new ParquetPlanError('page_too_large', `${what}: a page of ${bodyLength} bytes is beyond i32`);
  return encodeStruct([
    [1, thrift.i32(pageType.dataPage)],
    [2, thrift.i32(bodyLength)],
    [3, thrift.i32(bodyLength)],
    [
      5,
      thrift.struct([
        [1, thrift.i32(valueCount)],
        [2, thrift.i32(encoding.plain)],
        [3, thrift.i32(encoding.rle)],
        [4, thrift.i32(encoding.rle)],
      ]),
    ],
  ]);
}

/**
 * A row's value in a small column: a string (BYTE_ARRAY, UTF-8), a bigint (INT64) or null. PLAIN
 * (Encodings.md) writes a BYTE_ARRAY as a 4-byte little-endian length then the bytes, an INT64
 * as 8 bytes little-endian two's complement.
 */
export type PlainValue = string | bigint | null;

const utf8 = new TextEncoder();

/**
 * One whole page of a column chunk: a definition level per value (the maximum when present, one
 * less for a null, which writes no value), then the PLAIN values. Written into one buffer sized
 * for the worst case (3 UTF-8 bytes per UTF-16 unit), as a shard has thousands of small values.
 */
export function encodeColumnPage(values: readonly PlainValue[], maxLevel: number, what: string): Uint8Array {
  const levels = encodeDefinitionLevels(
    values.map((value) => (value === null ? maxLevel - 1 : maxLevel)),
    maxLevel,
  );
  let capacity = levels.length;
  for (const value of values) {
    if (typeof value === 'string') capacity += 4 + 3 * value.length;
    else if (value !== null) capacity += 8;
  }
  const body = new Uint8Array(capacity);
  const view = new DataView(body.buffer);
  body.set(levels, 0);
  let cursor = levels.length;
  for (const value of values) {
    if (typeof value === 'string') {
      const { written } = utf8.encodeInto(value, body.subarray(cursor + 4));
      view.setUint32(cursor, written, true);
      cursor += 4 + written;
    } else if (value !== null) {
      view.setBigInt64(cursor, value, true);
      cursor += 8;
    }
  }
  const header = encodeDataPageHeader(cursor, values.length, what);
  const page = new Uint8Array(header.length + cursor);
  page.set(header, 0);
  page.set(body.subarray(0, cursor), header.length);
  return page;
}

/** Definition levels of a media page: one value, present at level 2 (struct and field both set). */
const mediaLevels = encodeDefinitionLevels([2], 2);

/** Bytes of a media page's body before the media bytes themselves: levels, then PLAIN length. */
export const mediaPageOverhead = mediaLevels.length + 4;

/**
 * Everything of a one-value media page that comes before the body: the header, the levels and
 * the PLAIN length. The body follows unchanged, so the member lies contiguous in the file.
 */
export function encodeMediaPagePrefix(bodyLength: number, what: string): Uint8Array {
  const header = encodeDataPageHeader(mediaPageOverhead + bodyLength, 1, what);
  const prefix = new Uint8Array(header.length + mediaPageOverhead);
  prefix.set(header, 0);
  prefix.set(mediaLevels, header.length);
  // PLAIN BYTE_ARRAY: the 4-byte little-endian length, then (as a member region) the bytes.
  new DataView(prefix.buffer).setUint32(header.length + mediaLevels.length, bodyLength, true);
  return prefix;
}

/** The largest body whose media page still has an i32 size. */
export const largestMediaBytes = maximumI32 - mediaPageOverhead;
