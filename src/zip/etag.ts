import { encodeHex } from '../encoding/hex';
import type { ArchivePlan } from './types';

/**
 * Bumped whenever the planner's layout changes (an extra field added, a header value changed),
 * because the same member list would then give different bytes under the same ETag.
 */
const layoutVersion = 'storage-manager-zip/1';

const utf8 = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', bytes);
}

/**
 * An ETag for the archive, from what determines its bytes: layout version, then per member (in
 * order) name, method, sizes, CRC, modification time, and for an inline member the digest of its
 * compressed bytes. One line per member, tab-separated: names cannot hold tabs or newlines
 * (names.ts), so the input is unambiguous.
 *
 * Strong when every CRC is known: the bytes are then a function of this input. Weak (W/) when a
 * CRC is unknown: the central directory then depends on body bytes the plan never saw, and a
 * weak validator also keeps If-Range from ever matching, as such a bundle offers no ranges.
 */
export async function archiveEtag(plan: ArchivePlan): Promise<string> {
  const lines = [layoutVersion];
  for (const entry of plan.entries) {
    const inlineDigest = entry.body.kind === 'inline' ? encodeHex(await sha256(entry.body.bytes)) : '-';
    lines.push(
      [
        entry.compressionMethod,
        entry.uncompressedSize,
        entry.compressedSize,
        entry.crc32 ?? '-',
        entry.dosDate,
        entry.dosTime,
        entry.unixModifiedSeconds ?? '-',
        inlineDigest,
        entry.name,
      ].join('\t'),
    );
  }
  const digest = encodeHex(await sha256(utf8.encode(lines.join('\n'))));
  return plan.rangesSupported ? `"${digest}"` : `W/"${digest}"`;
}
