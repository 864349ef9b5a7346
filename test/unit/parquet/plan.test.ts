import { describe, expect, it } from 'vitest';
import {
  largestMediaBytes,
  type MediaRow,
  mediaColumnFor,
  ParquetPlanError,
  type ParquetPlanOptions,
  parquetEtag,
  planMediaParquet,
} from '../../../src/parquet';
import { assembleContainer, assembleContainerRange } from '../../support/container-assembly';
import { makeShard } from './parquet-fixture';

function planError(rows: readonly MediaRow[], options?: ParquetPlanOptions): ParquetPlanError {
  try {
    planMediaParquet(rows, options);
  } catch (error) {
    if (error instanceof ParquetPlanError) return error;
    throw error;
  }
  throw new Error('planMediaParquet accepted the rows');
}

const ascii = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('planMediaParquet layout', () => {
  it('starts and ends with PAR1 and ends with the footer length before it', () => {
    const shard = makeShard({ count: 9 });
    const layout = planMediaParquet(shard.rows);
    const bytes = assembleContainer(layout, shard.bodies);
    expect(bytes.length).toBe(layout.totalLength);
    expect(ascii(bytes.subarray(0, 4))).toBe('PAR1');
    expect(ascii(bytes.subarray(bytes.length - 4))).toBe('PAR1');
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
    expect(footerLength).toBeGreaterThan(0);
    expect(footerLength).toBeLessThan(bytes.length - 12);
    expect(layout.rangesSupported).toBe(true);
  });

  it('places every media body contiguous and unchanged where storedBodies says', () => {
    const shard = makeShard({ count: 31 });
    const layout = planMediaParquet(shard.rows, { rowGroupMaxRows: 8 });
    const bytes = assembleContainer(layout, shard.bodies);
    expect(layout.storedBodies.map((body) => body.index)).toEqual(shard.rows.map((row) => row.memberIndex));
    expect(layout.storedBodies.map((body) => body.name)).toEqual(shard.rows.map((row) => row.path));
    let previousEnd = 0;
    for (const stored of layout.storedBodies) {
      const body = shard.bodies.get(stored.index);
      if (!body) throw new Error(`no body ${stored.index}`);
      expect(stored.length).toBe(body.length);
      expect(Buffer.from(bytes.subarray(stored.offset, stored.offset + stored.length)).equals(Buffer.from(body))).toBe(
        true,
      );
      // The page body before it: definition level 2 in one RLE run, then the PLAIN length.
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      expect(view.getUint32(stored.offset - 4, true)).toBe(body.length);
      expect(Array.from(bytes.subarray(stored.offset - 10, stored.offset - 4))).toEqual([2, 0, 0, 0, 2, 2]);
      expect(stored.offset).toBeGreaterThan(previousEnd);
      previousEnd = stored.offset + stored.length;
    }
  });

  it('slices: any range equals the same bytes of the whole file', () => {
    const shard = makeShard({ count: 40 });
    const layout = planMediaParquet(shard.rows, { rowGroupMaxRows: 16 });
    const whole = assembleContainer(layout, shard.bodies);
    let state = 7;
    const next = (limit: number) => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state % limit;
    };
    for (let attempt = 0; attempt < 300; attempt++) {
      const start = next(layout.totalLength);
      const end = Math.min(layout.totalLength - 1, start + next(attempt % 3 === 0 ? 20 : 5000));
      const range = assembleContainerRange(layout, shard.bodies, start, end);
      expect(Buffer.from(range).equals(Buffer.from(whole.subarray(start, end + 1)))).toBe(true);
    }
    // A range inside one body is one member segment, relative to that body.
    const body = layout.storedBodies.find((stored) => stored.length > 10);
    if (!body) throw new Error('a body of more than 10 bytes expected');
    expect(layout.slice(body.offset + 2, body.offset + 9)).toEqual([
      { kind: 'member', index: body.index, start: 2, end: 9 },
    ]);
  });

  it('is deterministic: the same rows give the same bytes and ETag', async () => {
    const first = makeShard({ count: 12 });
    const second = makeShard({ count: 12 });
    const one = assembleContainer(planMediaParquet(first.rows), first.bodies);
    const two = assembleContainer(planMediaParquet(second.rows), second.bodies);
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(true);
    const etag = await parquetEtag(first.rows);
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(await parquetEtag(second.rows)).toBe(etag);
  });

  it('changes the ETag with any field of any row, and with the options', async () => {
    const { rows } = makeShard({ count: 4 });
    const base = await parquetEtag(rows);
    const changes: Partial<MediaRow>[] = [
      { id: 'other' },
      { taskId: 'other' },
      { contentType: 'audio/ogg' },
      { size: (rows[2]?.size ?? 0) + 1 },
      { sha256: 'f'.repeat(64) },
      { sha256: null },
      { createdAt: new Date((rows[2]?.createdAt.getTime() ?? 0) + 1) },
      { reviewedAt: new Date((rows[2]?.reviewedAt?.getTime() ?? 0) + 1) },
      { reviewedAt: null },
      { path: 'other.wav' },
    ];
    const seen = new Set([base]);
    for (const change of changes) {
      const changed = rows.map((row, position) => (position === 2 ? { ...row, ...change } : row));
      const etag = await parquetEtag(changed);
      expect(seen.has(etag), JSON.stringify(change)).toBe(false);
      seen.add(etag);
    }
    expect(await parquetEtag(rows, { rowGroupMaxRows: 2 })).not.toBe(base);
    expect(await parquetEtag([...rows].reverse())).not.toBe(base);
    // memberIndex only says which object fills a body, not what the file holds.
    expect(await parquetEtag(rows.map((row) => ({ ...row, memberIndex: row.memberIndex + 1 })))).toBe(base);
  });

  it('accepts a body of exactly largestMediaBytes and refuses one byte more, naming the row', () => {
    expect(largestMediaBytes).toBe(2 ** 31 - 1 - 10);
    const [row] = makeShard({ count: 1 }).rows;
    if (!row) throw new Error('one row expected');
    const largest = planMediaParquet([{ ...row, size: largestMediaBytes }]);
    expect(largest.storedBodies[0]?.length).toBe(largestMediaBytes);
    const error = planError([{ ...row, id: 'too-big', size: largestMediaBytes + 1 }]);
    expect(error.kind).toBe('value_too_large');
    expect(error.message).toContain('"too-big"');
  });
});

