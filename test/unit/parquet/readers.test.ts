import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type MediaColumn, type ParquetPlanOptions, planMediaParquet } from '../../../src/parquet';
import { assembleContainer } from '../../support/container-assembly';
import {
  arrayBufferOf,
  duckDb,
  expectedRows,
  makeShard,
  readWithDuckDb,
  readWithHyparquet,
  type Shard,
  writeShardFile,
} from './parquet-fixture';

/**
 * Shards assembled from plans and read back by two Parquet readers that share no code with the
 * planner or each other: DuckDB (C++) and hyparquet (JavaScript).
 */
const directory = mkdtempSync(join(tmpdir(), 'parquet-readers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCount = 0;
function writeShard(shard: Shard, options?: ParquetPlanOptions): string {
  const layout = planMediaParquet(shard.rows, options);
  return writeShardFile(directory, `shard-${fileCount++}.parquet`, assembleContainer(layout, shard.bodies));
}

const sql = (path: string) => `'${path}'`;

async function kvWithDuckDb(path: string): Promise<Record<string, string>> {
  const rows = await duckDb(`select decode(key) as key, decode(value) as value from parquet_kv_metadata(${sql(path)})`);
  return Object.fromEntries(rows.map((row) => [row.key as string, row.value as string]));
}

async function kvWithHyparquet(path: string): Promise<Record<string, string>> {
  const { parquetMetadata } = await import('hyparquet');
  const metadata = parquetMetadata(arrayBufferOf(path));
  return Object.fromEntries((metadata.key_value_metadata ?? []).map(({ key, value }) => [key, value ?? '']));
}

const stringFeature = { dtype: 'string', _type: 'Value' };
const timestampFeature = { dtype: 'timestamp[us, tz=UTC]', _type: 'Value' };
function featuresWith(media: MediaColumn, mediaFeature: unknown): Record<string, unknown> {
  return {
    id: stringFeature,
    task_id: stringFeature,
    content_type: stringFeature,
    size: { dtype: 'int64', _type: 'Value' },
    sha256: stringFeature,
    created_at: timestampFeature,
    reviewed_at: timestampFeature,
    [media]: mediaFeature,
  };
}

async function expectFeatures(path: string, features: Record<string, unknown>): Promise<void> {
  for (const keyValues of [await kvWithDuckDb(path), await kvWithHyparquet(path)]) {
    expect(Object.keys(keyValues)).toEqual(['huggingface']);
    const parsed = JSON.parse(keyValues.huggingface ?? '') as { info: { features: Record<string, unknown> } };
    expect(Object.keys(parsed.info.features)).toEqual(Object.keys(features));
    expect(parsed.info.features).toEqual(features);
  }
}

async function rowGroupSizes(path: string): Promise<{ duckDb: number[]; hyparquet: number[] }> {
  const rows = await duckDb(
    `select row_group_id, any_value(row_group_num_rows)::integer as n from parquet_metadata(${sql(path)})
     group by row_group_id order by row_group_id`,
  );
  const { parquetMetadata } = await import('hyparquet');
  const metadata = parquetMetadata(arrayBufferOf(path));
  return {
    duckDb: rows.map((row) => row.n as number),
    hyparquet: metadata.row_groups.map((group) => Number(group.num_rows)),
  };
}

describe('Parquet shards read back by DuckDB and hyparquet', () => {
  it('an audio shard: every value, null, empty body and media digest as given', async () => {
    const shard = makeShard({ count: 23 });
    const path = writeShard(shard);
    const expected = expectedRows(shard);
    expect(expected.some((row) => row.sha256 === null)).toBe(true);
    expect(expected.some((row) => row.reviewedAtMicros === null)).toBe(true);
    expect(expected.some((row) => row.bodyLength === '0')).toBe(true);
    expect(await readWithDuckDb(path, 'audio')).toEqual(expected);
    expect(await readWithHyparquet(path, 'audio')).toEqual(expected);
    await expectFeatures(path, featuresWith('audio', { _type: 'Audio' }));
  });

  it('declares the schema the brief fixes: optional columns, strings, timestamps in µs UTC', async () => {
    const path = writeShard(makeShard({ count: 3 }));
    const schema = await duckDb(
      `select name, type, repetition_type, converted_type, logical_type, num_children
       from parquet_schema(${sql(path)})`,
    );
    const string = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: 'StringType()' };
    const timestamp = {
      type: 'INT64',
      converted_type: 'TIMESTAMP_MICROS',
      logical_type:
        'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))',
    };
    const leaf = (name: string, shape: object) => ({ name, repetition_type: 'OPTIONAL', num_children: null, ...shape });
    const plain = { converted_type: null, logical_type: null };
    expect(schema).toEqual([
      {
        name: 'schema',
        type: null,
        repetition_type: null,
        converted_type: null,
        logical_type: null,
        num_children: '8',
      },
      leaf('id', string),
      leaf('task_id', string),
      leaf('content_type', string),
      leaf('size', { type: 'INT64', ...plain }),
      leaf('sha256', string),
      leaf('created_at', timestamp),
      leaf('reviewed_at', timestamp),
      { name: 'audio', type: null, repetition_type: 'OPTIONAL', ...plain, num_children: '2' },
      leaf('bytes', { type: 'BYTE_ARRAY', ...plain }),
      leaf('path', string),
    ]);
    const types = await duckDb(
      `select typeof(created_at) as t, typeof(audio) as a, typeof(size) as s from read_parquet(${sql(path)}) limit 1`,
    );
    expect(types).toEqual([{ t: 'TIMESTAMP WITH TIME ZONE', a: 'STRUCT(bytes BLOB, path VARCHAR)', s: 'BIGINT' }]);
    const created = await duckDb(`select created_by from parquet_file_metadata(${sql(path)})`);
    expect(created).toEqual([{ created_by: 'storage-manager parquet/1' }]);
  });

  it('an image shard declares Image', async () => {
    const shard = makeShard({ count: 5, contentType: (row) => (row % 2 ? 'image/png' : 'IMAGE/JPEG') });
    const path = writeShard(shard);
    expect(await readWithDuckDb(path, 'image')).toEqual(expectedRows(shard));
    expect(await readWithHyparquet(path, 'image')).toEqual(expectedRows(shard));
    await expectFeatures(path, featuresWith('image', { _type: 'Image' }));
  });

  const mediaStruct = { bytes: { dtype: 'binary', _type: 'Value' }, path: stringFeature };

  it('a video shard declares the plain {bytes, path} struct under "media"', async () => {
    const shard = makeShard({ count: 4, contentType: () => 'video/mp4' });
    const path = writeShard(shard);
    expect(await readWithDuckDb(path, 'media')).toEqual(expectedRows(shard));
    expect(await readWithHyparquet(path, 'media')).toEqual(expectedRows(shard));
    await expectFeatures(path, featuresWith('media', mediaStruct));
  });

  it('a shard of audio and images mixed is "media" too', async () => {
    const shard = makeShard({ count: 6, contentType: (row) => (row % 2 ? 'audio/ogg' : 'image/webp') });
    const path = writeShard(shard);
    expect(await readWithHyparquet(path, 'media')).toEqual(expectedRows(shard));
    await expectFeatures(path, featuresWith('media', mediaStruct));
  });

  it('250 rows with rowGroupMaxRows 100 make row groups of 100, 100 and 50', async () => {
    const shard = makeShard({ count: 250, size: (row) => row % 17 });
    const path = writeShard(shard, { rowGroupMaxRows: 100 });
    expect(await rowGroupSizes(path)).toEqual({ duckDb: [100, 100, 50], hyparquet: [100, 100, 50] });
    expect(await readWithDuckDb(path, 'audio')).toEqual(expectedRows(shard));
    expect(await readWithHyparquet(path, 'audio')).toEqual(expectedRows(shard));
    const counts = await duckDb(`select num_rows::integer as n from parquet_file_metadata(${sql(path)})`);
    expect(counts).toEqual([{ n: 250 }]);
  });

  it('the default bound is 100 rows', async () => {
    const path = writeShard(makeShard({ count: 101, size: () => 1 }));
    expect(await rowGroupSizes(path)).toEqual({ duckDb: [100, 1], hyparquet: [100, 1] });
  });

  it('rowGroupMaxBytes closes a group before the row that would pass it; a larger row stands alone', async () => {
    const sizes = [40, 40, 30, 100, 5, 5, 81, 0];
    const shard = makeShard({ count: sizes.length, size: (row) => sizes[row] ?? 0 });
    const path = writeShard(shard, { rowGroupMaxBytes: 80 });
    // [40, 40] is exactly 80; 30 would pass it; 100 alone; [5, 5]; 81 alone, even an empty body
    // after it opens a new group.
    expect(await rowGroupSizes(path)).toEqual({ duckDb: [2, 1, 1, 2, 1, 1], hyparquet: [2, 1, 1, 2, 1, 1] });
    expect(await readWithDuckDb(path, 'audio')).toEqual(expectedRows(shard));
    expect(await readWithHyparquet(path, 'audio')).toEqual(expectedRows(shard));
  });

  it('column chunk metadata: one chunk per leaf in schema order, uncompressed, PLAIN and RLE', async () => {
    const path = writeShard(makeShard({ count: 3 }));
    const chunks = await duckDb(
      `select path_in_schema, compression, encodings, num_values::integer as n,
         total_compressed_size = total_uncompressed_size as same
       from parquet_metadata(${sql(path)}) order by column_id`,
    );
    expect(chunks.map((chunk) => chunk.path_in_schema)).toEqual([
      'id',
      'task_id',
      'content_type',
      'size',
      'sha256',
      'created_at',
      'reviewed_at',
      'audio, bytes',
      'audio, path',
    ]);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ compression: 'UNCOMPRESSED', encodings: 'PLAIN, RLE', n: 3, same: true });
    }
  });
});
