import { memberPathProblem } from '../containers/member-path';
import { TarPlanError } from './errors';
import { headerField } from './format';

const utf8 = new TextEncoder();

/**
 * Guards a member name and returns its UTF-8 bytes. Callers build names from ids, so a failure
 * is a bug upstream; the guard refuses anything that could escape the extraction directory (a
 * leading slash, a dot segment), a trailing slash (a directory, not a file, to every tar reader),
 * and anything TextEncoder would silently rewrite.
 */
export function encodeMemberName(name: string): Uint8Array {
  const refuse = (reason: string): never => {
    throw new TarPlanError('invalid_name', `member name ${JSON.stringify(name)} ${reason}`);
  };
  const problem = memberPathProblem(name);
  if (problem !== null) refuse(problem);
  return utf8.encode(name);
}

/** Where a path goes in the header block: `prefix` + '/' + `name`, or `name` alone. */
export interface UstarPath {
  name: Uint8Array;
  prefix: Uint8Array;
}

const slash = 0x2f;

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte < 0x80);
}

/**
 * The path as plain ustar fields, or null when it needs a pax `path` record. "ustar Interchange
 * Format": the pathname is `prefix`, a slash, then `name`, when prefix is non-empty; so a path
 * over 100 bytes fits when it has a slash with at most 155 bytes before it and 1 to 100 after.
 * The leftmost such slash gives the shortest prefix, so if it leaves too long a prefix, every
 * other slash does too. The ustar fields carry no encoding: a byte outside ASCII is read in the
 * extracting user's locale, so a non-ASCII path always goes to a pax record, whose values are
 * UTF-8 ("pax Extended Header", hdrcharset absent).
 */
export function ustarPath(nameBytes: Uint8Array): UstarPath | null {
  if (!isAscii(nameBytes)) return null;
  if (nameBytes.length <= headerField.name.length) return { name: nameBytes, prefix: new Uint8Array(0) };
  const earliestSlash = nameBytes.length - headerField.name.length - 1;
  for (let position = Math.max(1, earliestSlash); position < nameBytes.length - 1; position++) {
    if (nameBytes[position] !== slash) continue;
    if (position > headerField.prefix.length) return null;
    return { name: nameBytes.subarray(position + 1), prefix: nameBytes.subarray(0, position) };
  }
  return null;
}

/** The name with every non-ASCII or non-printable character as '_'. */
function asciiOnly(name: string): string {
  return name.replace(/[^\u0020-\u007e]/gu, '_');
}

/**
 * What the ustar fields hold when a pax `path` record carries the real path: a readable ASCII
 * stand-in (the spec lets a pax writer put anything there, and a reader without pax support
 * extracts under this name), split like a real path when it fits, else its first 100 bytes.
 */
export function fallbackUstarPath(name: string): UstarPath {
  const ascii = utf8.encode(asciiOnly(name));
  return ustarPath(ascii) ?? { name: ascii.subarray(0, headerField.name.length), prefix: new Uint8Array(0) };
}

/**
 * The name of a member's extended header entry. A pax reader never extracts it, but one without
 * pax support writes it out as a file, so it reads as what it is: "PaxHeaders/" and the member's
 * last segment in ASCII, cut to the 100-byte name field. The spec's default, with a process id,
 * would make the bytes differ between runs.
 */
export function paxHeaderPath(name: string): UstarPath {
  const basename = name.slice(name.lastIndexOf('/') + 1);
  const path = utf8.encode(`PaxHeaders/${asciiOnly(basename)}`);
  return { name: path.subarray(0, headerField.name.length), prefix: new Uint8Array(0) };
}
