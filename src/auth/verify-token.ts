import { uuidPattern } from '../ids';
import { parseCompactJws, readClaims, TokenRejectedError } from './jws';
import type { KeyLookup } from './key-set-cache';
import { verifyWithKey, verifyWithSecret } from './keys';

export { TokenRejectedError } from './jws';
export { KeySetUnavailableError } from './key-set-cache';

export interface TokenVerifierSettings {
  supabaseUrl: string;
  /** The isolate's signing keys: AUTH_JWKS when set, otherwise the project's JWKS, held per isolate. */
  findKey: KeyLookup;
  /** The project's legacy JWT secret (SUPABASE_JWT_SECRET); without it HS256 is refused. */
  jwtSecret?: string;
  /** Whether anonymous sign-ins (`is_anonymous: true`) may call the API. */
  allowAnonymous: boolean;
}

export interface VerifiedToken {
  userId: string;
  sessionId: string | null;
  /** The verified claims, as Postgres expects them in `request.jwt.claims` for RLS. */
  claims: Record<string, unknown>;
}

/**
 * Checks the signature with the one key the header may select. The algorithms are a fixed list
 * (RFC 8725 §3.1, §3.2): HS256 only with the configured secret, never with a key of the key set,
 * so a token MACed with a public key as its secret cannot pass (the algorithm-confusion attack);
 * ES256 and RS256 only with a key of that same algorithm from the key set; `none` and everything
 * else never (RFC 7518 §3.6, RFC 8725 §2.1). Header members that point elsewhere for a key (`jku`,
 * `x5u`, `jwk`, `x5c`) are never followed (RFC 8725 §3.10).
 */
async function verifySignature(token: string, settings: TokenVerifierSettings): Promise<Record<string, unknown>> {
  const jws = parseCompactJws(token);
  const { alg, kid } = jws.header;
  // RFC 7515 §4.1.11: a token whose `crit` names extensions must be refused by whoever does not
  // implement them; we implement none.
  if (jws.header.crit !== undefined) throw new TokenRejectedError('critical header parameters');

  let valid: boolean;
  if (alg === 'HS256') {
    // Refused before any network call when the project is not on the legacy secret.
    if (settings.jwtSecret === undefined) throw new TokenRejectedError('HS256 without SUPABASE_JWT_SECRET');
    // Supabase Auth MACs with the secret's UTF-8 bytes as they are, not base64-decoded.
    valid = await verifyWithSecret(new TextEncoder().encode(settings.jwtSecret), jws.signature, jws.signingInput);
  } else if (alg === 'ES256' || alg === 'RS256') {
    // Supabase's asymmetric tokens always name their key (RFC 7515 §4.1.4).
    if (typeof kid !== 'string' || kid === '') throw new TokenRejectedError('no key id');
    const key = await settings.findKey(kid);
    if (!key) throw new TokenRejectedError('unknown key id');
    if (key.alg !== alg) throw new TokenRejectedError('algorithm does not match the key');
    valid = await verifyWithKey(key, jws.signature, jws.signingInput);
  } else {
    throw new TokenRejectedError('algorithm not accepted');
  }
  if (!valid) throw new TokenRejectedError('bad signature');
  return readClaims(jws);
}

/**
 * Verifies a Supabase access token entirely in the Worker: the signature (above), then the claims
 * that make it one of this project's user tokens (RFC 7519 §7.2, §4.1; RFC 8725 §3.8, §3.9).
 * Nothing is ever sent to the Auth server.
 */
export async function verifyAccessToken(token: string, settings: TokenVerifierSettings): Promise<VerifiedToken> {
  const claims = await verifySignature(token, settings);
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== `${settings.supabaseUrl}/auth/v1`) throw new TokenRejectedError('wrong issuer');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes('authenticated')) throw new TokenRejectedError('wrong audience');
  if (claims.role !== 'authenticated') throw new TokenRejectedError('wrong role');
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new TokenRejectedError('expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now))
    throw new TokenRejectedError('not yet valid');
  if (typeof claims.sub !== 'string' || !uuidPattern.test(claims.sub)) throw new TokenRejectedError('no subject');
  // Supabase anonymous sign-ins carry role `authenticated` too; only this claim tells them apart
  // (Supabase docs, "Anonymous Sign-Ins"). Anything but false or absent counts as anonymous.
  if (claims.is_anonymous !== undefined && claims.is_anonymous !== false && !settings.allowAnonymous) {
    throw new TokenRejectedError('anonymous user');
  }
  return {
    userId: claims.sub,
    sessionId: typeof claims.session_id === 'string' ? claims.session_id : null,
    claims,
  };
}
