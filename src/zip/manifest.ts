import { deflateSync } from 'fflate';
import { crc32 } from './crc32';
import type { CompressedMember } from './types';

const utf8 = new TextEncoder();

/**
 * The manifest.csv member: compressed once, here, with raw DEFLATE (APPNOTE 4.4.5 method 8 is
 * raw deflate, no zlib wrapper), so the plan holds its bytes and its exact length. The level is
 * fixed rather than left to the library's default so the bytes, and the archive's ETag, do not
 * change under a silent default change; an fflate upgrade that changes its output changes the
 * ETag too, since etag.ts hashes the compressed bytes.
 */
export function planManifestMember(csvText: string, modifiedAt: Date, name = 'manifest.csv'): CompressedMember {
  const text = utf8.encode(csvText);
  return {
    name,
    compressed: deflateSync(text, { level: 6 }),
    uncompressedSize: text.length,
    crc32: crc32(text),
    method: 'deflate',
    modifiedAt,
  };
}
