/**
 * Enum values and constants of the Parquet format this writer uses, with the parquet.thrift
 * enum (apache/parquet-format src/main/thrift/parquet.thrift) each one comes from.
 */

/** The 4-byte magic at both ends of the file. */
export const magic = new TextEncoder().encode('PAR1');

/** enum Type */
export const physicalType = { int64: 2, byteArray: 6 } as const;

/** enum ConvertedType: written beside the logical type for readers older than LogicalType. */
export const convertedType = { utf8: 0, timestampMicros: 10 } as const;

/** enum FieldRepetitionType */
export const repetition = { optional: 1 } as const;

/** enum Encoding */
export const encoding = { plain: 0, rle: 3 } as const;

/** enum CompressionCodec */
export const codec = { uncompressed: 0 } as const;

/** enum PageType */
export const pageType = { dataPage: 0 } as const;

/**
 * FileMetaData.version. The field's own comment asks writers to write 1 "for maximum
 * compatibility with readers": the file uses nothing a version-1 reader lacks beyond the
 * LogicalType annotations, which such readers skip in favour of the converted types.
 */
export const fileFormatVersion = 1;

/**
 * FileMetaData.created_by. Fixed (no build hash, no date) so that rebuilding a shard from the
 * same rows gives the same bytes and the same ETag.
 */
export const createdBy = 'storage-manager parquet/1';
