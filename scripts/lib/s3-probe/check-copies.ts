// Server-side copies, which Hetzner documents as depending "on internal factors" and which
// operators see refused with 501 NotImplemented: CopyObject inside the raw bucket (completion
// moves a staged upload to its final key) and a ranged UploadPartCopy from the raw bucket into a
// multipart upload in the processed bucket (dataset builds). Both are optional: with
// S3_SERVER_SIDE_COPY=auto the gateway streams the bytes instead, and the probe then takes that
// path too (a ranged GET into a streamed UploadPart), so the processed upload still completes.
// Tagging is probed separately and only for information: the gateway never reads or writes tags.
import { objectUrl } from '../../../src/s3/addressing';
import { completeMultipartUpload, createMultipartUpload, uploadPart, uploadPartCopy } from '../../../src/s3/multipart';
import { copyObject, fetchObjectRange, headObject } from '../../../src/s3/objects';
import { send } from '../../../src/s3/send';
import type { UploadedObject } from './check-objects';
import { firstPartBytes, firstPartSize, type MultipartObject, probeBytes } from './check-multipart';
import { expectAnswer, type ProbeRun } from './probe-run';

const copyRefused =
  'copy refused: S3_SERVER_SIDE_COPY=auto falls back to streaming (completion passes the bytes through the Worker)';
const partCopyRefused =
  'copy refused: S3_SERVER_SIDE_COPY=auto falls back to streaming (builds pass members’ bytes through the Worker)';

/** CopyObject of the staged upload to another key of the raw bucket, as completion does (src/s3/objects.ts copyObject). */
export async function checkCopyObject(run: ProbeRun, uploaded: UploadedObject | undefined): Promise<void> {
  const bucket = run.buckets.raw;
  const label = `CopyObject inside ${bucket}`;
  if (!uploaded) return run.recordUnreached(label, 'optional', 'the presigned PUT');
  const target = run.key(bucket, 'submission.txt');
  await run.optional(
    label,
    async () => {
      await copyObject(run.store, bucket, uploaded.key, target, uploaded.contentType);
      const answer = run.status();
      const head = await headObject(run.store, bucket, target);
      const size = new TextEncoder().encode(uploaded.body).byteLength;
      expectAnswer(head.size === size, `${answer}, but the copy has ${head.size} bytes, not ${size}`);
      return answer;
    },
    copyRefused,
  );
}

const streamOf = (bytes: Uint8Array) => new Response(bytes).body!;

/**
 * A multipart upload in the processed bucket, as a dataset build makes it: part 1 is bytes
 * [0, 5 MiB) of the raw multipart object by UploadPartCopy, or when that is refused, by a ranged
 * GET streamed into UploadPart; part 2 is streamed by the Worker (UNSIGNED-PAYLOAD).
 */
export async function checkPartCopy(run: ProbeRun, source: MultipartObject | undefined): Promise<void> {
  const bucket = run.buckets.processed;
  const key = run.key(bucket, 'composed.bin');
  const copyLabel = `UploadPartCopy ${run.buckets.raw} → ${bucket}, bytes=0-${firstPartSize - 1}`;
  const streamedLabel = 'UploadPart streamed from a ranged GetObject (the copy-free path)';
  const lastLabel = 'UploadPart streamed by the Worker (UNSIGNED-PAYLOAD)';
  const completeLabel = `CompleteMultipartUpload ${bucket}`;
  let uploadId = '';
  const created = await run.required(
    `CreateMultipartUpload ${bucket}`,
    async () => {
      uploadId = await createMultipartUpload(run.store, bucket, key, 'application/zip');
      run.uploads.push({ bucket, key, uploadId });
      return run.status();
    },
    'dataset builds cannot start',
  );
  if (!created) {
    run.recordUnreached(copyLabel, 'optional', 'CreateMultipartUpload');
    for (const label of [streamedLabel, lastLabel, completeLabel])
      run.recordUnreached(label, 'required', 'CreateMultipartUpload');
    return;
  }
  const parts: { partNumber: number; etag: string }[] = [];
  // The raw multipart object's first part holds exactly these bytes (check-multipart.ts).
  const firstPart = firstPartBytes();
  let copied = false;
  if (source) {
    copied = await run.optional(
      copyLabel,
      async () => {
        const etag = await uploadPartCopy(run.store, bucket, key, uploadId, 1, {
          bucket: run.buckets.raw,
          key: source.key,
          start: 0,
          end: firstPartSize,
        });
        parts.push({ partNumber: 1, etag });
        return run.status();
      },
      partCopyRefused,
    );
  } else {
    run.recordUnreached(copyLabel, 'optional', 'CompleteMultipartUpload in the raw bucket');
  }
  if (!copied) {
    await run.required(
      streamedLabel,
      async () => {
        const stream = source
          ? await fetchObjectRange(run.store, run.buckets.raw, source.key, 0, firstPartSize - 1)
          : streamOf(firstPart);
        const etag = await uploadPart(run.store, bucket, key, uploadId, 1, stream, firstPartSize);
        parts.push({ partNumber: 1, etag });
        return run.status(`${firstPartSize} bytes`);
      },
      'dataset builds cannot write large members',
    );
  }
  const lastPart = probeBytes(1024, 4);
  await run.required(
    lastLabel,
    async () => {
      const etag = await uploadPart(run.store, bucket, key, uploadId, 2, streamOf(lastPart), lastPart.byteLength);
      parts.push({ partNumber: 2, etag });
      return run.status(`${lastPart.byteLength} bytes`);
    },
    'dataset builds cannot write parts',
  );
  await run.required(
    completeLabel,
    async () => {
      await completeMultipartUpload(run.store, bucket, key, uploadId, parts);
      run.finished(uploadId);
      const answer = run.status();
      // The 8 bytes around the part boundary: a part taken from the wrong range shows here.
      const around = new Uint8Array(
        await new Response(
          await fetchObjectRange(run.store, bucket, key, firstPartSize - 4, firstPartSize + 3),
        ).arrayBuffer(),
      );
      const expected = [...firstPart.subarray(firstPartSize - 4), ...lastPart.subarray(0, 4)];
      expectAnswer(
        around.every((byte, index) => byte === expected[index]),
        `${answer}, but the bytes at the part boundary differ from the sources`,
      );
      return `${answer}, ${firstPartSize + lastPart.byteLength} bytes`;
    },
    'dataset builds cannot complete',
  );
}

/** GetObjectTagging (S3 API), which the gateway never sends: informational only. */
export async function checkTagging(run: ProbeRun, uploaded: UploadedObject | undefined): Promise<void> {
  await run.informational(
    'GetObjectTagging (?tagging)',
    async () => {
      const url = objectUrl(run.store.settings, run.buckets.raw, uploaded?.key ?? `${run.prefix}none`);
      url.search = 'tagging';
      await (await send(run.store, url, { method: 'GET' })).text();
      return run.status();
    },
    'informational: not used by the gateway',
  );
}
