import { memberFetchAttempts } from '../bundles/member-source';
import type { ContainerLayout } from '../containers/layout';
import type { PartPiece, PlannedPart } from './part-plan';
import type { ServerSideCopyMode } from '../s3/server-side-copy';

// Workers count every fetch of an invocation against one limit (wrangler.toml [limits]
// subrequests). A build slice stops starting parts before its own budget of them is spent, so
// the limit holds however many members a dataset has; these are the most one part can use.

/**
 * Statements that record a finished part: begin, role and claims, the write, commit
 * (src/db/client.ts inRole). Counted as if each were a subrequest, though Hyperdrive may count
 * only the connection.
 */
const recordStatements = 4;

/** Subrequests one piece may send: its UploadPart or UploadPartCopy and what feeds or explains it. */
function pieceSubrequests(container: ContainerLayout, piece: PartPiece): number {
  // UploadPartCopy, and a HEAD of the member when the copy answers 404 (explainPartFailure).
  if (piece.kind === 'copy') return 2;
  return streamSubrequests(container, piece.start, piece.end);
}

/** UploadPart of bytes [start, end) and a ranged GET of every member they hold, with its retries. */
function streamSubrequests(container: ContainerLayout, start: number, end: number): number {
  const members = container.slice(start, end - 1).filter((segment) => segment.kind === 'member').length;
  return 1 + members * memberFetchAttempts;
}

/** Made inside the store: its copies, and a composed part's temporary object. */
function copySubrequests(container: ContainerLayout, part: PlannedPart): number {
  let count = 0;
  for (const piece of part.pieces) count += pieceSubrequests(container, piece);
  // A composed part's temporary object: Create, Complete, Abort when a piece fails, and the
  // UploadPartCopy of the object into the archive.
  if (part.kind === 'composed') count += 4;
  return count;
}

/**
 * The most subrequests uploading and recording `part` can make (src/datasets/upload-part.ts).
 * A part that copies is streamed whole instead where copies are not asked for, and in `auto`
 * may be both: tried as a copy, then streamed when the store refuses (src/s3/server-side-copy.ts).
 */
export function partSubrequests(
  container: ContainerLayout,
  part: PlannedPart,
  copyMode: ServerSideCopyMode = 'auto',
): number {
  if (part.kind === 'stream')
    return recordStatements + streamSubrequests(container, part.archiveStart, part.archiveEnd);
  const copied = copyMode === 'never' ? 0 : copySubrequests(container, part);
  const streamed = copyMode === 'always' ? 0 : streamSubrequests(container, part.archiveStart, part.archiveEnd);
  return recordStatements + copied + streamed;
}
