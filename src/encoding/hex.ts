/** Lower-case hexadecimal, two digits per byte (RFC 4648 §8, "base16"): how digests are shown. */
export function encodeHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (const byte of view) text += byte.toString(16).padStart(2, '0');
  return text;
}
