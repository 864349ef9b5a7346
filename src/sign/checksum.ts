import { crc32 } from 'node:zlib';

export interface ObjectChecksums {
  size: number;
  crc32: number;
  sha256: string;
}

const chunkBytes = 64 * 1024;

/**
 * Reads a stream once and returns its length, CRC-32 (ISO-HDLC, the one ZIP stores: APPNOTE
 * 4.4.7) and SHA-256. Both hashes run in native code: zlib's crc32 and crypto.DigestStream; a
 * BYOB reader in 64 KiB chunks keeps the per-chunk JavaScript small, since default reads of a
 * fetch body come in 4 KiB pieces.
 */
export async function checksumStream(stream: ReadableStream<Uint8Array>): Promise<ObjectChecksums> {
  const digest = new crypto.DigestStream('SHA-256');
  const writer = digest.getWriter();
  const reader = stream.getReader({ mode: 'byob' });
  let size = 0;
  let crc = 0;
  try {
    for (;;) {
      // A fresh buffer per read: the digest may still hold the previous chunk.
      const { value, done } = await reader.readAtLeast(chunkBytes, new Uint8Array(chunkBytes));
      if (value && value.byteLength > 0) {
        size += value.byteLength;
        crc = crc32(value, crc);
        await writer.write(value);
      }
      if (done) break;
    }
    await writer.close();
  } finally {
    reader.releaseLock();
  }
  const sha256 = [...new Uint8Array(await digest.digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return { size, crc32: crc >>> 0, sha256 };
}
