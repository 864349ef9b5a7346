import { describe, expect, it } from 'vitest';
import { planTar } from '../../../src/tar/plan';
import { assembleContainer, assembleContainerRange } from '../../support/container-assembly';
import { buildMemberSet } from './members-fixture';

/**
 * Any byte range, assembled from the layout alone, is the same bytes cut from the whole archive:
 * what Range requests and multipart parts rely on.
 */
const set = buildMemberSet();
const layout = planTar(set.members);
const whole = assembleContainer(layout, set.bodies);

/** A small deterministic generator (mulberry32), so a failing range can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

function expectRange(start: number, end: number): void {
  const range = assembleContainerRange(layout, set.bodies, start, end);
  expect(Buffer.from(range).equals(whole.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
}

describe('ranges of a tar layout', () => {
  it('equal the whole archive cut at 2,000 random ranges, short and long', () => {
    const next = random(20260314);
    for (let trial = 0; trial < 2000; trial++) {
      const start = Math.floor(next() * whole.length);
      const longest = trial % 2 === 0 ? 1100 : whole.length - start;
      const end = Math.min(whole.length - 1, start + Math.floor(next() * longest));
      expectRange(start, end);
    }
  });

  it('equal the whole archive at every boundary between a header, its body and its padding', () => {
    for (const body of layout.storedBodies) {
      for (const point of [body.offset - 512, body.offset - 1, body.offset, body.offset + body.length]) {
        for (const [start, end] of [
          [point - 1, point],
          [point, point],
          [point, point + 511],
        ] as const) {
          if (start >= 0 && end < whole.length) expectRange(start, end);
        }
      }
    }
  });

  it('of header bytes only are produced bytes, with no member segment', () => {
    for (const body of layout.storedBodies) {
      const segments = layout.slice(body.offset - 512, body.offset - 1);
      expect(segments.map((segment) => segment.kind)).toEqual(['bytes']);
      expectRange(body.offset - 512, body.offset - 1);
      expectRange(body.offset - 300, body.offset - 200);
    }
    // The first block: the manifest's header.
    expect(layout.slice(0, 511).map((segment) => segment.kind)).toEqual(['bytes']);
  });

  it('of a stored body are one member segment relative to that body', () => {
    const body = layout.storedBodies.find((candidate) => candidate.length > 1000)!;
    expect(layout.slice(body.offset + 10, body.offset + 20)).toEqual([
      { kind: 'member', index: body.index, start: 10, end: 20 },
    ]);
  });

  it('give the last byte alone, a zero of the end-of-archive marker', () => {
    const segments = layout.slice(whole.length - 1, whole.length - 1);
    expect(segments).toEqual([{ kind: 'bytes', bytes: new Uint8Array(1) }]);
    expectRange(whole.length - 1, whole.length - 1);
    expectRange(0, 0);
  });

  it('refuse ranges outside the archive', () => {
    expect(() => layout.slice(0, whole.length)).toThrow(RangeError);
    expect(() => layout.slice(-1, 0)).toThrow(RangeError);
    expect(() => layout.slice(5, 4)).toThrow(RangeError);
  });
});
