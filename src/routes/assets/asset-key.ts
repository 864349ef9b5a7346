/**
 * The object key of `/assets/{key}`, or null when the path is not a safe key.
 *
 * Whole `.` and `..` segments never arrive, encoded (`%2e%2e`) or not: the URL parser resolves
 * them before the Worker sees the path (RFC 3986 §5.2.4; the WHATWG URL standard counts `%2e` as a
 * dot there), so they cannot leave the prefix. What could still smuggle a path
 * through is refused: percent-encoded dots, slashes and backslashes, backslashes, empty segments
 * (`//`), dot segments after decoding, control characters, and empty or over-long keys
 * (S3 keys are at most 1024 bytes).
 */
export function assetKeyFromPath(pathname: string): string | null {
  const prefix = '/assets/';
  if (!pathname.startsWith(prefix)) return null;
  const encoded = pathname.slice(prefix.length);
  if (/%(2e|2f|5c)/i.test(encoded)) return null;
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  if (key === '' || new TextEncoder().encode(key).byteLength > 1024) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return null;
  const segments = key.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  return key;
}
