import { multipartLimits } from '../s3/limits';
import type { ContainerLayout, StoredBody } from '../containers/layout';

const { minimumPartSize, maximumPartSize, maximumParts } = multipartLimits;
const MiB = 1024 ** 2;

/**
 * Where a part's bytes come from. Offsets are half-open. `stream`: container bytes [start, end)
 * that the Worker produces (headers, small members); `copy`: bytes [start, end) of a stored
 * member's body, copied inside the object store.
 */
export type PartPiece =
  | { kind: 'stream'; start: number; end: number }
  | { kind: 'copy'; memberIndex: number; start: number; end: number };

/**
 * One part of the archive's multipart upload, covering archive bytes [archiveStart, archiveEnd):
 * - `stream`: UploadPart with a body the Worker streams;
 * - `copy`: UploadPartCopy of a range of one member's object;
 * - `composed`: a member's tail followed by the small bytes after it. Those bytes are too few
 *   for a part of their own and may not be the first part of another object either, so they are
 *   joined to the tail of the member before them in a temporary object (copied tail, then the
 *   small bytes as its last part, which may be any size), and that object becomes the part.
 */
export interface PlannedPart {
  partNumber: number;
  kind: 'stream' | 'copy' | 'composed';
  archiveStart: number;
  archiveEnd: number;
  pieces: PartPiece[];
}

export interface PartPlan {
  parts: PlannedPart[];
  /** Bytes the Worker produces and sends: every stream piece. */
  streamedBytes: number;
  /** Bytes copied inside the object store, counting composed tails twice (once per copy). */
  copiedBytes: number;
}

export interface PartPlanOptions {
  /** Stored members with a body at least this large are copied, never streamed. */
  copyThreshold?: number;
  /** Target size of parts cut from long streamed runs. */
  streamPartSize?: number;
  /** The store's smallest non-last part; 5 MiB for S3, smaller only in unit tests. */
  minimumPart?: number;
  maximumPart?: number;
}

export class PartPlanError extends Error {
  override name = 'PartPlanError';
}

/**
 * Cuts an archive into multipart-upload parts so that the bodies of large members are copied
 * inside the object store and only headers and small members pass through the Worker. The
 * plan's CRCs must all be known: a copied body is never read, so its CRC cannot be computed.
 *
 * Only one place may need member bytes in the Worker: before the first large member, when the
 * bytes ahead of it (manifest, headers, small members) are under the minimum part size, the
 * first part borrows the start of that member's body to reach it.
 */
export function planUploadParts(plan: ContainerLayout, options: PartPlanOptions = {}): PartPlan {
  const minimumPart = options.minimumPart ?? minimumPartSize;
  const maximumPart = options.maximumPart ?? maximumPartSize;
  const copyThreshold = Math.max(options.copyThreshold ?? minimumPart, minimumPart);
  const streamPartSize = Math.max(options.streamPartSize ?? 16 * MiB, minimumPart);
  if (!plan.rangesSupported)
    throw new PartPlanError(
      'every byte must be known ahead (every ZIP member CRC-32) to copy members inside the object store',
    );

  const parts: PlannedPart[] = [];
  const add = (kind: PlannedPart['kind'], pieces: PartPiece[], archiveStart: number, archiveEnd: number) =>
    parts.push({ partNumber: parts.length + 1, kind, pieces, archiveStart, archiveEnd });

  const addStream = (start: number, end: number) => {
    const length = end - start;
    if (length <= 0) return;
    const count = Math.max(1, Math.floor(length / streamPartSize));
    for (let index = 0; index < count; index++) {
      const pieceStart = start + Math.floor((length * index) / count);
      const pieceEnd = start + Math.floor((length * (index + 1)) / count);
      add('stream', [{ kind: 'stream', start: pieceStart, end: pieceEnd }], pieceStart, pieceEnd);
    }
  };

  const addCopy = (body: StoredBody, start: number, end: number) => {
    const length = end - start;
    const count = Math.ceil(length / maximumPart);
    for (let index = 0; index < count; index++) {
      const pieceStart = start + Math.floor((length * index) / count);
      const pieceEnd = start + Math.floor((length * (index + 1)) / count);
      add(
        'copy',
        [{ kind: 'copy', memberIndex: body.index, start: pieceStart, end: pieceEnd }],
        body.offset + pieceStart,
        body.offset + pieceEnd,
      );
    }
  };

  // The large member whose body [start, end) still awaits parts, and where the bytes after it begin.
  let pending: { body: StoredBody; start: number; end: number } | null = null;
  let runStart = 0;

  const large = plan.storedBodies.filter((body) => body.length >= copyThreshold);
  for (const entry of large) {
    const runEnd = entry.offset;
    const runLength = runEnd - runStart;
    let bodyStart = 0;
    if (pending === null) {
      if (runLength < minimumPart) {
        bodyStart = minimumPart - runLength;
        // Too little left after borrowing to copy: this member streams with the bytes before it.
        if (entry.length - bodyStart < minimumPart) continue;
      }
      addStream(runStart, runEnd + bodyStart);
    } else {
      if (runLength >= minimumPart) {
        addCopy(pending.body, pending.start, pending.end);
        addStream(runStart, runEnd);
      } else {
        // Keep the composed object small: only the last minimumPart bytes of the body are copied twice.
        const tailStart = pending.end - pending.start >= 2 * minimumPart ? pending.end - minimumPart : pending.start;
        if (tailStart > pending.start) addCopy(pending.body, pending.start, tailStart);
        add(
          'composed',
          [
            { kind: 'copy', memberIndex: pending.body.index, start: tailStart, end: pending.end },
            { kind: 'stream', start: runStart, end: runEnd },
          ],
          pending.body.offset + tailStart,
          runEnd,
        );
      }
    }
    pending = { body: entry, start: bodyStart, end: entry.length };
    runStart = entry.offset + entry.length;
  }
  if (pending !== null) addCopy(pending.body, pending.start, pending.end);
  // The rest (the central directory at least) ends the upload; its last part may be any size.
  addStream(runStart, plan.totalLength);

  if (parts.length > maximumParts)
    throw new PartPlanError(`the archive needs ${parts.length} parts; S3 allows ${maximumParts}`);
  let streamedBytes = 0;
  let copiedBytes = 0;
  for (const part of parts) {
    for (const piece of part.pieces) {
      const length = piece.end - piece.start;
      if (piece.kind === 'stream') streamedBytes += length;
      else copiedBytes += part.kind === 'composed' ? 2 * length : length;
    }
  }
  return { parts, streamedBytes, copiedBytes };
}
