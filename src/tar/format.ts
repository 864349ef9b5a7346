/**
 * Constants of the ustar header block, POSIX.1-2017 pax, "ustar Interchange Format" (the header
 * table), and of the pax extensions to it ("pax Interchange Format").
 */

/** Every header and every body is stored in whole logical records of 512 bytes. */
export const blockSize = 512;

/** A byte field of the header block: where it starts and how many bytes it has. */
export interface HeaderField {
  offset: number;
  length: number;
}

/** The header block's fields, in the order of the spec's table; bytes 500-511 stay NUL. */
export const headerField = {
  name: { offset: 0, length: 100 },
  mode: { offset: 100, length: 8 },
  uid: { offset: 108, length: 8 },
  gid: { offset: 116, length: 8 },
  size: { offset: 124, length: 12 },
  mtime: { offset: 136, length: 12 },
  chksum: { offset: 148, length: 8 },
  typeflag: { offset: 156, length: 1 },
  linkname: { offset: 157, length: 100 },
  magic: { offset: 257, length: 6 },
  version: { offset: 263, length: 2 },
  uname: { offset: 265, length: 32 },
  gname: { offset: 297, length: 32 },
  devmajor: { offset: 329, length: 8 },
  devminor: { offset: 337, length: 8 },
  prefix: { offset: 345, length: 155 },
} as const satisfies Record<string, HeaderField>;

/** "ustar" followed by NUL, then the version "00", as the spec fixes them for this format. */
export const magic = 'ustar\0';
export const version = '00';

/**
 * Typeflags: '0' a regular file; 'x' an extended header whose records apply to the next entry
 * only ("pax Header Block").
 */
export const typeflag = { regularFile: '0', extendedHeader: 'x' } as const;
export type Typeflag = (typeof typeflag)[keyof typeof typeflag];

/** rw-r--r--: members are data to read, never programs; the spec's mode bits TUREAD|TUWRITE|TGREAD|TOREAD. */
export const regularFileMode = 0o644;

/**
 * The largest value of a 12-byte numeric field: 11 octal digits and a terminating NUL. Larger
 * sizes go to a pax `size` record; modification times are clamped to it (year 2242).
 */
export const maximumOctal11 = 8 ** 11 - 1;
