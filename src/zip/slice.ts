import { encodeCentralHeaders, resolveCrc32, type Crc32Overrides } from './central-directory';
import { ZipPlanError } from './errors';
import { encodeDataDescriptor, encodeLocalHeader } from './headers';
import type { ArchivePlan, PlannedEntry } from './types';
import { type ContainerSegment, lastAtOrBefore, SegmentList } from '../containers/layout';

/** One piece of an archive byte range: the container segment every format slices into. */
export type ArchiveSegment = ContainerSegment;

/** Half-open [start, end) byte region of the archive, and a way to produce its bytes on demand. */
interface Region {
  start: number;
  end: number;
  bytes: () => Uint8Array;
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
  return output.flush();
}

function emitData(entry: PlannedEntry, start: number, end: number, output: SegmentList): void {
  const dataEnd = entry.dataOffset + entry.dataLength;
  if (dataEnd <= start || entry.dataOffset >= end || entry.dataLength === 0) return;
  const from = Math.max(start, entry.dataOffset) - entry.dataOffset;
  const to = Math.min(end, dataEnd) - entry.dataOffset;
  if (entry.body.kind === 'inline') output.addBytes(entry.body.bytes.subarray(from, to));
  else output.addMember(entry.index, from, to - 1);
}
