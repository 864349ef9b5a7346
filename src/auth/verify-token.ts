import { createClient, type JWK, type SupabaseClient } from '@supabase/supabase-js';

export interface TokenVerifierSettings {
  supabaseUrl: string;
  /** A fixed key set; when absent, supabase-js fetches and caches the project's JWKS. */
  jwks?: { keys: JWK[] };
}

export interface VerifiedToken {
  userId: string;
  sessionId: string | null;
  /** The verified claims, as Postgres expects them in `request.jwt.claims` for RLS. */
  claims: Record<string, unknown>;
}

/** Why a token was refused: for logs only, clients hear one generic message (RFC 6750 §3.1). */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
}

// Asymmetric algorithms Supabase signing keys use. HS256 would make getClaims call the Auth
// server for every token, and `none` is no signature at all (RFC 8725 §3.1, §3.2).
const acceptedAlgorithms = new Set(['ES256', 'RS256']);
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One client per project URL and isolate, so supabase-js's JWKS cache outlives a request.
const authClients = new Map<string, SupabaseClient>();

function authClient(supabaseUrl: string): SupabaseClient {
  let client = authClients.get(supabaseUrl);
  if (!client) {
    // The key is only sent as `apikey` to the public JWKS endpoint, which does not need one.
    client = createClient(supabaseUrl, 'jwks-only', {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    authClients.set(supabaseUrl, client);
  }
  return client;
}

function decodeHeader(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    throw new TokenRejectedError('not a compact JWS');
  }
  try {
    const json = atob(parts[0]!.replace(/-/g, '+').replace(/_/g, '/'));
    const header: unknown = JSON.parse(json);
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('not an object');
    return header as Record<string, unknown>;
  } catch {
    throw new TokenRejectedError('unreadable header');
  }
}

/**
 * Verifies a Supabase access token. supabase-js `auth.getClaims` checks the signature against the
 * JWKS and the expiry; everything else that makes a token ours is checked here: the header (before
 * any network call), the issuer, the audience and the Postgres role (RFC 7519 §4.1).
 */
export async function verifyAccessToken(token: string, settings: TokenVerifierSettings): Promise<VerifiedToken> {
  const header = decodeHeader(token);
  if (typeof header.alg !== 'string' || !acceptedAlgorithms.has(header.alg)) throw new TokenRejectedError('algorithm not accepted');
  if (typeof header.kid !== 'string' || header.kid === '') throw new TokenRejectedError('no key id');
  // With a fixed key set an unknown kid is refused here; otherwise getClaims would fall back to
  // asking the Auth server about the token.
  if (settings.jwks && !settings.jwks.keys.some((key) => key.kid === header.kid)) throw new TokenRejectedError('unknown key id');

  let claims: Record<string, unknown>;
  try {
    const { data, error } = await authClient(settings.supabaseUrl).auth.getClaims(token, settings.jwks ? { jwks: settings.jwks } : {});
    if (error || !data) throw new TokenRejectedError(`getClaims: ${error?.message ?? 'no claims'}`);
    claims = data.claims as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TokenRejectedError) throw error;
    throw new TokenRejectedError(`verification failed: ${(error as Error).message}`);
  }

  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== `${settings.supabaseUrl}/auth/v1`) throw new TokenRejectedError('wrong issuer');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes('authenticated')) throw new TokenRejectedError('wrong audience');
  if (claims.role !== 'authenticated') throw new TokenRejectedError('wrong role');
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new TokenRejectedError('expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now) throw new TokenRejectedError('not yet valid');
  if (typeof claims.sub !== 'string' || !uuidPattern.test(claims.sub)) throw new TokenRejectedError('no subject');
  return {
    userId: claims.sub,
    sessionId: typeof claims.session_id === 'string' ? claims.session_id : null,
    claims,
  };
}
