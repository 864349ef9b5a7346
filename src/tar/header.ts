import { blockSize, headerField, magic, regularFileMode, type Typeflag, version } from './format';
import { writeAscii, writeOctal } from './octal';

/** What varies between the header blocks this planner writes; every other field is fixed. */
export interface HeaderFields {
  /** At most 100 bytes; a name of exactly 100 bytes has no terminating NUL, as the spec allows. */
  name: Uint8Array;
  /** At most 155 bytes; empty when the whole path is in `name`. */
  prefix: Uint8Array;
  typeflag: Typeflag;
  /** Written as zeros when a pax `size` record carries the real size. */
  size: number;
  mtimeSeconds: number;
}

/**
 * One 512-byte ustar header block (POSIX.1-2017, "ustar Interchange Format"). Owner and group
 * are 0 with empty names, so an extracting root user gets files owned by itself rather than by
 * whatever account built the archive; linkname, devmajor and devminor stay NUL because a regular
 * file or an extended header uses none of them.
 */
export function encodeHeader(fields: HeaderFields): Uint8Array {
  if (fields.name.length > headerField.name.length || fields.prefix.length > headerField.prefix.length) {
    throw new RangeError('a ustar name or prefix is longer than its field');
  }
  const header = new Uint8Array(blockSize);
  header.set(fields.name, headerField.name.offset);
  writeOctal(header, headerField.mode, regularFileMode);
  writeOctal(header, headerField.uid, 0);
  writeOctal(header, headerField.gid, 0);
  writeOctal(header, headerField.size, fields.size);
  writeOctal(header, headerField.mtime, fields.mtimeSeconds);
  writeAscii(header, headerField.typeflag.offset, fields.typeflag);
  writeAscii(header, headerField.magic.offset, magic);
  writeAscii(header, headerField.version.offset, version);
  header.set(fields.prefix, headerField.prefix.offset);
  writeChecksum(header);
  return header;
}

/**
 * "The chksum field shall be the ... octal value of the simple sum of all octets in the header
 * logical record", each unsigned, with the chksum field itself counted as eight spaces. The sum
 * is at most 512 × 255 = 0o377000, six digits; they are followed by NUL and a space, the form
 * V7 tar wrote and GNU tar and libarchive still write.
 */
function writeChecksum(header: Uint8Array): void {
  const { offset, length } = headerField.chksum;
  header.fill(0x20, offset, offset + length);
  let sum = 0;
  for (const byte of header) sum += byte;
  writeAscii(header, offset, sum.toString(8).padStart(6, '0'));
  header[offset + 6] = 0;
}
