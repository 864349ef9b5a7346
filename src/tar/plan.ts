import {
  type ContainerLayout,
  layOutRegions,
  type ProducedRegion,
  producedBytes,
  type Region,
} from '../containers/layout';
import { TarPlanError } from './errors';
import { blockSize, maximumOctal11, typeflag } from './format';
import { encodeHeader } from './header';
import { type CheckedMember, checkMembers } from './members';
import { fallbackUstarPath, paxHeaderPath, ustarPath } from './names';
import { encodePaxRecords, type PaxRecord, paxRecordsLength } from './pax';
import type { TarMember } from './types';

/** Bytes that make `length` a whole number of blocks ("ustar Interchange Format": records of 512). */
function paddingLength(length: number): number {
  return (blockSize - (length % blockSize)) % blockSize;
}

/** Zeros, made when a slice reaches them, so no plan holds a buffer per member. */
function zeros(length: number): ProducedRegion {
  return { kind: 'bytes', length, bytes: () => new Uint8Array(length) };
}

/**
 * The pax records a member needs: `path` when its name does not fit the ustar fields, `size`
 * when its size does not fit 11 octal digits ("pax Extended Header": both override the header).
 */
function paxRecordsOf(member: CheckedMember): PaxRecord[] {
  const records: PaxRecord[] = [];
  if (ustarPath(member.nameBytes) === null) records.push({ keyword: 'path', value: member.name });
  if (member.size > maximumOctal11) records.push({ keyword: 'size', value: String(member.size) });
  return records;
}

/**
 * The extended header entry ("pax Header Block", typeflag 'x'): a header, the records as its
 * body, padding. One region, encoded only when a slice touches it.
 */
function paxEntryRegion(member: CheckedMember, records: readonly PaxRecord[]): ProducedRegion {
  const recordsLength = paxRecordsLength(records);
  const length = blockSize + recordsLength + paddingLength(recordsLength);
  return {
    kind: 'bytes',
    length,
    bytes: () => {
      const bytes = new Uint8Array(length);
      bytes.set(
        encodeHeader({
          ...paxHeaderPath(member.name),
          typeflag: typeflag.extendedHeader,
          size: recordsLength,
          mtimeSeconds: member.mtimeSeconds,
        }),
      );
      bytes.set(encodePaxRecords(records), blockSize);
      return bytes;
    },
  };
}

function memberHeaderRegion(member: CheckedMember, hasPaxPath: boolean, hasPaxSize: boolean): ProducedRegion {
  return {
    kind: 'bytes',
    length: blockSize,
    bytes: () =>
      encodeHeader({
        ...(hasPaxPath ? fallbackUstarPath(member.name) : ustarPath(member.nameBytes)!),
        typeflag: typeflag.regularFile,
        // The pax size record overrides this field; zeros keep it a valid octal number.
        size: hasPaxSize ? 0 : member.size,
        mtimeSeconds: member.mtimeSeconds,
      }),
  };
}

/**
 * Lays out a POSIX tar archive (POSIX.1-2017 pax, "ustar Interchange Format" with "pax
 * Interchange Format" extended headers where a name or size needs them): per member an optional
 * extended header entry, the ustar header, the body, zeros to the next 512-byte boundary; then
 * two zero blocks, the end-of-archive marker. A pure function of the member list: the same list
 * always gives the same bytes.
 *
 * The archive is not padded to a multiple of the 10,240-byte blocking factor: that exists for
 * tape drives, readers stop at the two zero blocks, and an exact length (Content-Length, ranges,
 * multipart parts) is simpler with nothing after them.
 */
export function planTar(members: readonly TarMember[]): ContainerLayout {
  const regions: Region[] = [];
  let totalLength = 0;
  for (const member of checkMembers(members)) {
    const records = paxRecordsOf(member);
    if (records.length > 0) regions.push(paxEntryRegion(member, records));
    regions.push(
      memberHeaderRegion(
        member,
        records.some((record) => record.keyword === 'path'),
        records.some((record) => record.keyword === 'size'),
      ),
    );
    if (member.body.kind === 'stored') {
      regions.push({ kind: 'member', index: member.body.index, name: member.name, length: member.size });
    } else if (member.size > 0) {
      regions.push(producedBytes(member.body.bytes));
    }
    const padding = paddingLength(member.size);
    if (padding > 0) regions.push(zeros(padding));
  }
  regions.push(zeros(2 * blockSize));
  for (const region of regions) totalLength += region.length;
  if (!Number.isSafeInteger(totalLength)) {
    throw new TarPlanError('invalid_size', `archive length ${totalLength} is beyond 2^53`);
  }
  return layOutRegions(regions);
}
