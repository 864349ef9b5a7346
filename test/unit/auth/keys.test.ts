import { describe, expect, it } from 'vitest';
import { parseCompactJws, readClaims, TokenRejectedError } from '../../../src/auth/jws';
import { importKeySet, importVerificationKey, verifyWithKey, verifyWithSecret } from '../../../src/auth/keys';
import { decodeBase64url } from '../../../src/encoding/base64url';

// The examples of RFC 7515 Appendix A: the same claims, MACed (A.1) and signed (A.2 RS256, A.3
// ES256) with the keys printed there.
const payload = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
const rfc7515 = {
  hs256: {
    key: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
    jws: `eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.${payload}.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`,
  },
  rs256: {
    jwk: {
      kty: 'RSA',
      kid: 'a2',
      e: 'AQAB',
      n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
    },
    jws: `eyJhbGciOiJSUzI1NiJ9.${payload}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw`,
  },
  es256: {
    jwk: {
      kty: 'EC',
      kid: 'a3',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
    },
    jws: `eyJhbGciOiJFUzI1NiJ9.${payload}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q`,
  },
};

function tampered(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[5]! ^= 1;
  return copy;
}

describe('signature checks against RFC 7515 Appendix A', () => {
  it('A.1: HS256 with the example key', async () => {
    const jws = parseCompactJws(rfc7515.hs256.jws);
    expect(jws.header).toEqual({ typ: 'JWT', alg: 'HS256' });
    const key = decodeBase64url(rfc7515.hs256.key)!;
    expect(await verifyWithSecret(key, jws.signature, jws.signingInput)).toBe(true);
    expect(await verifyWithSecret(key, tampered(jws.signature), jws.signingInput)).toBe(false);
    expect(await verifyWithSecret(key.subarray(1), jws.signature, jws.signingInput)).toBe(false);
    expect(readClaims(jws)).toEqual({ iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true });
  });

  it('A.2: RS256 with the example public key', async () => {
    const jws = parseCompactJws(rfc7515.rs256.jws);
    const key = (await importVerificationKey(rfc7515.rs256.jwk))!;
    expect(key.alg).toBe('RS256');
    expect(await verifyWithKey(key, jws.signature, jws.signingInput)).toBe(true);
    expect(await verifyWithKey(key, tampered(jws.signature), jws.signingInput)).toBe(false);
  });

  it('A.3: ES256 with the example key, of which only the public part is imported', async () => {
    const jws = parseCompactJws(rfc7515.es256.jws);
    const key = (await importVerificationKey(rfc7515.es256.jwk))!;
    expect(key).toMatchObject({ kid: 'a3', alg: 'ES256' });
    expect(key.key.type).toBe('public');
    expect(await verifyWithKey(key, jws.signature, jws.signingInput)).toBe(true);
    expect(await verifyWithKey(key, tampered(jws.signature), jws.signingInput)).toBe(false);
    // A DER-encoded or truncated signature is not R || S (RFC 7518 §3.4).
    expect(await verifyWithKey(key, jws.signature.subarray(0, 63), jws.signingInput)).toBe(false);
  });

  it('keys are bound to their algorithm: the RS256 example does not verify with the EC key, nor HS256 with a JWK as secret', async () => {
    const ec = (await importVerificationKey(rfc7515.es256.jwk))!;
    const rs256 = parseCompactJws(rfc7515.rs256.jws);
    expect(await verifyWithKey(ec, rs256.signature, rs256.signingInput)).toBe(false);
    const hs256 = parseCompactJws(rfc7515.hs256.jws);
    expect(
      await verifyWithSecret(
        new TextEncoder().encode(JSON.stringify(rfc7515.es256.jwk)),
        hs256.signature,
        hs256.signingInput,
      ),
    ).toBe(false);
  });
});

describe('importing a JWK Set', () => {
  const ec = rfc7515.es256.jwk;
  const rsa = rfc7515.rs256.jwk;

  it('skips keys it must not use, keeps the rest (RFC 7517 §5)', async () => {
    const keySet = await importKeySet([
      { ...ec, kid: 'ok-ec', alg: 'ES256', use: 'sig' },
      { ...rsa, kid: 'ok-rsa', alg: 'RS256', key_ops: ['verify'] },
      { kty: 'oct', kid: 'symmetric', k: rfc7515.hs256.key, alg: 'HS256' },
      { ...ec, kid: 'for-encryption', use: 'enc' },
      { ...ec, kid: 'sign-only', key_ops: ['sign'] },
      { ...ec, kid: 'claims-rs256', alg: 'RS256' },
      { ...rsa, kid: 'claims-hs256', alg: 'HS256' },
      { ...ec, kid: 'p384', crv: 'P-384' },
      { ...ec, kid: 'not-on-curve', y: ec.x },
      { ...ec, kid: '' },
      { kty: 'OKP', kid: 'ed25519', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      'not a key',
      null,
      { ...ec, kid: 'ok-ec', x: rfc7515.es256.jwk.y },
    ]);
    expect([...keySet.keys()].sort()).toEqual(['ok-ec', 'ok-rsa']);
    // The first of two keys with one kid is kept.
    const jws = parseCompactJws(rfc7515.es256.jws);
    expect(await verifyWithKey(keySet.get('ok-ec')!, jws.signature, jws.signingInput)).toBe(true);
  });

  it('refuses RSA keys under 2048 bits (RFC 7518 §3.3)', async () => {
    const algorithm = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
    };
    const pair = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const { n, e } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
    expect(await importVerificationKey({ kty: 'RSA', kid: 'weak', n, e })).toBeNull();
  });
});

describe('reading a compact JWS', () => {
  const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

  it('refuses what is not three base64url segments with a JSON object header', () => {
    const header = encode('{"alg":"ES256"}');
    for (const token of [
      '',
      'a.b',
      'a.b.c.d',
      `${header}..sig`,
      `.${payload}.sig`,
      `${header}.${payload}.si+g`,
      `${encode('[1]')}.${payload}.`,
      `${encode('"x"')}.${payload}.`,
    ]) {
      expect(() => parseCompactJws(token), token).toThrow(TokenRejectedError);
    }
  });

  it('refuses headers that are not UTF-8 or start with a byte-order mark (RFC 8725 §3.7)', () => {
    const latin1 = Buffer.from([0x7b, 0x22, 0x61, 0x6c, 0x67, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]).toString(
      'base64url',
    );
    expect(() => parseCompactJws(`${latin1}.${payload}.`)).toThrow('unreadable header');
    expect(() => parseCompactJws(`${encode('\uFEFF{"alg":"ES256"}')}.${payload}.`)).toThrow('unreadable header');
  });

  it('reads claims as UTF-8, and only objects', () => {
    const header = encode('{"alg":"ES256"}');
    expect(readClaims(parseCompactJws(`${header}.${encode('{"email":"zoë@example.com"}')}.`))).toEqual({
      email: 'zoë@example.com',
    });
    expect(() => readClaims(parseCompactJws(`${header}.${encode('[]')}.`))).toThrow('unreadable claims');
  });
});
