import { crc32 } from 'node:zlib';
import { encodeHex } from '../encoding/hex';
import { forEachChunk } from './read-chunks';

export interface ObjectChecksums {
  size: number;
  crc32: number;
  sha256: string;
}

/**
 * Reads a stream once and returns its length, CRC-32 (ISO-HDLC, the one ZIP stores: APPNOTE
 * 4.4.7) and SHA-256. Both hashes run in native code: zlib's crc32 and crypto.DigestStream, over
 * 64 KiB chunks (forEachChunk). With `copyTo`, every chunk is also written there, in the same
 * pass and at the pace that side takes it, so the bytes checksummed are exactly the bytes
 * written; a failed read aborts it, so a consumer never takes a short copy for a whole one.
 */
export async function checksumStream(
  stream: ReadableStream<Uint8Array>,
  copyTo?: WritableStream<Uint8Array>,
): Promise<ObjectChecksums> {
  const digest = new crypto.DigestStream('SHA-256');
  const writer = digest.getWriter();
  const copy = copyTo?.getWriter();
  let size = 0;
  let crc = 0;
  try {
    await forEachChunk(stream, async (chunk) => {
      size += chunk.byteLength;
      crc = crc32(chunk, crc);
      await Promise.all([writer.write(chunk), copy?.write(chunk)]);
    });
    await copy?.close();
  } catch (error) {
    await copy?.abort(error).catch(() => {});
    throw error;
  }
  await writer.close();
  const sha256 = encodeHex(await digest.digest);
  return { size, crc32: crc >>> 0, sha256 };
}
