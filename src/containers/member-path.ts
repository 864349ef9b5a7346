/**
 * C0 controls, DEL and C1 controls: no reader shows them sensibly and a newline in a name is a
 * classic way to forge listings. Tab and newline being excluded also keeps each planner's ETag
 * input (one line per member) unambiguous.
 */
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/u;

/** With the u flag a well-formed pair is one code point, so this matches only lone surrogates. */
const loneSurrogate = /[\ud800-\udfff]/u;

/**
 * Why a member path may not go into an archive, or null when it may. Callers build paths from
 * ids, so a refusal is a bug upstream; the rule refuses anything that could escape the extraction
 * directory (a leading slash, a backslash, a dot segment), an empty segment (which also catches a
 * trailing slash: a directory, not a file, to ZIP (APPNOTE 4.4.17.1) and tar readers alike), and
 * what TextEncoder would silently rewrite (a lone surrogate).
 */
export function memberPathProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'starts with a slash';
  if (controlCharacter.test(name)) return 'contains a control character';
  if (loneSurrogate.test(name)) return 'contains a lone surrogate';
  for (const segment of name.split('/')) {
    if (segment === '..' || segment === '.') return 'contains a dot segment';
    if (segment === '') return 'contains an empty segment';
  }
  return null;
}
