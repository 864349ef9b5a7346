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
}

/** A member as the cut reads it: its position, body size and the bytes of its free-text fields. */
export interface MemberSize {
  position: number;
  size: number;
  /** Bytes of the content type and pseudonym, which the manifest row repeats (doubled if quoted). */
  textBytes: number;
}

// Bytes an archive holds besides its members: manifest.csv's header line, headers, its own entry
// in the central directory, and the ZIP64 end records (APPNOTE 4.3.14-4.3.16): well under 4 KiB.
const archiveOverhead = 4096;

/**
 * At least what one member adds to a shard archive (src/formats/package-layout.ts): its body;
 * local and central headers with the name `<task>/<submission>.<ext>` (at most 80 bytes) and
 * ZIP64 extra fields (APPNOTE 4.3.7, 4.3.12, 4.5.3: 30 + 46 + 2 x 80 + 48 < 300), a data
 * descriptor (24); and its manifest.csv row: two ids, size, SHA-256 and name (~250), plus the
 * content type and pseudonym, doubled as if every character were a quote (RFC 4180). 1 KiB
 * covers the fixed part with room to spare.
 */
export function memberArchiveBytes(member: Pick<MemberSize, 'size' | 'textBytes'>): number {
  return member.size + 1024 + 2 * member.textBytes;
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
    const bytes = memberArchiveBytes(member);
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
