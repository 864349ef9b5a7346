import type { ObjectStore } from '../s3/store';
import type { Submission } from '../db/submissions';
import { ApiError } from '../errors';
import { checksumStream, type ObjectChecksums } from '../streams/checksum';
import { completeMultipartUpload } from '../s3/multipart';
import { copyObject, fetchObject, headObject, putObjectStream } from '../s3/objects';
import { copyOrStream } from '../s3/server-side-copy';
import { fixedLengthChannel } from '../streams/fixed-length';
import { defaultTimeoutMs, ObjectStoreError } from '../s3/send';
import { mediaTypeEssence } from './media-types';

/** Where uploads land: the raw-submissions bucket. */
export interface UploadTarget {
  store: ObjectStore;
  bucket: string;
}

// S3's answers to a part list it cannot assemble (S3 API: CompleteMultipartUpload, errors).
const refusedPartLists = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);

/**
 * Asks S3 to assemble the parts. An upload S3 no longer knows (404) may already be complete: the
 * HEAD that follows decides.
 */
async function assembleParts(
  { store, bucket }: UploadTarget,
  submission: Submission,
  parts: { partNumber: number; etag: string }[] | undefined,
) {
  if (!submission.multipart) return;
  if (!parts) throw new ApiError('invalid_request', 'parts: required to complete a multipart upload');
  try {
    await completeMultipartUpload(store, bucket, submission.objectKey, submission.multipart.uploadId, parts);
  } catch (error) {
    if (!(error instanceof ObjectStoreError)) throw error;
    if (error.code && refusedPartLists.has(error.code))
      throw new ApiError('conflict', `object storage refused the part list (${error.code})`);
    if (error.kind !== 'not_found') throw error;
  }
}

/** The final object's size and type against what was declared; HEAD settles them before any byte is read. */
function matchesDeclared(submission: Submission, size: number, contentType: string | null): boolean {
  const sameType = contentType !== null && mediaTypeEssence(contentType) === mediaTypeEssence(submission.contentType);
  return size === submission.declaredSize && sameType;
}

const mismatch = () => new ApiError('conflict', 'uploaded object does not match the declared size or type');

/** HEAD, then one read of the object at the final key for its checksums. */
async function checksumFinalObject({ store, bucket }: UploadTarget, submission: Submission): Promise<ObjectChecksums> {
  const head = await headObject(store, bucket, submission.objectKey);
  if (!matchesDeclared(submission, head.size, head.contentType)) throw mismatch();
  return checksumStream((await fetchObject(store, bucket, submission.objectKey)).body);
}

/**
 * The copy-free way to the final key: one read of the staged object, checksummed and written to
 * the final key in the same pass (PutObject with the gateway's type, no metadata, private), so
 * its bytes cross the Worker once in each direction and are read no more often than after a copy.
 * The staged object's size and type come with the GET's headers, so nothing is sent when they
 * are wrong. A later PUT through the URL replaces the staged object only: the GET already has
 * the version it started on, and the final key is written by nobody else.
 */
async function streamStagedObject({ store, bucket }: UploadTarget, submission: Submission): Promise<ObjectChecksums> {
  // As stored: the upload may carry a Content-Encoding the gateway never chose.
  const staged = await fetchObject(store, bucket, submission.stagingKey, undefined, { asStored: true });
  if (!matchesDeclared(submission, staged.size, staged.contentType)) {
    await staged.body.cancel();
    throw mismatch();
  }
  const { readable, writable } = fixedLengthChannel(submission.declaredSize);
  const putAnswer = new AbortController();
  const written = putObjectStream(
    store,
    bucket,
    submission.objectKey,
    readable,
    submission.declaredSize,
    submission.contentType,
    putAnswer.signal,
  );
  const checksummed = checksumStream(staged.body, writable);
  // A PUT that fails ends the pass at once: the write it stopped reading may never settle.
  const putFailed = written.then(
    () => new Promise<never>(() => {}),
    (error: unknown) => Promise.reject(error),
  );
  checksummed.catch(() => {});
  const checksums = await Promise.race([checksummed, putFailed]);
  // Every byte is sent; the answer then gets the store's usual bound, as any request's headers do.
  const timer = setTimeout(
    () => putAnswer.abort(new DOMException('object store timeout', 'TimeoutError')),
    store.settings.timeoutMs ?? defaultTimeoutMs,
  );
  try {
    await written;
  } finally {
    clearTimeout(timer);
  }
  return checksums;
}

/**
 * Brings the upload to its final key and checksums what is there, once. A multipart upload is
 * assembled at the final key by the gateway's own CompleteMultipartUpload, after which its part
 * URLs name an upload that no longer exists. A single PUT landed on the staging key, whose URL
 * stays valid for its whole lifetime; it is copied to the final key with the metadata, type and
 * ACL the gateway chooses, inside the store where it copies (CopyObject, then one read of the
 * copy) or through the Worker where it does not (src/s3/server-side-copy.ts). Either way the
 * final key is one no URL can write, so the bytes recorded here are the bytes every later read gets.
 */
export async function verifyUploadedObject(
  target: UploadTarget,
  submission: Submission,
  parts: { partNumber: number; etag: string }[] | undefined,
): Promise<ObjectChecksums> {
  const { store, bucket } = target;
  let checksums: ObjectChecksums;
  try {
    if (submission.multipart) {
      await assembleParts(target, submission, parts);
      checksums = await checksumFinalObject(target, submission);
    } else {
      checksums = await copyOrStream(
        store.copySupport,
        'CopyObject',
        async () => {
          await copyObject(store, bucket, submission.stagingKey, submission.objectKey, submission.contentType);
          return checksumFinalObject(target, submission);
        },
        () => streamStagedObject(target, submission),
      );
    }
  } catch (error) {
    if (error instanceof ObjectStoreError && error.kind === 'not_found')
      throw new ApiError('conflict', 'object has not been uploaded yet');
    throw error;
  }
  if (checksums.size !== submission.declaredSize) throw mismatch();
  return checksums;
}
