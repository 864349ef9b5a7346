import { decodeBase64url, encodeBase64url } from '../http/base64url';

/**
 * Bundle download links carry their own authorisation, so a browser link or `curl -O` works
 * without an Authorization header: `<expires>.<HMAC-SHA256(secret, "bundle:<id>:<expires>")>`,
 * base64url (RFC 4648 §5). The HMAC binds the bundle id and the expiry; checking it with
 * `crypto.subtle.verify` compares in constant time.
 */
const encoder = new TextEncoder();

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(secret, key);
  }
  return key;
}

const message = (bundleId: string, expiresAtSeconds: number) =>
  encoder.encode(`bundle:${bundleId}:${expiresAtSeconds}`);

export async function signBundleLink(secret: string, bundleId: string, expiresAt: Date): Promise<string> {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret), message(bundleId, expires));
  return `${expires}.${encodeBase64url(new Uint8Array(signature))}`;
}

/**
 * 'valid', or why not: for logs only, clients hear one message whatever the reason.
 *
 * `secrets` is the current secret, then the previous one while a rotation is under way: a link
 * signed with either verifies, so rotating the secret breaks no live link. New links are signed
 * with the current secret only, so once every link signed with the previous one has expired
 * (at most the link lifetime after the rotation) the previous secret can be removed.
 */
export async function verifyBundleLink(
  secrets: readonly string[],
  bundleId: string,
  token: string,
  now = new Date(),
): Promise<'valid' | 'expired' | 'invalid'> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return 'invalid';
  const expires = Number(match[1]);
  const signature = decodeBase64url(match[2]!);
  if (!signature) return 'invalid';
  let authentic = false;
  for (const secret of secrets) {
    if (await crypto.subtle.verify('HMAC', await hmacKey(secret), signature, message(bundleId, expires))) {
      authentic = true;
      break;
    }
  }
  if (!authentic) return 'invalid';
  return expires * 1000 > now.getTime() ? 'valid' : 'expired';
}
