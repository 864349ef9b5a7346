/**
 * The Range request header, RFC 9110 §14.1.2 and §14.2, for a single byte range. A multipart
 * answer is never produced: several ranges, another unit or bad syntax give 'ignore', and the
 * server sends the whole representation with 200, which §14.2 allows ("MAY ignore").
 */
export type RangeRequest = { start: number; end: number } | 'unsatisfiable' | 'ignore';

const rangeSpec = /^(\d*)-(\d*)$/;

export function parseRangeHeader(header: string, totalLength: number): RangeRequest {
  const equals = header.indexOf('=');
  if (equals < 0) return 'ignore';
  // §14.1: range units are compared case-insensitively.
  if (header.slice(0, equals).trim().toLowerCase() !== 'bytes') return 'ignore';
  // §5.6.1.2: a list may carry empty elements, which a recipient ignores.
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec.length > 0);
  const [spec] = specs;
  if (spec === undefined || specs.length > 1) return 'ignore';
  const match = rangeSpec.exec(spec);
  if (!match) return 'ignore';
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'ignore';

  if (first === '') {
    // suffix-range: the last N bytes, or the whole representation when it is shorter (§14.1.2);
    // a zero suffix selects nothing, which §14.1.1 calls unsatisfiable.
    const suffixLength = Number(last);
    if (suffixLength === 0 || totalLength === 0) return 'unsatisfiable';
    return { start: Math.max(0, totalLength - suffixLength), end: totalLength - 1 };
  }
  // Digits beyond 2^53 parse to a number at least that large, larger than any length here, so
  // comparisons stay right even though the value is rounded.
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return 'ignore'; // §14.1.1: last-pos < first-pos makes the range invalid
  if (start >= totalLength) return 'unsatisfiable';
  return { start, end: Math.min(end, totalLength - 1) };
}
