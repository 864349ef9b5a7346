/**
 * Verification keys with WebCrypto. Each key is bound to exactly one algorithm when it is
 * imported, from its key type, so a token's `alg` can only select a key of that algorithm and
 * never turn a public key into an HMAC secret (RFC 8725 §3.1, the algorithm-confusion attack).
 */

/** The asymmetric algorithms of Supabase's signing keys (Supabase docs, "JWT Signing Keys"). */
export type AsymmetricAlgorithm = 'ES256' | 'RS256';

export interface VerificationKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  key: CryptoKey;
}

export type KeySet = ReadonlyMap<string, VerificationKey>;

const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const rsaPkcs1Sha256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

// RFC 7518 §3.3: RS256 keys MUST be 2048 bits or larger.
const minimumRsaModulusBits = 2048;

function algorithmOf(jwk: Record<string, unknown>): AsymmetricAlgorithm | null {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'RSA') return 'RS256';
  return null;
}

/**
 * One JWK as a verification key, or null when it is not one we may use: no kid, not for signatures
 * (RFC 7517 §4.2 `use`, §4.3 `key_ops`), a key type we do not verify with (`oct` among them:
 * symmetric keys never come from a key set), an `alg` that contradicts its type (§4.4), a short
 * RSA modulus, or members WebCrypto refuses. Only the public members are imported.
 */
export async function importVerificationKey(jwk: Record<string, unknown>): Promise<VerificationKey | null> {
  const { kid } = jwk;
  if (typeof kid !== 'string' || kid === '') return null;
  if (jwk.use !== undefined && jwk.use !== 'sig') return null;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return null;
  const alg = algorithmOf(jwk);
  if (!alg || (jwk.alg !== undefined && jwk.alg !== alg)) return null;
  try {
    if (alg === 'ES256') {
      if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return null;
      const key = await crypto.subtle.importKey(
        'jwk',
        { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
        ecdsaP256,
        false,
        ['verify'],
      );
      return { kid, alg, key };
    }
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return null;
    const key = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, rsaPkcs1Sha256, false, [
      'verify',
    ]);
    if (((key.algorithm as { modulusLength?: number }).modulusLength ?? 0) < minimumRsaModulusBits) return null;
    return { kid, alg, key };
  } catch {
    return null;
  }
}

/**
 * The usable keys of a JWK Set by kid. Keys that are not usable are skipped, as RFC 7517 §5
 * says, rather than failing the whole set; the first key wins if a kid repeats.
 */
export async function importKeySet(keys: readonly unknown[]): Promise<KeySet> {
  const imported = await Promise.all(
    keys.map((jwk) =>
      typeof jwk === 'object' && jwk !== null && !Array.isArray(jwk)
        ? importVerificationKey(jwk as Record<string, unknown>)
        : null,
    ),
  );
  const set = new Map<string, VerificationKey>();
  for (const key of imported) if (key && !set.has(key.kid)) set.set(key.kid, key);
  return set;
}

/** Checks an ES256 or RS256 signature with the key its kid named. */
export async function verifyWithKey(
  key: VerificationKey,
  signature: Uint8Array,
  signingInput: Uint8Array,
): Promise<boolean> {
  if (key.alg === 'ES256') {
    // RFC 7518 §3.4: the 64-byte R || S, which is also what WebCrypto's ECDSA reads.
    if (signature.byteLength !== 64) return false;
    return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key.key, signature, signingInput);
  }
  return crypto.subtle.verify(rsaPkcs1Sha256, key.key, signature, signingInput);
}

const hmacSha256 = { name: 'HMAC', hash: 'SHA-256' } as const;

/** Checks an HS256 MAC (RFC 7518 §3.2). WebCrypto compares in constant time (RFC 7515 §10.9). */
export async function verifyWithSecret(
  secret: Uint8Array,
  signature: Uint8Array,
  signingInput: Uint8Array,
): Promise<boolean> {
  if (signature.byteLength !== 32) return false;
  const key = await crypto.subtle.importKey('raw', secret, hmacSha256, false, ['verify']);
  return crypto.subtle.verify('HMAC', key, signature, signingInput);
}
