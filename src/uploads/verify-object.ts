import type { ObjectStore } from '../s3/store';
import type { Submission } from '../db/submissions';
import { ApiError } from '../errors';
import { checksumStream, type ObjectChecksums } from '../streams/checksum';
import { completeMultipartUpload } from '../s3/multipart';
import { copyObject, fetchObject, headObject } from '../s3/objects';
import { ObjectStoreError } from '../s3/send';
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

/**
 * Brings the upload to its final key and checksums what is there, once. A multipart upload is
 * assembled at the final key by the gateway's own CompleteMultipartUpload, after which its part
 * URLs name an upload that no longer exists. A single PUT landed on the staging key, whose URL
 * stays valid for its whole lifetime; it is copied to the final key with the metadata, type and
 * ACL the gateway chooses, and the copy, which no URL can write, is what gets read. So the bytes
 * recorded here are the bytes every later read gets.
 */
export async function verifyUploadedObject(
  target: UploadTarget,
  submission: Submission,
  parts: { partNumber: number; etag: string }[] | undefined,
): Promise<ObjectChecksums> {
  const { store, bucket } = target;
  const mismatch = () => new ApiError('conflict', 'uploaded object does not match the declared size or type');
  let checksums: ObjectChecksums;
  try {
    if (submission.multipart) await assembleParts(target, submission, parts);
    else await copyObject(store, bucket, submission.stagingKey, submission.objectKey, submission.contentType);
    const head = await headObject(store, bucket, submission.objectKey);
    const sameType =
      head.contentType !== null && mediaTypeEssence(head.contentType) === mediaTypeEssence(submission.contentType);
    if (head.size !== submission.declaredSize || !sameType) throw mismatch();
    checksums = await checksumStream((await fetchObject(store, bucket, submission.objectKey)).body);
  } catch (error) {
    if (error instanceof ObjectStoreError && error.kind === 'not_found')
      throw new ApiError('conflict', 'object has not been uploaded yet');
    throw error;
  }
  if (checksums.size !== submission.declaredSize) throw mismatch();
  return checksums;
}
