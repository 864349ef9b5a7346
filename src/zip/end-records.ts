import { setUint16, setUint32, setUint64, viewOf } from './bytes';
import { fixedLength, maximum16, maximum32, signature, versionMadeBy } from './format';

export interface CentralDirectorySummary {
  entryCount: number;
  centralDirectoryOffset: number;
  centralDirectorySize: number;
}

/**
 * Zip64 end records only when a classic field would overflow (APPNOTE 4.4.1.4). The sentinel
 * values themselves (0xFFFF, 0xFFFFFFFF) count as overflow, because a reader seeing them goes
 * looking for the Zip64 record. Small archives stay free of Zip64, which Office's and older
 * unzippers refuse.
 */
export function needsZip64EndRecords(summary: CentralDirectorySummary): boolean {
  return (
    summary.entryCount >= maximum16 ||
    summary.centralDirectoryOffset >= maximum32 ||
    summary.centralDirectorySize >= maximum32
  );
}

export function endRecordsLength(summary: CentralDirectorySummary): number {
  const zip64 = needsZip64EndRecords(summary)
    ? fixedLength.zip64EndOfCentralDirectory + fixedLength.zip64EndOfCentralDirectoryLocator
    : 0;
  return zip64 + fixedLength.endOfCentralDirectory;
}

/**
 * The records after the central directory, which sits immediately before them: APPNOTE 4.3.14
 * zip64 end of central directory record (version 1, no extensible data), 4.3.15 its locator, and
 * 4.3.16 end of central directory record (no comment). Only the classic fields that overflow
 * are set to all ones; the rest keep their true values.
 */
export function encodeEndRecords(summary: CentralDirectorySummary): Uint8Array {
  const { entryCount, centralDirectoryOffset, centralDirectorySize } = summary;
  const bytes = new Uint8Array(endRecordsLength(summary));
  const view = viewOf(bytes);
  let cursor = 0;
  if (needsZip64EndRecords(summary)) {
    const zip64RecordOffset = centralDirectoryOffset + centralDirectorySize;
    setUint32(view, 0, signature.zip64EndOfCentralDirectory);
    // 4.3.14.1: the size counts what follows this field, so the fixed 56 less 12.
    setUint64(view, 4, fixedLength.zip64EndOfCentralDirectory - 12);
    setUint16(view, 12, versionMadeBy);
    setUint16(view, 14, 45);
    setUint32(view, 16, 0); // number of this disk
    setUint32(view, 20, 0); // disk where the central directory starts
    setUint64(view, 24, entryCount); // entries on this disk
    setUint64(view, 32, entryCount); // entries in total
    setUint64(view, 40, centralDirectorySize);
    setUint64(view, 48, centralDirectoryOffset);
    cursor = fixedLength.zip64EndOfCentralDirectory;
    setUint32(view, cursor, signature.zip64EndOfCentralDirectoryLocator);
    setUint32(view, cursor + 4, 0); // disk holding the zip64 record
    setUint64(view, cursor + 8, zip64RecordOffset);
    setUint32(view, cursor + 16, 1); // total number of disks
    cursor += fixedLength.zip64EndOfCentralDirectoryLocator;
  }
  const count16 = Math.min(entryCount, maximum16);
  setUint32(view, cursor, signature.endOfCentralDirectory);
  setUint16(view, cursor + 4, 0); // number of this disk
  setUint16(view, cursor + 6, 0); // disk where the central directory starts
  setUint16(view, cursor + 8, count16);
  setUint16(view, cursor + 10, count16);
  setUint32(view, cursor + 12, Math.min(centralDirectorySize, maximum32));
  setUint32(view, cursor + 16, Math.min(centralDirectoryOffset, maximum32));
  setUint16(view, cursor + 20, 0); // comment length
  return bytes;
}
