import { convertedType, physicalType, repetition } from './format';
import { type ThriftValue, thrift } from './thrift-compact';
import type { MediaColumn } from './types';

/**
 * The file's schema: seven top-level columns, then the media struct {bytes, path}. Every field
 * is OPTIONAL, as pyarrow writes a Hugging Face dataset: Arrow fields are nullable, and a
 * REQUIRED column would read back as non-nullable, a different Arrow schema from every other
 * shard of the same dataset written by `datasets`.
 */

/** What a leaf column holds, which fixes its physical type, annotations and feature. */
export type LeafKind = 'string' | 'int64' | 'timestamp' | 'binary';

export interface LeafColumn {
  /** Path in the schema, e.g. ['audio', 'bytes']. */
  path: readonly string[];
  kind: LeafKind;
  /** 1 for a top-level optional column, 2 inside the optional media struct. */
  maxDefinitionLevel: 1 | 2;
}

const topLevel: readonly { name: string; kind: LeafKind }[] = [
  { name: 'id', kind: 'string' },
  { name: 'task_id', kind: 'string' },
  { name: 'content_type', kind: 'string' },
  { name: 'size', kind: 'int64' },
  { name: 'sha256', kind: 'string' },
  { name: 'created_at', kind: 'timestamp' },
  { name: 'reviewed_at', kind: 'timestamp' },
];

/** Leaf columns in file order: the order of column chunks in every row group. */
export function leafColumns(media: MediaColumn): LeafColumn[] {
  return [
    ...topLevel.map(({ name, kind }): LeafColumn => ({ path: [name], kind, maxDefinitionLevel: 1 })),
    { path: [media, 'bytes'], kind: 'binary', maxDefinitionLevel: 2 },
    { path: [media, 'path'], kind: 'string', maxDefinitionLevel: 2 },
  ];
}

export function physicalTypeOf(kind: LeafKind): number {
  return kind === 'int64' || kind === 'timestamp' ? physicalType.int64 : physicalType.byteArray;
}

/**
 * SchemaElement (field ids: 1 type, 3 repetition_type, 4 name, 5 num_children, 6 converted_type,
 * 10 logicalType). LogicalType is a union: STRING is field 1, TIMESTAMP field 8 with
 * TimestampType {1 isAdjustedToUTC, 2 unit}, and in the TimeUnit union MICROS is field 2. The
 * converted type goes beside it, as LogicalType's own comment asks for compatibility.
 */
function leafElement(name: string, kind: LeafKind): ThriftValue {
  const fields: [number, ThriftValue][] = [
    [1, thrift.i32(physicalTypeOf(kind))],
    [3, thrift.i32(repetition.optional)],
    [4, thrift.string(name)],
  ];
  if (kind === 'string') {
    fields.push([6, thrift.i32(convertedType.utf8)], [10, thrift.struct([[1, thrift.struct([])]])]);
  } else if (kind === 'timestamp') {
    const micros = thrift.struct([[2, thrift.struct([])]]);
    const timestampType = thrift.struct([
      [1, thrift.bool(true)],
      [2, micros],
    ]);
    fields.push([6, thrift.i32(convertedType.timestampMicros)], [10, thrift.struct([[8, timestampType]])]);
  }
  return thrift.struct(fields);
}

function groupElement(name: string, children: number, optional: boolean): ThriftValue {
  const fields: [number, ThriftValue][] = [];
  // The root has no repetition type (SchemaElement field 3: "All other nodes must have one").
  if (optional) fields.push([3, thrift.i32(repetition.optional)]);
  fields.push([4, thrift.string(name)], [5, thrift.i32(children)]);
  return thrift.struct(fields);
}

/** The depth-first flattened schema of FileMetaData field 2, root first. */
export function schemaElements(media: MediaColumn): ThriftValue[] {
  return [
    groupElement('schema', topLevel.length + 1, false),
    ...topLevel.map(({ name, kind }) => leafElement(name, kind)),
    groupElement(media, 2, true),
    leafElement('bytes', 'binary'),
    leafElement('path', 'string'),
  ];
}

/**
 * The `huggingface` key-value metadata `datasets` reads back as the dataset's Features, so the
 * media column decodes as Audio or Image without a dataset card. For 'media' (video, or kinds
 * mixed) no single feature decodes every row, so it is declared as the plain struct
 * {bytes: binary, path: string}: the same shape Audio and Image store, which every Arrow reader
 * loads, while content_type says how to decode each row.
 */
export function huggingFaceMetadata(media: MediaColumn): string {
  const features: Record<string, unknown> = {};
  const value = (dtype: string) => ({ dtype, _type: 'Value' });
  for (const { name, kind } of topLevel) {
    features[name] =
      kind === 'string' ? value('string') : kind === 'int64' ? value('int64') : value('timestamp[us, tz=UTC]');
  }
  if (media === 'audio') features[media] = { _type: 'Audio' };
  else if (media === 'image') features[media] = { _type: 'Image' };
  else features[media] = { bytes: value('binary'), path: value('string') };
  return JSON.stringify({ info: { features } });
}
