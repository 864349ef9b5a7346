import { bucketMemberSource } from '../bundles/member-source';
import type { PackageLayout } from '../formats/package-layout';
import type { ObjectStore } from '../s3/store';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPart,
  uploadPartCopy,
} from '../s3/multipart';
import { deleteObject } from '../s3/objects';
import { copyOrStream } from '../s3/server-side-copy';
import { streamSegments } from '../streams/archive-writer';
import { fixedLengthChannel } from '../streams/fixed-length';
import type { PartPiece, PlannedPart } from './part-plan';

/** Where one dataset shard goes and where its members come from. */
export interface ArchiveTarget {
  store: ObjectStore;
  rawBucket: string;
  processedBucket: string;
  objectKey: string;
  uploadId: string;
  layout: PackageLayout;
}

function memberKey(target: ArchiveTarget, memberIndex: number): string {
  const key = target.layout.objectKeys[memberIndex];
  if (!key) throw new Error(`member ${memberIndex} has no object`);
  return key;
}

/** A member's object could not be read while its part streamed; `memberIndex` names it when known. */
export class MemberReadError extends Error {
  override name = 'MemberReadError';
  constructor(
    message: string,
    options: { cause: unknown },
    readonly memberIndex?: number,
  ) {
    super(message, options);
  }
}

/**
 * Archive bytes [start, end) sent as one part: headers from the plan, small bodies piped from
 * S3. When reading a member fails, the upload only sees its body stream break; the member's own
 * error is the one reported.
 */
async function sendStreamPiece(
  target: ArchiveTarget,
  key: string,
  uploadId: string,
  partNumber: number,
  piece: Extract<PartPiece, { kind: 'stream' }>,
): Promise<string> {
  const segments = target.layout.container.slice(piece.start, piece.end - 1);
  let sourceFailure: unknown;
  let failedMember: number | undefined;
  const source = bucketMemberSource(target.store, target.rawBucket, target.layout.objectKeys);
  const body = streamSegments(
    segments,
    piece.end - piece.start,
    {
      open: (index, start, end, signal) =>
        source.open(index, start, end, signal).catch((error: unknown) => {
          failedMember ??= index;
          throw error;
        }),
    },
    {
      channel: fixedLengthChannel,
      onFailure: (error) => {
        sourceFailure = error;
      },
    },
  );
  try {
    return await uploadPart(
      target.store,
      target.processedBucket,
      key,
      uploadId,
      partNumber,
      body,
      piece.end - piece.start,
    );
  } catch (error) {
    if (sourceFailure !== undefined)
      throw new MemberReadError('a member could not be read', { cause: sourceFailure }, failedMember);
    throw error;
  }
}

/**
 * Bytes [start, end) of one member sent as one part: the ranged GET's body is the UploadPart's
 * body, with nothing in between. workerd then sends it with its Content-Length (the GET's, which
 * fetchObjectRange checked is the range's) and pumps it between the two connections itself, for
 * about 40 % less CPU than piping it through a FixedLengthStream (bench:dataset's floor). A body that
 * breaks mid-way breaks the PUT before its last byte, so S3 stores no short part; that failure is
 * then the UploadPart's, and the attempt is retried like any other cut transfer. Only a GET that
 * fails before its first byte (retried by the source first) is reported as the member's.
 */
async function sendMemberRange(
  target: ArchiveTarget,
  key: string,
  uploadId: string,
  partNumber: number,
  piece: Extract<PartPiece, { kind: 'copy' }>,
): Promise<string> {
  const source = bucketMemberSource(target.store, target.rawBucket, target.layout.objectKeys);
  const reading = new AbortController();
  let body: ReadableStream<Uint8Array>;
  try {
    body = await source.open(piece.memberIndex, piece.start, piece.end - 1, reading.signal);
  } catch (error) {
    throw new MemberReadError('a member could not be read', { cause: error }, piece.memberIndex);
  }
  try {
    return await uploadPart(
      target.store,
      target.processedBucket,
      key,
      uploadId,
      partNumber,
      body,
      piece.end - piece.start,
    );
  } catch (error) {
    // The GET's connection stays open unless ended here: its body is cancelled when the PUT
    // never took it, and its fetch aborted when it did (a body the PUT locked cannot be cancelled).
    reading.abort(error);
    await body.cancel(error).catch(() => {});
    throw error;
  }
}

