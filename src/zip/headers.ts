import { setUint16, setUint32, setUint64, viewOf } from './bytes';
import {
  extendedTimestampExtraLength,
  externalAttributesRegularFile,
  extraFieldId,
  fixedLength,
  localZip64ExtraLength,
  maximum32,
  signature,
  versionMadeBy,
} from './format';
import type { CentralZip64Fields, PlannedEntry } from './types';

/**
 * Encoders for the per-entry records. Each takes a planned entry (whose lengths the planner has
 * already fixed with the length functions below) and writes exactly that many bytes.
 */

type EntryShape = Pick<
  PlannedEntry,
  'nameBytes' | 'zip64InLocalHeader' | 'zip64InCentralHeader' | 'unixModifiedSeconds'
>;

export function localHeaderLength(entry: EntryShape): number {
  return (
    fixedLength.localFileHeader +
    entry.nameBytes.length +
    (entry.zip64InLocalHeader ? localZip64ExtraLength : 0) +
    (entry.unixModifiedSeconds === null ? 0 : extendedTimestampExtraLength)
  );
}

function centralZip64FieldCount(fields: CentralZip64Fields): number {
  return Number(fields.uncompressedSize) + Number(fields.compressedSize) + Number(fields.localHeaderOffset);
}

export function centralHeaderLength(entry: EntryShape): number {
  const zip64Fields = centralZip64FieldCount(entry.zip64InCentralHeader);
  return (
    fixedLength.centralDirectoryHeader +
    entry.nameBytes.length +
    (zip64Fields === 0 ? 0 : 4 + 8 * zip64Fields) +
    (entry.unixModifiedSeconds === null ? 0 : extendedTimestampExtraLength)
  );
}

/** APPNOTE 4.3.9.1: 4-byte sizes, or 8-byte ones when the local header has a Zip64 extra (4.3.9.2). */
export function dataDescriptorLength(zip64InLocalHeader: boolean): number {
  return zip64InLocalHeader ? 24 : 16;
}

/** Info-ZIP Extended Timestamp (0x5455) with only the modification time, flags bit 0. */
function writeExtendedTimestamp(view: DataView, offset: number, unixSeconds: number): number {
  setUint16(view, offset, extraFieldId.extendedTimestamp);
  setUint16(view, offset + 2, 5);
  view.setUint8(offset + 4, 1);
  setUint32(view, offset + 5, unixSeconds);
  return offset + extendedTimestampExtraLength;
}

/**
 * APPNOTE 4.3.7 local file header. With a data descriptor (flag bit 3) the CRC and sizes are zero
 * here (4.4.7, 4.4.8) and follow the data. With a Zip64 extra both size fields are 0xFFFFFFFF and
 * the extra holds both sizes, uncompressed first (4.5.3: the local one MUST include both).
 */
export function writeLocalHeader(view: DataView, offset: number, entry: PlannedEntry): number {
  const known = !entry.usesDataDescriptor;
  const compressedSize = known ? entry.compressedSize : 0;
  const uncompressedSize = known ? entry.uncompressedSize : 0;
  const extraLength = localHeaderLength(entry) - fixedLength.localFileHeader - entry.nameBytes.length;
  setUint32(view, offset, signature.localFileHeader);
  setUint16(view, offset + 4, entry.versionNeeded);
  setUint16(view, offset + 6, entry.generalPurposeFlags);
  setUint16(view, offset + 8, entry.compressionMethod);
  setUint16(view, offset + 10, entry.dosTime);
  setUint16(view, offset + 12, entry.dosDate);
  setUint32(view, offset + 14, known ? (entry.crc32 ?? 0) : 0);
  setUint32(view, offset + 18, entry.zip64InLocalHeader ? maximum32 : compressedSize);
  setUint32(view, offset + 22, entry.zip64InLocalHeader ? maximum32 : uncompressedSize);
  setUint16(view, offset + 26, entry.nameBytes.length);
  setUint16(view, offset + 28, extraLength);
  new Uint8Array(view.buffer, view.byteOffset + offset + 30, entry.nameBytes.length).set(entry.nameBytes);
  let cursor = offset + 30 + entry.nameBytes.length;
  if (entry.zip64InLocalHeader) {
    setUint16(view, cursor, extraFieldId.zip64);
    setUint16(view, cursor + 2, 16);
    setUint64(view, cursor + 4, uncompressedSize);
    setUint64(view, cursor + 12, compressedSize);
    cursor += localZip64ExtraLength;
  }
  if (entry.unixModifiedSeconds !== null) cursor = writeExtendedTimestamp(view, cursor, entry.unixModifiedSeconds);
  return cursor;
}

