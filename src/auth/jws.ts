import { decodeBase64url } from '../encoding/base64url';

/** Why a token was refused: for logs only, clients hear one generic message (RFC 6750 §3.1). */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
}

/** A JWS in compact serialization (RFC 7515 §7.1), split but not yet verified. */
export interface CompactJws {
  header: Record<string, unknown>;
  /** ASCII(BASE64URL(header) || '.' || BASE64URL(payload)), what the signature covers (RFC 7515 §5.2). */
  signingInput: Uint8Array;
  signature: Uint8Array;
  payloadSegment: string;
}

// JOSE headers and JWT claims are UTF-8 JSON (RFC 7515 §4, RFC 8725 §3.7); anything else is refused
// rather than decoded loosely. A byte-order mark is kept, so JSON.parse refuses it (RFC 8259 §8.1).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeJsonObject(segment: string): Record<string, unknown> | null {
  const bytes = decodeBase64url(segment);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Splits a compact JWS and reads its header; the payload stays unread until the signature holds. */
export function parseCompactJws(token: string): CompactJws {
  const parts = token.split('.');
  if (
    parts.length !== 3 ||
    parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part)) ||
    parts[0] === '' ||
    parts[1] === ''
  ) {
    throw new TokenRejectedError('not a compact JWS');
  }
  const [headerSegment, payloadSegment, signatureSegment] = parts as [string, string, string];
  const header = decodeJsonObject(headerSegment);
  if (!header) throw new TokenRejectedError('unreadable header');
  const signature = decodeBase64url(signatureSegment);
  if (!signature) throw new TokenRejectedError('unreadable signature');
  return {
    header,
    signingInput: new TextEncoder().encode(`${headerSegment}.${payloadSegment}`),
    signature,
    payloadSegment,
  };
}

/** The claims set, read only after the signature was verified (RFC 7519 §7.2, steps 7-10). */
export function readClaims(jws: CompactJws): Record<string, unknown> {
  const claims = decodeJsonObject(jws.payloadSegment);
  if (!claims) throw new TokenRejectedError('unreadable claims');
  return claims;
}
