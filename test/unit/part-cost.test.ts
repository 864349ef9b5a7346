import { describe, expect, it } from 'vitest';
import { partSubrequests } from '../../src/datasets/part-cost';
import { planUploadParts, type PlannedPart } from '../../src/datasets/part-plan';
import { type ServerSideCopyMode, serverSideCopyModes } from '../../src/s3/server-side-copy';
import { planArchive, planManifestMember, zipContainer, type ArchiveMember, type ArchivePlan } from '../../src/zip';

// The most subrequests a part may make, which the build's per-invocation budget adds up
// (wrangler.toml [limits]): checked against a count made here from the plan's entries alone.

const minimumPart = 1000;
const limits = {
  minimumPart,
  copyThreshold: minimumPart,
  streamPartSize: 2 * minimumPart,
  maximumPart: 5 * minimumPart,
};
const modifiedAt = new Date('2026-11-01T00:00:00Z');

function planOf(sizes: number[]): ArchivePlan {
  const members: ArchiveMember[] = [planManifestMember('id,size\r\n', modifiedAt)];
  for (const [position, size] of sizes.entries()) {
    members.push({ name: `m/${position}.bin`, size, crc32: 7, modifiedAt, body: 'stored' });
  }
  return planArchive(members);
}

/** Stored members with bytes in archive range [start, end): each is one ranged GET. */
function membersIn(plan: ArchivePlan, start: number, end: number): number {
  return plan.entries.filter(
    (entry) =>
      entry.body.kind === 'stored' &&
      entry.dataLength > 0 &&
      entry.dataOffset < end &&
      entry.dataOffset + entry.dataLength > start,
  ).length;
}

/**
 * 4 statements to record it; UploadPart + 4 GETs per member, or UploadPartCopy + HEAD; +4 for a
 * composed part's own object. A part that copies is streamed whole where copies are not asked
 * for (`never`), and may be both in `auto`.
 */
function expectedCost(plan: ArchivePlan, part: PlannedPart, mode: ServerSideCopyMode): number {
  const streamedWhole = 1 + 4 * membersIn(plan, part.archiveStart, part.archiveEnd);
  if (part.kind === 'stream') return 4 + streamedWhole;
  let copied = part.kind === 'composed' ? 4 : 0;
  for (const piece of part.pieces)
    copied += piece.kind === 'copy' ? 2 : 1 + 4 * membersIn(plan, piece.start, piece.end);
  if (mode === 'always') return 4 + copied;
  if (mode === 'never') return 4 + streamedWhole;
  return 4 + copied + streamedWhole;
}

describe('partSubrequests', () => {
  it('counts one GET per member with bytes in a streamed part, four times over, and none for empty members', () => {
    const plan = planOf([0, 10, 20, 0, 30, 5]);
    const [part] = planUploadParts(zipContainer(plan), limits).parts;
    expect(planUploadParts(zipContainer(plan), limits).parts).toHaveLength(1);
    expect(partSubrequests(zipContainer(plan), part!)).toBe(4 + 1 + 4 * 4);
  });

  it.each(serverSideCopyModes)(
    'counts copies as a copy and a HEAD, composed parts with their temporary object, and the stream that replaces them (%s)',
    (mode) => {
      const plan = planOf([50, 2600, 30, 40, 1700, 20, 1000, 6000, 10]);
      const parts = planUploadParts(zipContainer(plan), limits).parts;
      expect(new Set(parts.map((part) => part.kind))).toEqual(new Set(['stream', 'copy', 'composed']));
      for (const part of parts)
        expect(partSubrequests(zipContainer(plan), part, mode), `part ${part.partNumber} (${part.kind})`).toBe(
          expectedCost(plan, part, mode),
        );
      const copy = parts.find((part) => part.kind === 'copy')!;
      // A copy of one member's body: UploadPartCopy and HEAD; streamed, one UploadPart and 4 GETs.
      const expected = { always: 4 + 2, never: 4 + 5, auto: 4 + 2 + 5 }[mode];
      expect(partSubrequests(zipContainer(plan), copy, mode)).toBe(expected);
    },
  );
});
