import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZipPlanError } from '../../../src/zip/errors';
import { planManifestMember } from '../../../src/zip/manifest';
import { planArchive } from '../../../src/zip/plan';
import { sliceArchive } from '../../../src/zip/slice';
import type { ArchiveMember, ArchivePlan } from '../../../src/zip/types';
import { assembleArchive, assembleRange, bodiesFromArrays } from './archive-fixture';

/** A deterministic pseudo-random sequence, so a failing range can be reproduced. */
function randomSource(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return Math.floor((state / 0x1_0000_0000) * below);
  };
}

const modifiedAt = new Date('2025-11-02T08:00:00Z');

function fixture(): { plan: ArchivePlan; bodies: Uint8Array[]; archive: Uint8Array } {
  const random = randomSource(7);
  const bodies: Uint8Array[] = [new Uint8Array(0)];
  const members: ArchiveMember[] = [planManifestMember('a,b\n1,2\n3,4\n', modifiedAt)];
  const sizes = [0, 1, 2, 17, 300, 4096, 0, 5, 1000];
  for (const [index, size] of sizes.entries()) {
    const body = Uint8Array.from({ length: size }, () => random(256));
    bodies.push(body);
    members.push({ name: `task/${index}-ü.bin`, size, crc32: zlibCrc32(body) >>> 0, modifiedAt, body: 'stored' });
  }
  const plan = planArchive(members);
  return { plan, bodies, archive: assembleArchive(plan, bodiesFromArrays(bodies)) };
}

describe('sliceArchive', () => {
  const { plan, bodies, archive } = fixture();
  const source = bodiesFromArrays(bodies);

  it('the whole-archive slice has exactly the planned length and ends with the end record', () => {
    expect(archive.length).toBe(plan.totalLength);
    expect(Buffer.from(archive.subarray(archive.length - 22, archive.length - 18)).readUInt32LE()).toBe(0x06054b50);
  });

  it('any range equals the same bytes of the full archive (random ranges, every kind of boundary)', () => {
    const random = randomSource(42);
    const interesting = new Set<number>([0, plan.totalLength - 1, plan.centralDirectoryOffset, plan.endRecordsOffset]);
    for (const entry of plan.entries) {
      for (const point of [
        entry.localHeaderOffset,
        entry.localHeaderOffset + 5,
        entry.dataOffset,
        entry.dataOffset + entry.dataLength - 1,
        entry.centralHeaderOffset + 3,
      ]) {
        if (point >= 0 && point < plan.totalLength) interesting.add(point);
      }
    }
    const points = [...interesting];
    const ranges: [number, number][] = [];
    for (const point of points) ranges.push([point, point]);
    for (let round = 0; round < 2000; round += 1) {
      const a = random(2) === 0 ? (points[random(points.length)] ?? 0) : random(plan.totalLength);
      const b = random(3) === 0 ? a + random(40) : random(plan.totalLength);
      ranges.push([Math.min(a, b), Math.min(Math.max(a, b), plan.totalLength - 1)]);
    }
    for (const [start, end] of ranges) {
      const piece = assembleRange(plan, start, end, source);
      expect(piece.length, `range ${start}-${end}`).toBe(end - start + 1);
      expect(Buffer.from(piece).equals(archive.subarray(start, end + 1)), `range ${start}-${end}`).toBe(true);
    }
  });

  it('consecutive slices reassemble the identical file', () => {
    for (const step of [1, 7, 64, 1000]) {
      const parts: Uint8Array[] = [];
      for (let start = 0; start < plan.totalLength; start += step) {
        parts.push(assembleRange(plan, start, Math.min(start + step, plan.totalLength) - 1, source));
      }
      expect(Buffer.concat(parts).equals(archive)).toBe(true);
    }
  });

  it('maps body bytes to member ranges relative to the body, inclusive', () => {
    const entry = plan.entries[5];
    if (entry === undefined) throw new Error('fixture has no entry 5');
    const segments = sliceArchive(plan, entry.dataOffset + 10, entry.dataOffset + 19);
    expect(segments).toEqual([{ kind: 'member', index: 5, start: 10, end: 19 }]);
  });

  it('rejects ranges outside the archive', () => {
    expect(() => sliceArchive(plan, -1, 3)).toThrow(ZipPlanError);
    expect(() => sliceArchive(plan, 5, 4)).toThrow(ZipPlanError);
    expect(() => sliceArchive(plan, 0, plan.totalLength)).toThrow(ZipPlanError);
  });

  it('needs the in-stream CRC for descriptor and central bytes of an unknown-CRC member, and only those', () => {
    const body = Uint8Array.of(1, 2, 3);
    const unknown = planArchive([{ name: 'a.bin', size: 3, crc32: null, modifiedAt, body: 'stored' }]);
    expect(unknown.rangesSupported).toBe(false);
    const entry = unknown.entries[0];
    if (entry === undefined) throw new Error('no entry');
    expect(sliceArchive(unknown, 0, entry.dataDescriptorOffset - 1).length).toBe(2);
    expect(() => sliceArchive(unknown, 0, unknown.totalLength - 1)).toThrow(/not known yet/);
    const crc = zlibCrc32(body) >>> 0;
    const bytes = assembleArchive(unknown, bodiesFromArrays([body]), new Map([[0, crc]]));
    expect(bytes.length).toBe(unknown.totalLength);
  });
});

describe('central directory of 70,000 members', () => {
  const members: ArchiveMember[] = Array.from({ length: 70_000 }, (_, index) => ({
    name: `task-${index % 50}/submission-${index}.jpg`,
    size: 1_000_000 + index,
    crc32: index,
    modifiedAt,
    body: 'stored' as const,
  }));

  // Timings are printed, not asserted: this machine is shared and noisy (bench/ measures speed).
  it('plans 70,000 members; the whole directory and a 200-byte tail slice agree byte for byte', () => {
    const planStarted = performance.now();
    const plan = planArchive(members);
    const planMilliseconds = performance.now() - planStarted;
    const encodeStarted = performance.now();
    const whole = sliceArchive(plan, plan.centralDirectoryOffset, plan.totalLength - 1);
    const encodeMilliseconds = performance.now() - encodeStarted;
    const tailStarted = performance.now();
    const tail = sliceArchive(plan, plan.totalLength - 200, plan.totalLength - 1);
    const tailMilliseconds = performance.now() - tailStarted;
    console.info(
      `70,000 members: plan ${planMilliseconds.toFixed(1)} ms, central directory ${encodeMilliseconds.toFixed(1)} ms, 200-byte tail ${tailMilliseconds.toFixed(2)} ms`,
    );

    expect(whole).toHaveLength(1);
    const [segment] = whole;
    expect(segment?.kind === 'bytes' && segment.bytes.length).toBe(plan.totalLength - plan.centralDirectoryOffset);
    expect(
      tail[0]?.kind === 'bytes' &&
        Buffer.from(tail[0].bytes).equals(Buffer.from((segment as { bytes: Uint8Array }).bytes.subarray(-200))),
    ).toBe(true);
  });
});
