import type { HeaderField } from './format';

/**
 * POSIX.1-2017 "ustar Interchange Format": numeric fields are "octal numbers using digits from
 * the ISO/IEC 646:1991 standard IRV", terminated by NUL or space. Written here as the widest
 * zero-padded number that leaves room for one NUL (7 digits in an 8-byte field, 11 in a 12-byte
 * one), the form every reader since V7 accepts.
 */
export function writeOctal(header: Uint8Array, field: HeaderField, value: number): void {
  const digits = field.length - 1;
  const text = value.toString(8).padStart(digits, '0');
  if (!Number.isSafeInteger(value) || value < 0 || text.length > digits) {
    throw new RangeError(`${value} does not fit a ${field.length}-byte octal field`);
  }
  writeAscii(header, field.offset, text);
  header[field.offset + digits] = 0;
}

/** Writes ASCII text byte for byte; callers pass only ASCII. */
export function writeAscii(header: Uint8Array, offset: number, text: string): void {
  for (let position = 0; position < text.length; position++) header[offset + position] = text.charCodeAt(position);
}
