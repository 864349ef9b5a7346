/**
 * The one shape every container format (ZIP, tar, Parquet) is laid out as before a byte is sent:
 * its exact length, where each stored member's body lies, and any byte range on demand. The
 * streaming writer (src/streams/archive-writer.ts), the multipart part planner
 * (src/datasets/part-plan.ts) and Range handling need nothing else, so a new format is a new
 * planner and nothing more.
 */

/**
 * One piece of a byte range of a container: bytes the planner produces, or an inclusive range of
 * a stored member's body, relative to that body (an HTTP Range for the object store). `index`
 * names the member as the planner's caller numbered it.
 */
export type ContainerSegment =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'member'; index: number; start: number; end: number };

/** Where one stored member's body lies, contiguous and unchanged, in the container. */
export interface StoredBody {
  index: number;
  /** The member's name in the container, for messages. */
  name: string;
  offset: number;
  length: number;
}

export interface ContainerLayout {
  totalLength: number;
  /** Every stored body, in container order. */
  storedBodies: readonly StoredBody[];
  /**
   * False when some bytes depend on member content the plan has not seen (a ZIP member whose
   * CRC-32 is unknown): the container can then only be written front to back, never sliced.
   */
  rangesSupported: boolean;
  /**
   * The segments that make up exactly bytes [start, endInclusive], in order. Adjacent produced
   * bytes come as one segment. Throws RangeError outside [0, totalLength).
   */
  slice(start: number, endInclusive: number): ContainerSegment[];
}

/** Bytes the planner produces, on demand, so that a slice encodes only what it touches. */
export interface ProducedRegion {
  kind: 'bytes';
  length: number;
  bytes: () => Uint8Array;
}

/** A stored member's whole body. */
export interface MemberRegion {
  kind: 'member';
  index: number;
  name: string;
  length: number;
}

export type Region = ProducedRegion | MemberRegion;

/** Produced bytes already at hand. */
export function producedBytes(bytes: Uint8Array): ProducedRegion {
  return { kind: 'bytes', length: bytes.length, bytes: () => bytes };
}

export function checkRange(totalLength: number, start: number, endInclusive: number): void {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(endInclusive) ||
    start < 0 ||
    endInclusive < start ||
    endInclusive >= totalLength
  ) {
    throw new RangeError(`range ${start}-${endInclusive} is outside a container of ${totalLength} bytes`);
  }
}

/** Gathers adjacent produced pieces into one segment. */
export class SegmentList {
  readonly segments: ContainerSegment[] = [];
  private pending: Uint8Array[] = [];

  addBytes(bytes: Uint8Array): void {
    if (bytes.length > 0) this.pending.push(bytes);
  }

  addMember(index: number, start: number, end: number): void {
    this.flush();
    this.segments.push({ kind: 'member', index, start, end });
  }

  flush(): ContainerSegment[] {
    if (this.pending.length === 1) {
      this.segments.push({ kind: 'bytes', bytes: this.pending[0]! });
    } else if (this.pending.length > 1) {
      const joined = new Uint8Array(this.pending.reduce((sum, piece) => sum + piece.length, 0));
      let offset = 0;
      for (const piece of this.pending) {
        joined.set(piece, offset);
        offset += piece.length;
      }
      this.segments.push({ kind: 'bytes', bytes: joined });
    }
    this.pending = [];
    return this.segments;
  }
}

/** Last position whose value is ≤ target, over an ascending sequence; -1 when none. */
export function lastAtOrBefore(length: number, valueAt: (position: number) => number, target: number): number {
  let low = 0;
  let high = length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (valueAt(middle) <= target) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/**
 * A container that is the given regions back to back. Offsets are summed once; a slice finds its
 * first region by binary search and encodes only the produced regions it overlaps, so a range
 * near the end of a shard of 10,000 members costs a few headers.
 */
export function layOutRegions(regions: readonly Region[]): ContainerLayout {
  const offsets: number[] = [];
  const storedBodies: StoredBody[] = [];
  let cursor = 0;
  for (const region of regions) {
    if (!Number.isSafeInteger(region.length) || region.length < 0)
      throw new RangeError(`a region has invalid length ${region.length}`);
    offsets.push(cursor);
    if (region.kind === 'member')
      storedBodies.push({ index: region.index, name: region.name, offset: cursor, length: region.length });
    cursor += region.length;
  }
  if (!Number.isSafeInteger(cursor)) throw new RangeError(`container length ${cursor} is beyond 2^53`);
  const totalLength = cursor;
  return {
    totalLength,
    storedBodies,
    rangesSupported: true,
    slice(start, endInclusive) {
      checkRange(totalLength, start, endInclusive);
      const end = endInclusive + 1;
      const output = new SegmentList();
      const first = Math.max(
        0,
        lastAtOrBefore(regions.length, (position) => offsets[position]!, start),
      );
      for (let position = first; position < regions.length && offsets[position]! < end; position++) {
        const region = regions[position]!;
        const regionStart = offsets[position]!;
        const from = Math.max(start, regionStart) - regionStart;
        const to = Math.min(end, regionStart + region.length) - regionStart;
        if (to <= from) continue;
        if (region.kind === 'bytes') output.addBytes(region.bytes().subarray(from, to));
        else output.addMember(region.index, from, to - 1);
      }
      return output.flush();
    },
  };
}

/** Stored bodies per window of `sliceInWindows`, and the most produced bytes after the last body. */
const windowMembers = 32;
const windowBytes = 256 * 1024;

/**
 * The segments of bytes [start, endInclusive], as `slice` gives them, produced one window at a
 * time as they are consumed: up to `windowMembers` stored bodies per window, each window ending
 * where a body ends, then pieces of at most `windowBytes` (a ZIP's central directory). A writer
 * streaming a 5,000-member bundle then holds the encoded headers of the members near its position
 * rather than all of them for the whole response.
 */
export function* sliceInWindows(
  container: ContainerLayout,
  start: number,
  endInclusive: number,
): Generator<ContainerSegment, void, undefined> {
  checkRange(container.totalLength, start, endInclusive);
  const bodies = container.storedBodies;
  // The first body that ends after `start`; those before it lie wholly before the range.
  let next =
    lastAtOrBefore(bodies.length, (position) => bodies[position]!.offset + bodies[position]!.length, start) + 1;
  let cursor = start;
  while (cursor <= endInclusive) {
    let windowEnd = cursor + windowBytes - 1;
    if (next < bodies.length) {
      // Ends after `cursor`, since bodies ascend and `next` ends after it.
      const last = Math.min(next + windowMembers, bodies.length) - 1;
      windowEnd = bodies[last]!.offset + bodies[last]!.length - 1;
      next = last + 1;
    }
    windowEnd = Math.min(endInclusive, Math.max(windowEnd, cursor));
    yield* container.slice(cursor, windowEnd);
    cursor = windowEnd + 1;
  }
}

/** The first stored-body segment of bytes [start, endInclusive], or null when the range has none. */
export function firstMemberSegment(
  container: ContainerLayout,
  start: number,
  endInclusive: number,
): Extract<ContainerSegment, { kind: 'member' }> | null {
  for (const segment of sliceInWindows(container, start, endInclusive)) if (segment.kind === 'member') return segment;
  return null;
}
