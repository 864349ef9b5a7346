import type { DatasetFormat } from '../db/dataset-builds';

// Cutting a dataset's member list into shards, in archive order, one keyset page at a time: the
// cutter keeps only the shard being filled, so the whole list is never in memory.

/** A shard: members at positions [firstPosition, lastPosition] of the dataset. */
export interface ShardRange {
  index: number;
  firstPosition: number;
  lastPosition: number;
  members: number;
  /** Upper bound of the shard archive's size (memberArchiveBytes), not its exact size. */
  estimatedBytes: number;
}

export interface ShardBounds {
  maxMembers: number;
  maxBytes: number;
  /** The shards' format, which decides what a member adds besides its body; zip when absent. */
  format?: DatasetFormat;
}

/** A member as the cut reads it: its position, body size and the bytes of its free-text fields. */
export interface MemberSize {
  position: number;
  size: number;
  /** Bytes of the content type and pseudonym, which the manifest row repeats (doubled if quoted). */
  textBytes: number;
}

// Bytes a shard holds besides its members: for ZIP, manifest.csv's header line and entry and the
// ZIP64 end records (APPNOTE 4.3.14-4.3.16); for Parquet, the magic, schema, Hugging Face
// metadata and footer length; for tar, the two end blocks. Each well under 4 KiB.
const archiveOverhead = 4096;

/**
 * The most one member adds to a shard besides its body and twice its free text, per format:
 * - zip: local and central headers with the name `<task>/<submission>.<ext>` (at most 80 bytes)
 *   and ZIP64 extra fields (APPNOTE 4.3.7, 4.3.12, 4.5.3: 30 + 46 + 2 x 80 + 48 < 300), a data
 *   descriptor (24), and its manifest.csv row: two ids, size, SHA-256 and name (~250). 1 KiB.
 * - parquet: its media page's header, levels and length (< 50), its values in the small columns
 *   (< 300), and, when it is alone in its row group, that group's eight small pages' headers and
 *   nine column chunks in the footer (< 1,100). 2 KiB.
 * - webdataset: two 512-byte tar headers, each body's padding (< 512 each), the JSON (< 400),
 *   and a pax header block pair for a size of 8 GiB or more (1,024). 3.5 KiB.
 * The free text (content type, pseudonym) is counted twice, as if every character were escaped.
 */
export const memberOverheadBytes: Record<DatasetFormat, number> = { zip: 1024, parquet: 2048, webdataset: 3584 };

/** At least what one member adds to a shard (src/formats/package-layout.ts). */
export function memberArchiveBytes(
  member: Pick<MemberSize, 'size' | 'textBytes'>,
  format: DatasetFormat = 'zip',
): number {
  return member.size + memberOverheadBytes[format] + 2 * member.textBytes;
}

/**
 * Greedy cut in archive order: a shard takes members until one more would pass `maxMembers` or
 * `maxBytes` (estimated). A member larger than `maxBytes` alone gets a shard of its own, since a
 * member is never split.
 */
export class ShardCutter {
  readonly shards: ShardRange[] = [];
  private open: ShardRange | null = null;

  constructor(private readonly bounds: ShardBounds) {}

  add(member: MemberSize): void {
    const bytes = memberArchiveBytes(member, this.bounds.format);
    const open = this.open;
    if (open && open.members < this.bounds.maxMembers && open.estimatedBytes + bytes <= this.bounds.maxBytes) {
      open.lastPosition = member.position;
      open.members++;
      open.estimatedBytes += bytes;
      return;
    }
    if (open) this.shards.push(open);
    this.open = {
      index: this.shards.length,
      firstPosition: member.position,
      lastPosition: member.position,
      members: 1,
      estimatedBytes: archiveOverhead + bytes,
    };
  }

  /** Every shard, the last one closed. */
  finish(): ShardRange[] {
    if (this.open) this.shards.push(this.open);
    this.open = null;
    return this.shards;
  }
}
