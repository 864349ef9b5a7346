// Local stand-in for Supabase Auth's signing key: an ES256 key pair, its public JWKS, and access
// tokens shaped like Supabase's (RFC 7519 claims plus role, session_id, email). Uses only
// WebCrypto, so the same code signs in Node (scripts) and in workerd (tests).

const encoder = new TextEncoder();

export type Jwk = JsonWebKey & { kid: string; alg?: string; use?: string };
export interface Jwks {
  keys: Jwk[];
}
export type DemoRole = 'contributor' | 'validator' | 'admin' | 'company';

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function encodeSegment(value: unknown): string {
  return base64url(encoder.encode(JSON.stringify(value)));
}

/** A new P-256 key pair as JWKs; the public one carries the kid that tokens name. */
export async function generateSigningKey(): Promise<{ privateJwk: Jwk; jwks: Jwks }> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const { kty, crv, x, y, d } = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const publicJwk: Jwk = { kty, crv, x, y, kid: crypto.randomUUID(), alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...publicJwk, d }, jwks: { keys: [publicJwk] } };
}

/** Signs `payload` as a compact JWS with ES256 (RFC 7518 §3.4: raw r||s, which WebCrypto emits). */
export async function signJwt(
  privateJwk: Jwk,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'jwk',
    { ...privateJwk, key_ops: ['sign'] },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const signingInput = `${encodeSegment({ alg: 'ES256', typ: 'JWT', kid: privateJwk.kid, ...header })}.${encodeSegment(payload)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, encoder.encode(signingInput));
  return `${signingInput}.${base64url(new Uint8Array(signature))}`;
}

/** Claims the way Supabase Auth issues them for a signed-in user. */
export function supabaseClaims({
  supabaseUrl,
  userId,
  email,
  lifetimeSeconds = 3600,
  now = Math.floor(Date.now() / 1000),
}: {
  supabaseUrl: string;
  userId: string;
  email: string;
  lifetimeSeconds?: number;
  now?: number;
}): Record<string, unknown> {
  return {
    iss: `${supabaseUrl}/auth/v1`,
    sub: userId,
    aud: 'authenticated',
    exp: now + lifetimeSeconds,
    iat: now,
    email,
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: now }],
    session_id: crypto.randomUUID(),
    is_anonymous: false,
  };
}

/** The seeded demo users (scripts/sql/seed.sql), by application role. */
export const demoUsers: Record<DemoRole, { userId: string; email: string }> = {
  contributor: { userId: '00000000-0000-4000-8000-00000000c001', email: 'contributor@demo.xum-ai.app' },
  validator: { userId: '00000000-0000-4000-8000-00000000c002', email: 'validator@demo.xum-ai.app' },
  admin: { userId: '00000000-0000-4000-8000-00000000c003', email: 'admin@demo.xum-ai.app' },
  company: { userId: '00000000-0000-4000-8000-00000000c004', email: 'company@demo.xum-ai.app' },
};

export const demoTaskId = '00000000-0000-4000-8000-0000000a0001';
export const demoCompanyId = '00000000-0000-4000-8000-0000000c0a01';
