import { encodeSegment, type Jwk } from '../../scripts/lib/jwt';

// Token forging for the auth tests, beyond the ES256 of scripts/lib/jwt.ts: RS256 keys, HS256
// MACs with any secret, and the public key as PEM. WebCrypto only, as the Worker itself.

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** A new RSA key pair for RS256 as JWKs; the public one is what a JWKS would publish. */
export async function generateRsaKey(modulusLength = 2048): Promise<{ privateJwk: Jwk; publicJwk: Jwk }> {
  const pair = (await crypto.subtle.generateKey(
    { ...rsa, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const kid = crypto.randomUUID();
  const publicJwk = { kty: 'RSA', n: privateJwk.n, e: privateJwk.e, kid, alg: 'RS256', use: 'sig' } as Jwk;
  return { privateJwk: { ...privateJwk, kid } as Jwk, publicJwk };
}

/** Signs `payload` with RS256 (RFC 7518 §3.3). */
export async function signRs256(
  privateJwk: Jwk,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const { kid, alg: _alg, use: _use, key_ops: _ops, ...members } = privateJwk;
  const key = await crypto.subtle.importKey('jwk', members, rsa, false, ['sign']);
  const input = `${encodeSegment({ alg: 'RS256', typ: 'JWT', kid, ...header })}.${encodeSegment(payload)}`;
  return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign(rsa, key, encoder.encode(input))))}`;
}

/** An HS256 token MACed with `secret` (RFC 7518 §3.2); `header` may add a kid. */
export async function signHs256(
  secret: string | Uint8Array,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const bytes = typeof secret === 'string' ? encoder.encode(secret) : secret;
  const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const input = `${encodeSegment({ typ: 'JWT', ...header, alg: 'HS256' })}.${encodeSegment(payload)}`;
  return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(input))))}`;
}

/** An EC public key as PEM (SPKI): the bytes a confused verifier would take as an HMAC secret. */
export async function publicPem(jwk: Jwk): Promise<string> {
  const { kty, crv, x, y } = jwk;
  const key = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, { name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'verify',
  ]);
  const der = base64url(new Uint8Array((await crypto.subtle.exportKey('spki', key)) as ArrayBuffer))
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  const padded = der + '='.repeat((4 - (der.length % 4)) % 4);
  return `-----BEGIN PUBLIC KEY-----\n${padded.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
