// A multipart upload as an uploader makes it through the gateway (src/s3/multipart.ts,
// src/sign/presign.ts presignUploadPart): create, parts PUT to presigned URLs, ListParts,
// complete; and a second upload aborted, as the gateway aborts one a contributor gives up.
import { multipartLimits } from '../../../src/s3/limits';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listParts,
} from '../../../src/s3/multipart';
import { headObject } from '../../../src/s3/objects';
import { presignUploadPart } from '../../../src/sign/presign';
import { describeResponse } from './answers';
import { expectAnswer, expectOk, type ProbeRun } from './probe-run';

/** S3's smallest part but the last (5 MiB): the first part must be at least this. */
export const firstPartSize = multipartLimits.minimumPartSize;
const lastPartSize = 1024;

/** Bytes that differ from offset to offset, so a part copied from the wrong range is noticed. */
export function probeBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed + (index >>> 8)) & 0xff;
  return bytes;
}

/** Part 1 of the raw multipart object, which the processed upload copies or streams. */
export const firstPartBytes = () => probeBytes(firstPartSize, 1);

/** The completed multipart object: a 5 MiB part then a 1 KiB one. */
export interface MultipartObject {
  key: string;
  size: number;
}

const needs = 'CreateMultipartUpload';

export async function checkMultipartUpload(run: ProbeRun): Promise<MultipartObject | undefined> {
  const bucket = run.buckets.raw;
  const key = run.key(bucket, 'multipart.bin');
  let uploadId = '';
  const created = await run.required(
    `CreateMultipartUpload ${bucket}`,
    async () => {
      uploadId = await createMultipartUpload(run.store, bucket, key, 'application/octet-stream');
      run.uploads.push({ bucket, key, uploadId });
      return run.status();
    },
    'multipart uploads cannot work',
  );
  const parts = [firstPartBytes(), probeBytes(lastPartSize, 2)];
  const labels = parts.map((part, index) => `UploadPart presigned, part ${index + 1} (${part.byteLength} bytes)`);
  if (!created) {
    for (const label of [...labels, 'UploadPart presigned, another size', 'ListParts', 'CompleteMultipartUpload'])
      run.recordUnreached(label, 'required', needs);
    await checkAbort(run, bucket);
    return undefined;
  }
  const etags: string[] = [];
  const sign = (partNumber: number, contentLength: number) =>
    presignUploadPart(run.store, { bucket, key, uploadId, partNumber, contentLength, expiresInSeconds: 300 });
  for (const [index, part] of parts.entries()) {
    await run.required(
      labels[index]!,
      async () => {
        const signed = await sign(index + 1, part.byteLength);
        const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: part });
        await expectOk(response);
        etags[index] = response.headers.get('etag') ?? '';
        return describeResponse(response);
      },
      'multipart uploads cannot work',
    );
  }
  await run.mustRefuse(
    'UploadPart presigned, another size',
    async () => {
      const signed = await sign(3, lastPartSize);
      return fetch(signed.url, { method: 'PUT', body: probeBytes(lastPartSize + 1, 3) });
    },
    'an uploader can send parts of any size',
  );
  await run.required(
    'ListParts',
    async () => {
      const listed = await listParts(run.store, bucket, key, uploadId);
      const answer = run.status(`parts ${listed.map((part) => `${part.partNumber}: ${part.size} bytes`).join(', ')}`);
      const sizes = listed.map((part) => `${part.partNumber}:${part.size}`).join(' ');
      expectAnswer(sizes === `1:${firstPartSize} 2:${lastPartSize}`, answer);
      return answer;
    },
    'resumed uploads and completion cannot find their parts',
  );
  const size = firstPartSize + lastPartSize;
  const completed = await run.required(
    'CompleteMultipartUpload',
    async () => {
      await completeMultipartUpload(
        run.store,
        bucket,
        key,
        uploadId,
        etags.map((etag, index) => ({ partNumber: index + 1, etag })),
      );
      run.finished(uploadId);
      const answer = run.status();
      const head = await headObject(run.store, bucket, key);
      expectAnswer(head.size === size, `${answer}, then HeadObject ${head.size} bytes, expected ${size}`);
      return `${answer}, ${size} bytes`;
    },
    'multipart uploads cannot complete',
  );
  await checkAbort(run, bucket);
  return completed ? { key, size } : undefined;
}

/** AbortMultipartUpload, then ListParts on the aborted upload, which S3 must no longer know (404). */
async function checkAbort(run: ProbeRun, bucket: string): Promise<void> {
  const key = run.key(bucket, 'aborted.bin');
  await run.required(
    'AbortMultipartUpload',
    async () => {
      const uploadId = await createMultipartUpload(run.store, bucket, key, 'application/octet-stream');
      run.uploads.push({ bucket, key, uploadId });
      await abortMultipartUpload(run.store, bucket, key, uploadId);
      const answer = run.status();
      const gone = await listParts(run.store, bucket, key, uploadId).then(
        () => false,
        () => true,
      );
      expectAnswer(gone, `${answer}, but ListParts still lists the upload`);
      run.finished(uploadId);
      return `${answer}, then ListParts ${run.status()}`;
    },
    'abandoned uploads cannot be aborted',
  );
}