describe('planMediaParquet refuses', () => {
  const [row] = makeShard({ count: 1 }).rows;
  if (!row) throw new Error('one row expected');

  it('no rows', () => {
    expect(planError([]).kind).toBe('empty');
  });

  it.each<[string, Partial<MediaRow>]>([
    ['an empty id', { id: '' }],
    ['a lone surrogate', { taskId: 'a\uD800b' }],
    ['an empty content type', { contentType: '' }],
    ['an empty path', { path: '' }],
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['upper-case sha256', { sha256: 'A'.repeat(64) }],
    ['short sha256', { sha256: 'a'.repeat(63) }],
    ['an invalid createdAt', { createdAt: new Date(Number.NaN) }],
    ['an invalid reviewedAt', { reviewedAt: new Date('nope') }],
    ['a negative memberIndex', { memberIndex: -1 }],
  ])('a row with %s', (_, change) => {
    const error = planError([{ ...row, ...change }]);
    expect(error.kind).toBe('invalid_row');
  });

  it.each<ParquetPlanOptions>([{ rowGroupMaxRows: 0 }, { rowGroupMaxRows: 2 ** 31 }, { rowGroupMaxBytes: 0 }])(
    'options %j',
    (options) => {
      expect(planError([row], options).kind).toBe('invalid_options');
    },
  );
});

describe('mediaColumnFor', () => {
  it('names the column after the one kind, else media', () => {
    expect(mediaColumnFor(['audio/wav', 'Audio/OGG'])).toBe('audio');
    expect(mediaColumnFor(['image/png', 'image/jpeg'])).toBe('image');
    expect(mediaColumnFor(['video/mp4'])).toBe('media');
    expect(mediaColumnFor(['audio/wav', 'image/png'])).toBe('media');
    expect(mediaColumnFor(['audio/wav', 'application/octet-stream'])).toBe('media');
    expect(mediaColumnFor([])).toBe('media');
  });
});
