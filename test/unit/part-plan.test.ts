import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { planUploadParts, PartPlanError, type PartPlan } from '../../src/datasets/part-plan';
import { planArchive, planManifestMember, zipContainer, type ArchiveMember, type ArchivePlan } from '../../src/zip';
import { assembleArchive, assembleRange, bodiesFromArrays } from './zip/archive-fixture';

// Small limits so that archives with every shape fit in memory; the planner takes them as options.
const minimumPart = 1000;
const limits = {
  minimumPart,
  copyThreshold: minimumPart,
  streamPartSize: 2 * minimumPart,
  maximumPart: 5 * minimumPart,
};
const modifiedAt = new Date('2026-11-01T00:00:00Z');

function archiveOf(sizes: number[]): { plan: ArchivePlan; bodies: Uint8Array[] } {
  const bodies: Uint8Array[] = [new Uint8Array(0)];
  const members: ArchiveMember[] = [planManifestMember('id,size\r\n', modifiedAt)];
  sizes.forEach((size, position) => {
    const body = new Uint8Array(size).map((_, offset) => (offset * 31 + position * 7) & 0xff);
    bodies.push(body);
    members.push({ name: `m/${position}.bin`, size, crc32: crc32(body), modifiedAt, body: 'stored' });
  });
  return { plan: planArchive(members), bodies };
}

/** The archive rebuilt as the object store assembles it: each part from its pieces alone. */
function rebuild(plan: ArchivePlan, partPlan: PartPlan, bodies: Uint8Array[]): Uint8Array {
  const source = bodiesFromArrays(bodies);
  const chunks: Uint8Array[] = [];
  for (const part of partPlan.parts) {
    for (const piece of part.pieces) {
      if (piece.kind === 'stream') chunks.push(assembleRange(plan, piece.start, piece.end - 1, source));
      else chunks.push(bodies[piece.memberIndex]!.subarray(piece.start, piece.end));
    }
  }
  return Buffer.concat(chunks);
}

function checkInvariants(plan: ArchivePlan, partPlan: PartPlan) {
  const { parts } = partPlan;
  expect(parts[0]!.archiveStart).toBe(0);
  expect(parts.at(-1)!.archiveEnd).toBe(plan.totalLength);
  parts.forEach((part, position) => {
    expect(part.partNumber).toBe(position + 1);
    if (position > 0) expect(part.archiveStart).toBe(parts[position - 1]!.archiveEnd);
    const length = part.archiveEnd - part.archiveStart;
    expect(part.pieces.reduce((sum, piece) => sum + piece.end - piece.start, 0)).toBe(length);
    // S3's rule: every part but the last at least the minimum, none above the maximum.
    if (position < parts.length - 1) expect(length).toBeGreaterThanOrEqual(minimumPart);
    expect(length).toBeLessThanOrEqual(limits.maximumPart);
    if (part.kind === 'composed') {
      const [copy, stream] = part.pieces;
      expect(copy!.kind).toBe('copy');
      expect(stream!.kind).toBe('stream');
      // The copied part of the temporary object is not its last part, so it too obeys the minimum.
      expect(copy!.end - copy!.start).toBeGreaterThanOrEqual(minimumPart);
      expect(copy!.end - copy!.start).toBeLessThan(2 * minimumPart);
    }
    if (part.kind === 'copy') expect(part.pieces).toHaveLength(1);
  });
}

describe('planUploadParts', () => {
  const shapes: Record<string, number[]> = {
    'only small members': [10, 0, 300, 999],
    'small members adding up to many parts': Array.from({ length: 40 }, (_, index) => 100 + index * 7),
    'large members back to back': [3000, 4000, 2500, 1000],
    'large members between runs of small ones': [5, 2000, 7, 8, 9, 12000, 600, 700, 800, 2100, 1, 3],
    'a long small run before a large member': [900, 900, 900, 3000, 10],
    'a first large member that is too small after borrowing': [1200, 2200, 5],
    'one large member only': [4321],
    'a member longer than the largest part': [23_456, 100],
  };
  for (const [shape, sizes] of Object.entries(shapes)) {
    it(`rebuilds the archive byte for byte: ${shape}`, () => {
      const { plan, bodies } = archiveOf(sizes);
      const partPlan = planUploadParts(zipContainer(plan), limits);
      checkInvariants(plan, partPlan);
      expect(Buffer.compare(rebuild(plan, partPlan, bodies), assembleArchive(plan, bodiesFromArrays(bodies)))).toBe(0);
      const pieceBytes = partPlan.parts
        .flatMap((part) => part.pieces)
        .reduce((sum, piece) => sum + piece.end - piece.start, 0);
      expect(pieceBytes).toBe(plan.totalLength);
    });
  }

  it('copies large bodies and streams only headers and small members, borrowing once at the start', () => {
    const sizes = [10, 20, 5000, 30, 6000, 40, 7000];
    const { plan } = archiveOf(sizes);
    const partPlan = planUploadParts(zipContainer(plan), limits);
    const largeBytes = 5000 + 6000 + 7000;
    const smallAndHeaders = plan.totalLength - largeBytes;
    // The first part is the bytes before member 3 plus what it borrows of that member's body.
    expect(partPlan.parts[0]!.archiveEnd - partPlan.parts[0]!.archiveStart).toBe(minimumPart);
    const borrowed = minimumPart - plan.entries[3]!.localHeaderOffset - plan.entries[3]!.localHeaderLength;
    expect(partPlan.streamedBytes).toBe(smallAndHeaders + borrowed);
    // Each large body is copied once, and the tails joined to small bytes a second time.
    const composedCopies = partPlan.parts
      .filter((part) => part.kind === 'composed')
      .map((part) => part.pieces[0]!.end - part.pieces[0]!.start);
    expect(composedCopies).toEqual([minimumPart, minimumPart]);
    expect(partPlan.copiedBytes).toBe(largeBytes - borrowed + 2 * minimumPart);
  });

  it('refuses an archive whose CRCs are not all known, since copied bodies are never read', () => {
    const plan = planArchive([{ name: 'a.bin', size: 5000, crc32: null, modifiedAt, body: 'stored' }]);
    expect(() => planUploadParts(zipContainer(plan), limits)).toThrow(PartPlanError);
  });

  it('refuses an archive that would need more than 10,000 parts', () => {
    const many = archiveOf(Array.from({ length: 5100 }, () => 20));
    expect(() =>
      planUploadParts(zipContainer(many.plan), {
        minimumPart: 10,
        copyThreshold: 10,
        streamPartSize: 10,
        maximumPart: 100,
      }),
    ).toThrow(/10000 parts|S3 allows/);
  });
});
