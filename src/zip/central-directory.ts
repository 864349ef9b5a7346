import { viewOf } from './bytes';
import { ZipPlanError } from './errors';
import { maximum32 } from './format';
import { writeCentralHeader } from './headers';
import type { ArchivePlan, PlannedEntry } from './types';

/** CRC-32 values computed while streaming, by entry index, for entries planned without one. */
export type Crc32Overrides = ReadonlyMap<number, number>;

/**
 * The CRC an entry's central header and data descriptor carry: the planned one when known (an
 * override never replaces it), else the one computed in-stream.
 */
export function resolveCrc32(entry: PlannedEntry, overrides?: Crc32Overrides): number {
  if (entry.crc32 !== null) return entry.crc32;
  const computed = overrides?.get(entry.index);
  if (computed === undefined) {
    throw new ZipPlanError('crc32_unknown', `CRC-32 of member ${JSON.stringify(entry.name)} is not known yet`);
  }
  if (!(Number.isInteger(computed) && computed >= 0 && computed <= maximum32)) {
    throw new ZipPlanError(
      'invalid_crc32',
      `computed CRC-32 ${computed} of member ${JSON.stringify(entry.name)} is invalid`,
    );
  }
  return computed;
}

/**
 * Central headers of entries [firstIndex, endIndex) as one contiguous buffer, which starts at
 * `plan.entries[firstIndex].centralHeaderOffset` in the archive. Range requests encode only the
 * entries they overlap.
 */
export function encodeCentralHeaders(
  plan: ArchivePlan,
  firstIndex: number,
  endIndex: number,
  overrides?: Crc32Overrides,
): Uint8Array {
  const first = plan.entries[firstIndex];
  const last = plan.entries[endIndex - 1];
  if (first === undefined || last === undefined || endIndex <= firstIndex) return new Uint8Array(0);
  const base = first.centralHeaderOffset;
  const bytes = new Uint8Array(last.centralHeaderOffset + last.centralHeaderLength - base);
  const view = viewOf(bytes);
  for (let index = firstIndex; index < endIndex; index += 1) {
    const entry = plan.entries[index] as PlannedEntry;
    writeCentralHeader(view, entry.centralHeaderOffset - base, entry, resolveCrc32(entry, overrides));
  }
  return bytes;
}

/**
 * The whole central directory (APPNOTE 4.3.12), `plan.centralDirectorySize` bytes. A writer
 * streaming members of unknown CRC calls this last, with the CRCs it computed in-stream.
 */
export function encodeCentralDirectory(plan: ArchivePlan, overrides?: Crc32Overrides): Uint8Array {
  return encodeCentralHeaders(plan, 0, plan.entries.length, overrides);
}
