/**
 * CRC-32 as ZIP stores it (APPNOTE 4.4.7: polynomial 0xEDB88320, reflected, pre- and
 * post-inverted). Only small in-memory members (the manifest) are hashed here; stored bodies have
 * their CRC recorded at upload, and a writer hashing a stream should use native zlib instead.
 */
const table = buildTable();

function buildTable(): Uint32Array {
  const result = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let value = byte;
    for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    result[byte] = value >>> 0;
  }
  return result;
}

/** Continues from `previous` (the CRC of the bytes before), like zlib's crc32(data, value). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let value = ~previous >>> 0;
  for (const byte of bytes) value = (table[(value ^ byte) & 0xff] ?? 0) ^ (value >>> 8);
  return ~value >>> 0;
}
