import { ZipPlanError } from './errors';

const utf8 = new TextEncoder();

/** APPNOTE 4.4.10: the file name length is a 2-byte field. */
const maximumNameBytes = 0xffff;

/**
 * C0 controls, DEL and C1 controls: no reader shows them sensibly and a newline in a name is a
 * classic way to forge listings. Tab and newline being excluded also keeps the ETag's
 * line-per-member input unambiguous (etag.ts).
 */
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/u;

/** With the u flag a well-formed pair is one code point, so this matches only lone surrogates. */
const loneSurrogate = /[\ud800-\udfff]/u;

/**
 * Guards a member name and returns its UTF-8 bytes. Callers build names from ids
 * (`<taskId>/<submissionId>.<ext>`), so a failure here is a bug upstream, and the guard refuses
 * anything that could escape the extraction directory (APPNOTE 4.4.17: relative paths, forward
 * slashes only, no drive or leading slash) or that TextEncoder would silently rewrite.
 */
export function encodeMemberName(name: string): Uint8Array {
  const refuse = (reason: string): never => {
    throw new ZipPlanError('invalid_name', `member name ${JSON.stringify(name)} ${reason}`);
  };
  if (name.length === 0) refuse('is empty');
  if (name.includes('\\')) refuse('contains a backslash');
  if (name.startsWith('/')) refuse('starts with a slash');
  if (controlCharacter.test(name)) refuse('contains a control character');
  if (loneSurrogate.test(name)) refuse('contains a lone surrogate');
  for (const segment of name.split('/')) {
    if (segment === '..' || segment === '.') refuse('contains a dot segment');
    // Also catches a trailing slash, which APPNOTE 4.4.17.1 reserves for directory entries.
    if (segment === '') refuse('contains an empty segment');
  }
  const bytes = utf8.encode(name);
  if (bytes.length > maximumNameBytes) refuse('is longer than 65535 bytes');
  return bytes;
}