async function sendPiece(
  target: ArchiveTarget,
  key: string,
  uploadId: string,
  partNumber: number,
  piece: PartPiece,
): Promise<string> {
  if (piece.kind === 'stream') return sendStreamPiece(target, key, uploadId, partNumber, piece);
  return uploadPartCopy(target.store, target.processedBucket, key, uploadId, partNumber, {
    bucket: target.rawBucket,
    key: memberKey(target, piece.memberIndex),
    start: piece.start,
    end: piece.end,
  });
}

/** Key of the temporary object a composed part is assembled in, beside the archive. */
function composedPartKey(objectKey: string, partNumber: number): string {
  return `${objectKey}.parts/${partNumber}`;
}

/**
 * A copied or composed part made inside the store. A composed part is first assembled as its own
 * small object (the member's tail copied, then the bytes after it as the last part, which S3 lets
 * be any size), then copied in whole; deleteComposedParts removes it.
 */
async function copyPlannedPart(target: ArchiveTarget, part: PlannedPart): Promise<string> {
  if (part.kind !== 'composed')
    return sendPiece(target, target.objectKey, target.uploadId, part.partNumber, part.pieces[0]!);

  const temporaryKey = composedPartKey(target.objectKey, part.partNumber);
  const temporaryUpload = await createMultipartUpload(
    target.store,
    target.processedBucket,
    temporaryKey,
    'application/octet-stream',
  );
  try {
    const etags: { partNumber: number; etag: string }[] = [];
    for (const [index, piece] of part.pieces.entries()) {
      etags.push({
        partNumber: index + 1,
        etag: await sendPiece(target, temporaryKey, temporaryUpload, index + 1, piece),
      });
    }
    await completeMultipartUpload(target.store, target.processedBucket, temporaryKey, temporaryUpload, etags);
  } catch (error) {
    await abortMultipartUpload(target.store, target.processedBucket, temporaryKey, temporaryUpload).catch(() => {});
    throw error;
  }
  return uploadPartCopy(target.store, target.processedBucket, target.objectKey, target.uploadId, part.partNumber, {
    bucket: target.processedBucket,
    key: temporaryKey,
    start: 0,
    end: part.archiveEnd - part.archiveStart,
  });
}

/**
 * Uploads one planned part of the archive and returns its ETag. Parts that copy are copied inside
 * the store where it copies, and otherwise streamed whole through the Worker as one UploadPart
 * (src/s3/server-side-copy.ts): the part plan, and so every byte of the archive and every part's
 * size, is the same either way, which keeps the parts an earlier attempt recorded valid when a
 * later one streams, and the archive byte-identical to one built by copying.
 */
export async function uploadPlannedPart(target: ArchiveTarget, part: PlannedPart): Promise<string> {
  const whole = { kind: 'stream' as const, start: part.archiveStart, end: part.archiveEnd };
  const [piece] = part.pieces;
  const streamWhole =
    part.kind === 'copy' && piece?.kind === 'copy'
      ? () => sendMemberRange(target, target.objectKey, target.uploadId, part.partNumber, piece)
      : () => sendStreamPiece(target, target.objectKey, target.uploadId, part.partNumber, whole);
  if (part.kind === 'stream') return streamWhole();
  return copyOrStream(target.store.copySupport, 'UploadPartCopy', () => copyPlannedPart(target, part), streamWhole);
}

/**
 * Deletes the temporary objects of the plan's composed parts, best effort: a leftover is a few
 * MiB beside the archive. Done once the build ends rather than part by part, since deleting one
 * while another is being written beside it makes s3rver (one folder per key prefix) fail the write.
 */
export async function deleteComposedParts(
  target: Pick<ArchiveTarget, 'store' | 'processedBucket' | 'objectKey'>,
  parts: readonly PlannedPart[],
): Promise<void> {
  for (const part of parts) {
    if (part.kind !== 'composed') continue;
    await deleteObject(target.store, target.processedBucket, composedPartKey(target.objectKey, part.partNumber)).catch(
      () => {},
    );
  }
}

/**
 * Gives up an archive's multipart upload: aborts it (S3 API: AbortMultipartUpload frees its
 * parts; an abort that fails is left to the bucket's lifecycle rule) and deletes the temporary
 * objects of `parts`' composed parts. Whether the abort succeeded.
 */
export async function releaseArchiveUpload(
  target: Pick<ArchiveTarget, 'store' | 'processedBucket' | 'objectKey'>,
  uploadId: string,
  parts: readonly PlannedPart[],
): Promise<boolean> {
  const aborted = await abortMultipartUpload(target.store, target.processedBucket, target.objectKey, uploadId).then(
    () => true,
    () => false,
  );
  await deleteComposedParts(target, parts);
  return aborted;
}
