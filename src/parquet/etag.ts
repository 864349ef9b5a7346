import { encodeHex } from '../encoding/hex';
import { planMediaParquetRegions } from './plan';
import type { MediaRow, ParquetPlanOptions } from './types';

/**
 * Names what the ETag is computed over, so that a change of what is hashed (not of the layout,
 * which the hash sees by itself) cannot make two different files share an ETag.
 */
const etagVersion = new TextEncoder().encode('storage-manager-parquet/1\n');

/**
 * A strong ETag for the shard: SHA-256 over every byte the planner produces, with each media
 * body standing as its length. Every row field (id, task, content type, size, sha256, times,
 * path) and every option lands in those bytes, so any change to them, and any change to the
 * layout itself, changes the ETag without a version to bump; the bodies are the rows' immutable
 * objects, named by the ids and digests already hashed. memberIndex is the caller's numbering,
 * not content, and does not count.
 */
export async function parquetEtag(rows: readonly MediaRow[], options?: ParquetPlanOptions): Promise<string> {
  const regions = planMediaParquetRegions(rows, options);
  const parts: Uint8Array[] = [etagVersion];
  for (const region of regions) {
    // A tag byte and an 8-byte length frame each region, so no two sequences hash the same input.
    const frame = new Uint8Array(9);
    const view = new DataView(frame.buffer);
    frame[0] = region.kind === 'bytes' ? 1 : 2;
    view.setBigUint64(1, BigInt(region.length), true);
    parts.push(frame);
    if (region.kind === 'bytes') parts.push(region.bytes());
  }
  const input = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.length;
  }
  return `"${encodeHex(await crypto.subtle.digest('SHA-256', input))}"`;
}