export function encodeLocalHeader(entry: PlannedEntry): Uint8Array {
  const bytes = new Uint8Array(entry.localHeaderLength);
  writeLocalHeader(viewOf(bytes), 0, entry);
  return bytes;
}

/**
 * APPNOTE 4.3.12 central directory file header. The Zip64 extra holds only the fields that
 * overflowed, in the fixed order uncompressed size, compressed size, local header offset (4.5.3),
 * and each of those header fields reads 0xFFFFFFFF. The CRC is passed in because for a
 * data-descriptor entry it is known only after the body has streamed.
 */
export function writeCentralHeader(view: DataView, offset: number, entry: PlannedEntry, crc32: number): number {
  const zip64 = entry.zip64InCentralHeader;
  const zip64Fields = centralZip64FieldCount(zip64);
  const extraLength = centralHeaderLength(entry) - fixedLength.centralDirectoryHeader - entry.nameBytes.length;
  setUint32(view, offset, signature.centralDirectoryHeader);
  setUint16(view, offset + 4, versionMadeBy);
  setUint16(view, offset + 6, entry.versionNeeded);
  setUint16(view, offset + 8, entry.generalPurposeFlags);
  setUint16(view, offset + 10, entry.compressionMethod);
  setUint16(view, offset + 12, entry.dosTime);
  setUint16(view, offset + 14, entry.dosDate);
  setUint32(view, offset + 16, crc32);
  setUint32(view, offset + 20, zip64.compressedSize ? maximum32 : entry.compressedSize);
  setUint32(view, offset + 24, zip64.uncompressedSize ? maximum32 : entry.uncompressedSize);
  setUint16(view, offset + 28, entry.nameBytes.length);
  setUint16(view, offset + 30, extraLength);
  setUint16(view, offset + 32, 0); // file comment length
  setUint16(view, offset + 34, 0); // disk number start: one disk, always
  setUint16(view, offset + 36, 0); // internal file attributes
  setUint32(view, offset + 38, externalAttributesRegularFile);
  setUint32(view, offset + 42, zip64.localHeaderOffset ? maximum32 : entry.localHeaderOffset);
  new Uint8Array(view.buffer, view.byteOffset + offset + 46, entry.nameBytes.length).set(entry.nameBytes);
  let cursor = offset + 46 + entry.nameBytes.length;
  if (zip64Fields > 0) {
    setUint16(view, cursor, extraFieldId.zip64);
    setUint16(view, cursor + 2, 8 * zip64Fields);
    cursor += 4;
    if (zip64.uncompressedSize) cursor = writeField64(view, cursor, entry.uncompressedSize);
    if (zip64.compressedSize) cursor = writeField64(view, cursor, entry.compressedSize);
    if (zip64.localHeaderOffset) cursor = writeField64(view, cursor, entry.localHeaderOffset);
  }
  if (entry.unixModifiedSeconds !== null) cursor = writeExtendedTimestamp(view, cursor, entry.unixModifiedSeconds);
  return cursor;
}

function writeField64(view: DataView, offset: number, value: number): number {
  setUint64(view, offset, value);
  return offset + 8;
}

export function encodeCentralHeader(entry: PlannedEntry, crc32: number): Uint8Array {
  const bytes = new Uint8Array(entry.centralHeaderLength);
  writeCentralHeader(viewOf(bytes), 0, entry, crc32);
  return bytes;
}

/**
 * APPNOTE 4.3.9 data descriptor, with the optional signature 0x08074b50 (4.3.9.3) since most
 * readers look for it. Field order is CRC, compressed size, uncompressed size: the reverse of
 * the size order inside the Zip64 extra.
 */
export function encodeDataDescriptor(entry: PlannedEntry, crc32: number): Uint8Array {
  const bytes = new Uint8Array(dataDescriptorLength(entry.zip64InLocalHeader));
  const view = viewOf(bytes);
  setUint32(view, 0, signature.dataDescriptor);
  setUint32(view, 4, crc32);
  if (entry.zip64InLocalHeader) {
    setUint64(view, 8, entry.compressedSize);
    setUint64(view, 16, entry.uncompressedSize);
  } else {
    setUint32(view, 8, entry.compressedSize);
    setUint32(view, 12, entry.uncompressedSize);
  }
  return bytes;
}
