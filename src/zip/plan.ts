import { toDosDateTime, toUnixSeconds } from './dos-time';
import { endRecordsLength, encodeEndRecords, needsZip64EndRecords } from './end-records';
import { ZipPlanError } from './errors';
import { generalPurposeFlag, maximum32 } from './format';
import { centralHeaderLength, dataDescriptorLength, localHeaderLength } from './headers';
import { encodeMemberName } from './names';
import type { ArchiveMember, ArchivePlan, EntryBody, PlannedEntry } from './types';

/** What a member contributes before any offset is known. */
interface NormalisedMember {
  name: string;
  nameBytes: Uint8Array;
  compressionMethod: 0 | 8;
  crc32: number | null;
  uncompressedSize: number;
  compressedSize: number;
  modifiedAt: Date;
  body: EntryBody;
}

function checkSize(name: string, size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ZipPlanError('invalid_size', `member ${JSON.stringify(name)} has invalid size ${size}`);
  }
  return size;
}

function checkCrc32(name: string, crc32: number | null): number | null {
  if (crc32 !== null && !(Number.isInteger(crc32) && crc32 >= 0 && crc32 <= maximum32)) {
    throw new ZipPlanError('invalid_crc32', `member ${JSON.stringify(name)} has invalid CRC-32 ${crc32}`);
  }
  return crc32;
}

function normalise(member: ArchiveMember): NormalisedMember {
  const nameBytes = encodeMemberName(member.name);
  if (!(member.modifiedAt instanceof Date) || Number.isNaN(member.modifiedAt.getTime())) {
    throw new ZipPlanError('invalid_time', `member ${JSON.stringify(member.name)} has an invalid modification time`);
  }
  if ('body' in member) {
    const size = checkSize(member.name, member.size);
    return {
      name: member.name,
      nameBytes,
      compressionMethod: 0,
      crc32: checkCrc32(member.name, member.crc32),
      uncompressedSize: size,
      compressedSize: size,
      modifiedAt: member.modifiedAt,
      body: { kind: 'stored' },
    };
  }
  const crc32 = checkCrc32(member.name, member.crc32);
  if (crc32 === null)
    throw new ZipPlanError('invalid_crc32', `compressed member ${JSON.stringify(member.name)} needs a CRC-32`);
  return {
    name: member.name,
    nameBytes,
    compressionMethod: 8,
    crc32,
    uncompressedSize: checkSize(member.name, member.uncompressedSize),
    compressedSize: member.compressed.length,
    modifiedAt: member.modifiedAt,
    body: { kind: 'inline', bytes: member.compressed },
  };
}

/**
 * Lays out the whole archive: members in the given order, each as local header, data and
 * (when its CRC is unknown) data descriptor, then the central directory and the end records.
 * A pure function of the member list: the same list always gives the same plan and bytes.
 *
 * Zip64 appears only where a value needs it: a size of 0xFFFFFFFF or more puts a Zip64 extra
 * in that entry's local and central headers; a local header offset that large puts one in its
 * central header only (the local header holds no offset). Either makes the entry's version
 * needed 4.5 (APPNOTE 4.4.3.2); otherwise it is 2.0, what stored and deflated entries need.
 */
export function planArchive(members: readonly ArchiveMember[]): ArchivePlan {
  const seen = new Set<string>();
  const entries: PlannedEntry[] = [];
  let cursor = 0;
  for (const [index, member] of members.entries()) {
    const normalised = normalise(member);
    if (seen.has(normalised.name)) {
      throw new ZipPlanError('duplicate_name', `member name ${JSON.stringify(normalised.name)} appears twice`);
    }
    seen.add(normalised.name);
    const { time: dosTime, date: dosDate } = toDosDateTime(normalised.modifiedAt);
    const usesDataDescriptor = normalised.crc32 === null;
    const zip64InLocalHeader = normalised.uncompressedSize >= maximum32 || normalised.compressedSize >= maximum32;
    const zip64InCentralHeader = {
      uncompressedSize: normalised.uncompressedSize >= maximum32,
      compressedSize: normalised.compressedSize >= maximum32,
      localHeaderOffset: cursor >= maximum32,
    };
    const shape = {
      nameBytes: normalised.nameBytes,
      zip64InLocalHeader,
      zip64InCentralHeader,
      unixModifiedSeconds: toUnixSeconds(normalised.modifiedAt),
    };
    const localLength = localHeaderLength(shape);
    const dataOffset = cursor + localLength;
    const dataDescriptorOffset = dataOffset + normalised.compressedSize;
    const descriptorLength = usesDataDescriptor ? dataDescriptorLength(zip64InLocalHeader) : 0;
    entries.push({
      index,
      name: normalised.name,
      nameBytes: normalised.nameBytes,
      compressionMethod: normalised.compressionMethod,
      generalPurposeFlags:
        generalPurposeFlag.languageEncoding | (usesDataDescriptor ? generalPurposeFlag.dataDescriptor : 0),
      versionNeeded: zip64InLocalHeader || zip64InCentralHeader.localHeaderOffset ? 45 : 20,
      crc32: normalised.crc32,
      uncompressedSize: normalised.uncompressedSize,
      compressedSize: normalised.compressedSize,
      dosTime,
      dosDate,
      unixModifiedSeconds: shape.unixModifiedSeconds,
      usesDataDescriptor,
      zip64InLocalHeader,
      zip64InCentralHeader,
      body: normalised.body,
      localHeaderOffset: cursor,
      localHeaderLength: localLength,
      dataOffset,
      dataLength: normalised.compressedSize,
      dataDescriptorOffset,
      dataDescriptorLength: descriptorLength,
      centralHeaderOffset: 0,
      centralHeaderLength: centralHeaderLength(shape),
    });
    cursor = dataDescriptorOffset + descriptorLength;
  }

  const centralDirectoryOffset = cursor;
  for (const entry of entries) {
    entry.centralHeaderOffset = cursor;
    cursor += entry.centralHeaderLength;
  }
  const summary = {
    entryCount: entries.length,
    centralDirectoryOffset,
    centralDirectorySize: cursor - centralDirectoryOffset,
  };
  const totalLength = cursor + endRecordsLength(summary);
  if (!Number.isSafeInteger(totalLength)) {
    throw new ZipPlanError('invalid_size', `archive length ${totalLength} is beyond 2^53`);
  }
  return {
    entries,
    centralDirectoryOffset,
    centralDirectorySize: summary.centralDirectorySize,
    usesZip64EndRecords: needsZip64EndRecords(summary),
    endRecordsOffset: cursor,
    endRecords: encodeEndRecords(summary),
    totalLength,
    rangesSupported: entries.every((entry) => entry.crc32 !== null),
  };
}
