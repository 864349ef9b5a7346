/** Signatures, fixed lengths and sentinels of the records this planner writes (APPNOTE 4.3). */
export const signature = {
  localFileHeader: 0x04034b50, // 4.3.7
  dataDescriptor: 0x08074b50, // 4.3.9.3
  centralDirectoryHeader: 0x02014b50, // 4.3.12
  zip64EndOfCentralDirectory: 0x06064b50, // 4.3.14
  zip64EndOfCentralDirectoryLocator: 0x07064b50, // 4.3.15
  endOfCentralDirectory: 0x06054b50, // 4.3.16
} as const;

export const fixedLength = {
  localFileHeader: 30,
  centralDirectoryHeader: 46,
  zip64EndOfCentralDirectory: 56,
  zip64EndOfCentralDirectoryLocator: 20,
  endOfCentralDirectory: 22,
} as const;

/** 4.4.1.4: a field that cannot hold its value is set to all ones and the value moves to Zip64. */
export const maximum16 = 0xffff;
export const maximum32 = 0xffffffff;

/** 4.5.2 header IDs of the extra fields written here. */
export const extraFieldId = {
  zip64: 0x0001, // 4.5.3
  extendedTimestamp: 0x5455, // 4.6.1 third-party mappings; layout from Info-ZIP's extrafld.txt
} as const;

/** Zip64 extra in a local header: both sizes, always (4.5.3). */
export const localZip64ExtraLength = 4 + 16;
/** Extended Timestamp with modification time only: flags byte + 4-byte time, local and central. */
export const extendedTimestampExtraLength = 4 + 5;

/** 4.4.4 general purpose bit flag. */
export const generalPurposeFlag = {
  dataDescriptor: 1 << 3, // bit 3: CRC and sizes follow the data
  languageEncoding: 1 << 11, // bit 11: name is UTF-8
} as const;

/**
 * 4.4.2 version made by: upper byte 3 (UNIX) so the external attributes can carry a file mode,
 * lower byte 45 (this writer implements APPNOTE 4.5, i.e. Zip64).
 */
export const versionMadeBy = (3 << 8) | 45;

/**
 * 4.4.15 external file attributes for host UNIX: st_mode in the high 16 bits. Regular file
 * rw-r--r--, so Info-ZIP unzip does not extract members with mode 000.
 */
export const externalAttributesRegularFile = (0o100644 << 16) >>> 0;
