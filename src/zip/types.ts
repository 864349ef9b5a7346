/**
 * The member list the planner takes and the plan it returns. A plan is plain data: every offset
 * and length of the archive, so a writer can stream it and a range request can be mapped onto it
 * without encoding anything it does not touch.
 */

/** A member whose body is piped untouched (method 0, STORED) from object storage. */
export interface StoredMember {
  name: string;
  size: number;
  /** CRC-32 recorded at upload; null when unknown, which forces a data descriptor (APPNOTE 4.3.9). */
  crc32: number | null;
  modifiedAt: Date;
  body: 'stored';
}

/** A small member compressed ahead of time (raw DEFLATE, method 8) whose bytes live in the plan. */
export interface CompressedMember {
  name: string;
  compressed: Uint8Array;
  uncompressedSize: number;
  crc32: number;
  method: 'deflate';
  modifiedAt: Date;
}

export type ArchiveMember = StoredMember | CompressedMember;

/** Which fields of the central directory header moved into the Zip64 extra (APPNOTE 4.5.3). */
export interface CentralZip64Fields {
  uncompressedSize: boolean;
  compressedSize: boolean;
  localHeaderOffset: boolean;
}

/** Where an entry's data comes from: object storage (stored body) or bytes held by the plan. */
export type EntryBody = { kind: 'stored' } | { kind: 'inline'; bytes: Uint8Array };

export interface PlannedEntry {
  index: number;
  name: string;
  /** UTF-8 bytes of the name, as written in both headers (flag bit 11 is always set). */
  nameBytes: Uint8Array;
  /** APPNOTE 4.4.5 compression method: 0 stored, 8 deflated. */
  compressionMethod: 0 | 8;
  /** APPNOTE 4.4.4 general purpose bit flag, identical in the local and the central header. */
  generalPurposeFlags: number;
  /** APPNOTE 4.4.3: 20 (2.0) normally, 45 (4.5) when this entry uses any Zip64 field. */
  versionNeeded: 20 | 45;
  /** Null when unknown: the writer computes it in-stream and passes it to the encoders. */
  crc32: number | null;
  uncompressedSize: number;
  compressedSize: number;
  /** APPNOTE 4.4.6 MS-DOS time and date, from modifiedAt in UTC. */
  dosTime: number;
  dosDate: number;
  /** Seconds since 1970 for the Extended Timestamp extra (0x5455); null when out of its range. */
  unixModifiedSeconds: number | null;
  usesDataDescriptor: boolean;
  /** The local header carries a Zip64 extra with both sizes (APPNOTE 4.5.3). */
  zip64InLocalHeader: boolean;
  zip64InCentralHeader: CentralZip64Fields;
  body: EntryBody;

  localHeaderOffset: number;
  localHeaderLength: number;
  dataOffset: number;
  /** Equal to compressedSize: the bytes between the local header and the descriptor. */
  dataLength: number;
  /** Offset of the data descriptor; meaningful only when dataDescriptorLength > 0. */
  dataDescriptorOffset: number;
  dataDescriptorLength: number;
  centralHeaderOffset: number;
  centralHeaderLength: number;
}

export interface ArchivePlan {
  entries: readonly PlannedEntry[];
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Zip64 end of central directory record and locator present (APPNOTE 4.3.14, 4.3.15). */
  usesZip64EndRecords: boolean;
  /** Offset of the first end record (the Zip64 one when present, else the classic one). */
  endRecordsOffset: number;
  /** Zip64 record + locator (when present) + end of central directory record, already encoded. */
  endRecords: Uint8Array;
  totalLength: number;
  /** False when a member's CRC is unknown: the central directory exists only after streaming. */
  rangesSupported: boolean;
}
