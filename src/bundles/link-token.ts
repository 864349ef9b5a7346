import { decodeBase64url, encodeBase64url } from '../encoding/base64url';

/**
 * Bundle download links carry their own authorisation, so a browser link or `curl -O` works
 * without an Authorization header: `<expires>.<HMAC-SHA256(secret, "bundle:<id>:<expires>")>`,
 * base64url (RFC 4648 §5). The HMAC binds the bundle id and the expiry; checking it with
 * `crypto.subtle.verify` compares in constant time.
 */
const encoder = new TextEncoder();

const message = (bundleId: string, expiresAtSeconds: number) =>
  encoder.encode(`bundle:${bundleId}:${expiresAtSeconds}`);

function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export interface BundleLinkSigner {
  sign(bundleId: string, expiresAt: Date): Promise<string>;
  /** 'valid', or why not: for logs only, clients hear one message whatever the reason. */
  verify(bundleId: string, token: string, now?: Date): Promise<'valid' | 'expired' | 'invalid'>;
}

/**
 * Signs with `current`; verifies with `current`, then `previous` while a rotation is under way: a
 * link signed with either verifies, so rotating the secret breaks no live link. New links are
 * signed with the current secret only, so once every link signed with the previous one has
 * expired (at most the link lifetime after the rotation) the previous secret can be removed.
 * One signer per isolate (src/isolate.ts) keeps the imported keys; only imported keys are kept,
 * never a pending import another request started.
 */
export function bundleLinkSigner(secrets: { current: string; previous?: string }): BundleLinkSigner {
  const ordered = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
  const keys = new Map<string, CryptoKey>();
  async function keyFor(secret: string): Promise<CryptoKey> {
    let key = keys.get(secret);
    if (!key) {
      key = await importHmacKey(secret);
      keys.set(secret, key);
    }
    return key;
  }
  return {
    async sign(bundleId, expiresAt) {
      const expires = Math.floor(expiresAt.getTime() / 1000);
      const signature = await crypto.subtle.sign('HMAC', await keyFor(secrets.current), message(bundleId, expires));
      return `${expires}.${encodeBase64url(new Uint8Array(signature))}`;
    },
    async verify(bundleId, token, now = new Date()) {
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return 'invalid';
      const expires = Number(match[1]);
      const signature = decodeBase64url(match[2]!);
      if (!signature) return 'invalid';
      let authentic = false;
      for (const secret of ordered) {
        if (await crypto.subtle.verify('HMAC', await keyFor(secret), signature, message(bundleId, expires))) {
          authentic = true;
          break;
        }
      }
      if (!authentic) return 'invalid';
      return expires * 1000 > now.getTime() ? 'valid' : 'expired';
    },
  };
}

/** A link signed with `secret` alone: for tools and tests that hold a secret, not an isolate. */
export function signBundleLink(secret: string, bundleId: string, expiresAt: Date): Promise<string> {
  return bundleLinkSigner({ current: secret }).sign(bundleId, expiresAt);
}
