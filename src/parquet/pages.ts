import { ParquetPlanError } from './errors';
import { encoding, pageType } from './format';
import { encodeDefinitionLevels } from './levels';
import { encodeStruct, maximumI32, thrift } from './thrift-compact';

/**
 * Data pages V1, uncompressed, PLAIN values. A page is its PageHeader (Thrift compact) then its
 * body: repetition levels (none: every column has max repetition level 0), definition levels,
 * values. Uncompressed, so compressed and uncompressed page sizes are equal.
 */

const utf8 = new TextEncoder();

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

/** PLAIN BYTE_ARRAY (Encodings.md): 4-byte little-endian length, then the bytes. */
export function plainByteArrayLength(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length, true);
  return bytes;
}

export function plainString(value: string): Uint8Array {
  const text = utf8.encode(value);
  const bytes = new Uint8Array(4 + text.length);
  new DataView(bytes.buffer).setUint32(0, text.length, true);
  bytes.set(text, 4);
  return bytes;
}

/** PLAIN INT64: 8 bytes little-endian, two's complement. */
export function plainInt64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, value, true);
  return bytes;
}

/**
 * One whole page of a column chunk: `values` holds the PLAIN encoding of each row's value, null
 * for a null (definition level below the maximum, and no value written).
 */
export function encodeColumnPage(values: readonly (Uint8Array | null)[], maxLevel: number, what: string): Uint8Array {
  const levels = encodeDefinitionLevels(
    values.map((value) => (value === null ? maxLevel - 1 : maxLevel)),
    maxLevel,
  );
  const bodyLength = values.reduce((sum, value) => sum + (value?.length ?? 0), levels.length);
  const header = encodeDataPageHeader(bodyLength, values.length, what);
  const page = new Uint8Array(header.length + bodyLength);
  page.set(header, 0);
  page.set(levels, header.length);
  let cursor = header.length + levels.length;
  for (const value of values) {
    if (value === null) continue;
    page.set(value, cursor);
    cursor += value.length;
  }
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
  prefix.set(plainByteArrayLength(bodyLength), header.length + mediaLevels.length);
  return prefix;
}

/** The largest body whose media page still has an i32 size. */
export const largestMediaBytes = maximumI32 - mediaPageOverhead;
