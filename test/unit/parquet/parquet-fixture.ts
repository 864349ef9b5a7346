import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaColumn, MediaRow } from '../../../src/parquet';

/** Rows and bodies for a shard, plus readers that share no code with the planner. */

export interface Shard {
  rows: MediaRow[];
  bodies: Map<number, Uint8Array>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic pseudo-random bytes (a linear congruential generator seeded per body). */
export function bodyBytes(seed: number, size: number): Uint8Array {
  let state = seed >>> 0;
  const bytes = new Uint8Array(size);
  for (let position = 0; position < size; position++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    bytes[position] = state >>> 24;
  }
  return bytes;
}

export interface ShardSpec {
  count: number;
  contentType?: (row: number) => string;
  size?: (row: number) => number;
}

/**
 * Rows with every kind of value: a null sha256 every third row, a null reviewed_at every fourth,
 * an empty body every fifth, times with sub-second milliseconds, ids with non-ASCII text, and
 * member indexes that are not the row positions.
 */
export function makeShard(spec: ShardSpec): Shard {
  const rows: MediaRow[] = [];
  const bodies = new Map<number, Uint8Array>();
  for (let row = 0; row < spec.count; row++) {
    const size = spec.size ? spec.size(row) : row % 5 === 0 ? 0 : 100 + ((row * 7919) % 3000);
    const memberIndex = 1000 + row * 3;
    const body = bodyBytes(row + 1, size);
    bodies.set(memberIndex, body);
    const contentType = spec.contentType ? spec.contentType(row) : 'audio/wav';
    rows.push({
      id: `sub-${row}-ü`,
      taskId: `task-${row % 7}`,
      contentType,
      size,
      sha256: row % 3 === 0 ? null : sha256Hex(body),
      createdAt: new Date(Date.UTC(2026, 10, 1, 8, 0, 0, 0) + row * 1_000_003),
      reviewedAt: row % 4 === 0 ? null : new Date(Date.UTC(2026, 10, 2, 9, 30, 0, 123) + row * 77),
      path: `sub-${row}.${contentType.split('/')[1]}`,
      memberIndex,
    });
  }
  return { rows, bodies };
}

/** What a reader must read back for a row, in one comparable shape. */
export interface ReadRow {
  id: string;
  taskId: string;
  contentType: string;
  size: string;
  sha256: string | null;
  createdAtMicros: string;
  reviewedAtMicros: string | null;
  bodySha256: string;
  bodyLength: string;
  path: string;
}

export function expectedRows(shard: Shard): ReadRow[] {
  return shard.rows.map((row) => {
    const body = shard.bodies.get(row.memberIndex);
    if (!body) throw new Error(`no body for ${row.id}`);
    return {
      id: row.id,
      taskId: row.taskId,
      contentType: row.contentType,
      size: String(row.size),
      sha256: row.sha256,
      createdAtMicros: String(BigInt(row.createdAt.getTime()) * 1000n),
      reviewedAtMicros: row.reviewedAt === null ? null : String(BigInt(row.reviewedAt.getTime()) * 1000n),
      bodySha256: sha256Hex(body),
      bodyLength: String(body.length),
      path: row.path,
    };
  });
}

export function writeShardFile(directory: string, name: string, bytes: Uint8Array): string {
  const path = join(directory, name);
  writeFileSync(path, bytes);
  return path;
}

export async function duckDb(sql: string): Promise<Record<string, unknown>[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Every row as DuckDB reads it; sha256() of the media blob computed inside DuckDB. */
export async function readWithDuckDb(path: string, media: MediaColumn): Promise<ReadRow[]> {
  const rows = await duckDb(
    `select id, task_id, content_type, size::varchar as size, sha256,
       epoch_us(created_at)::varchar as created_us, epoch_us(reviewed_at)::varchar as reviewed_us,
       sha256(${media}.bytes) as body_sha256, octet_length(${media}.bytes)::varchar as body_length,
       ${media}.path as path
     from read_parquet(${quote(path)})`,
  );
  return rows.map((row) => ({
    id: row.id as string,
    taskId: row.task_id as string,
    contentType: row.content_type as string,
    size: row.size as string,
    sha256: row.sha256 as string | null,
    createdAtMicros: row.created_us as string,
    reviewedAtMicros: row.reviewed_us as string | null,
    bodySha256: row.body_sha256 as string,
    bodyLength: row.body_length as string,
    path: row.path as string,
  }));
}

export function arrayBufferOf(path: string): ArrayBuffer {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Every row as hyparquet reads it, timestamps as the raw microsecond counts. */
export async function readWithHyparquet(path: string, media: MediaColumn): Promise<ReadRow[]> {
  const { parquetReadObjects } = await import('hyparquet');
  const objects = await parquetReadObjects({
    file: arrayBufferOf(path),
    utf8: false,
    parsers: { timestampFromMicroseconds: (micros: bigint) => micros },
  });
  return objects.map((row) => {
    const struct = row[media] as { bytes: Uint8Array; path: string };
    const micros = (value: unknown) => (value === null ? null : String(value as bigint));
    return {
      id: row.id as string,
      taskId: row.task_id as string,
      contentType: row.content_type as string,
      size: String(row.size as bigint),
      sha256: row.sha256 as string | null,
      createdAtMicros: micros(row.created_at) as string,
      reviewedAtMicros: micros(row.reviewed_at),
      bodySha256: sha256Hex(struct.bytes),
      bodyLength: String(struct.bytes.length),
      path: struct.path,
    };
  });
}
