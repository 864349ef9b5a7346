import { parseRangeHeader } from './range';

/** What a GET or HEAD should answer, given the representation's validators and the request. */
export type ResponseDecision =
  | { kind: 'not_modified' }
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

export interface Representation {
  etag: string | null;
  lastModified: string | null;
  size: number;
}

// RFC 9110 §8.8.3.2: weak comparison ignores the W/ prefix; If-None-Match uses it (§13.1.2).
function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

function matchesAny(header: string, etag: string | null): boolean {
  if (header.trim() === '*') return etag !== null;
  if (etag === null) return false;
  const wanted = opaqueTag(etag);
  return header.split(',').some((candidate) => opaqueTag(candidate) === wanted);
}

/**
 * Evaluates preconditions and Range in the order RFC 9110 §13.2.2 gives: If-None-Match, else
 * If-Modified-Since; then Range, honoured only for GET and only when If-Range (if any) still
 * names this representation with a strong validator (§13.1.5).
 */
export function decideResponse(method: string, headers: Headers, representation: Representation): ResponseDecision {
  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== null) {
    if (matchesAny(ifNoneMatch, representation.etag)) return { kind: 'not_modified' };
  } else {
    const ifModifiedSince = headers.get('if-modified-since');
    const since = ifModifiedSince === null ? Number.NaN : Date.parse(ifModifiedSince);
    const modified = representation.lastModified === null ? Number.NaN : Date.parse(representation.lastModified);
    if (!Number.isNaN(since) && !Number.isNaN(modified) && modified <= since) return { kind: 'not_modified' };
  }

  const range = headers.get('range');
  if (method !== 'GET' || range === null) return { kind: 'full' };
  const ifRange = headers.get('if-range');
  if (ifRange !== null) {
    const strongMatch =
      representation.etag !== null && !ifRange.startsWith('W/') && ifRange.trim() === representation.etag;
    const dateMatch = representation.lastModified !== null && ifRange.trim() === representation.lastModified;
    if (!strongMatch && !dateMatch) return { kind: 'full' };
  }
  const parsed = parseRangeHeader(range, representation.size);
  if (parsed === 'ignore') return { kind: 'full' };
  if (parsed === 'unsatisfiable') return { kind: 'unsatisfiable' };
  return { kind: 'partial', start: parsed.start, end: parsed.end };
}

/**
 * Sets the length headers of a 200 or 206 answer and says which bytes to send: Content-Length
 * always, and for a 206 the Content-Range `bytes first-last/size` (RFC 9110 §14.4, §15.3.7).
 */
export function bodyRange(
  headers: Headers,
  decision: Extract<ResponseDecision, { kind: 'full' | 'partial' }>,
  size: number,
): { status: 200 | 206; start: number; end: number } {
  const [start, end] = decision.kind === 'partial' ? [decision.start, decision.end] : [0, size - 1];
  headers.set('Content-Length', String(end - start + 1));
  if (decision.kind === 'full') return { status: 200, start, end };
  headers.set('Content-Range', `bytes ${start}-${end}/${size}`);
  return { status: 206, start, end };
}

/** A 416 names the representation's length, so the client can ask again (RFC 9110 §15.5.17). */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
