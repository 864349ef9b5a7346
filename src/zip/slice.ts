import { encodeCentralHeaders, resolveCrc32, type Crc32Overrides } from './central-directory';
import { ZipPlanError } from './errors';
import { encodeDataDescriptor, encodeLocalHeader } from './headers';
import type { ArchivePlan, PlannedEntry } from './types';

/**
 * One piece of an archive byte range: bytes the planner produces, or an inclusive range of a
 * stored member's body, relative to that body (an HTTP Range for the object store).
 */
export type ArchiveSegment =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'member'; index: number; start: number; end: number };

/** Half-open [start, end) byte region of the archive, and a way to produce its bytes on demand. */
interface Region {
  start: number;
  end: number;
  bytes: () => Uint8Array;
}

/** Last position whose value is ≤ target, over an ascending array; -1 when none. */
function lastAtOrBefore(length: number, valueAt: (position: number) => number, target: number): number {
  let low = 0;
  let high = length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (valueAt(middle) <= target) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

class SegmentList {
  readonly segments: ArchiveSegment[] = [];
  private pending: Uint8Array[] = [];

  addBytes(bytes: Uint8Array): void {
    if (bytes.length > 0) this.pending.push(bytes);
  }

  addMember(index: number, start: number, end: number): void {
    this.flush();
    this.segments.push({ kind: 'member', index, start, end });
  }

  /** Adjacent byte pieces (a descriptor and the next local header, say) become one segment. */
  flush(): void {
    if (this.pending.length === 0) return;
    const [only] = this.pending;
    if (this.pending.length === 1 && only !== undefined) {
      this.segments.push({ kind: 'bytes', bytes: only });
    } else {
      const joined = new Uint8Array(this.pending.reduce((sum, piece) => sum + piece.length, 0));
      let offset = 0;
      for (const piece of this.pending) {
        joined.set(piece, offset);
        offset += piece.length;
      }
      this.segments.push({ kind: 'bytes', bytes: joined });
    }
    this.pending = [];
  }
}

/**
 * The segments that make up exactly bytes [start, endInclusive] of the archive, in order. Only
 * what overlaps the range is encoded: the entries whose local records it touches, and the
 * central headers it touches (found by binary search), so a range near the end of a
 * 70,000-member archive costs a few headers. Bytes that need an unknown CRC (a data descriptor,
 * a central header) take it from `crcOverrides`, or the call throws 'crc32_unknown'.
 */
export function sliceArchive(
  plan: ArchivePlan,
  start: number,
  endInclusive: number,
  crcOverrides?: Crc32Overrides,
): ArchiveSegment[] {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(endInclusive) ||
    start < 0 ||
    endInclusive < start ||
    endInclusive >= plan.totalLength
  ) {
    throw new ZipPlanError(
      'invalid_range',
      `range ${start}-${endInclusive} is outside an archive of ${plan.totalLength} bytes`,
    );
  }
  const end = endInclusive + 1;
  const output = new SegmentList();
  const emit = (region: Region): void => {
    if (region.end <= start || region.start >= end || region.end === region.start) return;
    const bytes = region.bytes();
    output.addBytes(
      bytes.subarray(Math.max(start, region.start) - region.start, Math.min(end, region.end) - region.start),
    );
  };

  const { entries } = plan;
  const firstEntry = Math.max(
    0,
    lastAtOrBefore(entries.length, (position) => entries[position]?.localHeaderOffset ?? 0, start),
  );
  for (let index = firstEntry; index < entries.length; index += 1) {
    const entry = entries[index] as PlannedEntry;
    if (entry.localHeaderOffset >= end) break;
    emit({ start: entry.localHeaderOffset, end: entry.dataOffset, bytes: () => encodeLocalHeader(entry) });
    emitData(entry, start, end, output);
    const descriptorStart = entry.dataDescriptorOffset;
    emit({
      start: descriptorStart,
      end: descriptorStart + entry.dataDescriptorLength,
      bytes: () => encodeDataDescriptor(entry, resolveCrc32(entry, crcOverrides)),
    });
  }

  const directoryEnd = plan.centralDirectoryOffset + plan.centralDirectorySize;
  if (start < directoryEnd && end > plan.centralDirectoryOffset) {
    const offsetAt = (position: number): number => entries[position]?.centralHeaderOffset ?? 0;
    const first = Math.max(0, lastAtOrBefore(entries.length, offsetAt, start));
    const last = lastAtOrBefore(entries.length, offsetAt, end - 1);
    const regionStart = offsetAt(first);
    const lastEntry = entries[last] as PlannedEntry;
    emit({
      start: regionStart,
      end: lastEntry.centralHeaderOffset + lastEntry.centralHeaderLength,
      bytes: () => encodeCentralHeaders(plan, first, last + 1, crcOverrides),
    });
  }
  emit({ start: plan.endRecordsOffset, end: plan.totalLength, bytes: () => plan.endRecords });
  output.flush();
  return output.segments;
}

function emitData(entry: PlannedEntry, start: number, end: number, output: SegmentList): void {
  const dataEnd = entry.dataOffset + entry.dataLength;
  if (dataEnd <= start || entry.dataOffset >= end || entry.dataLength === 0) return;
  const from = Math.max(start, entry.dataOffset) - entry.dataOffset;
  const to = Math.min(end, dataEnd) - entry.dataOffset;
  if (entry.body.kind === 'inline') output.addBytes(entry.body.bytes.subarray(from, to));
  else output.addMember(entry.index, from, to - 1);
}
