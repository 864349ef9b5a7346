// Single-object calls: the presigned PUT an uploader receives (src/sign/presign.ts presignUpload)
// and the three variations S3 must refuse because they break its signature, then what the gateway
// does with an uploaded object: HeadObject, a ranged GetObject, and a presigned GET whose
// response-* parameters override the stored headers.
import { fetchObjectRange, headObject } from '../../../src/s3/objects';
import { presignDownload, presignUpload } from '../../../src/sign/presign';
import { describeResponse } from './answers';
import { expectAnswer, expectOk, type ProbeRun } from './probe-run';

const uploadBody = 'storage-manager s3:probe upload\n';
const uploadType = 'text/plain';
const expiresInSeconds = 300;

/** The uploaded object's key and bytes, or undefined when the presigned PUT did not work. */
export interface UploadedObject {
  key: string;
  body: string;
  contentType: string;
}

/**
 * The presigned PUT with its signed headers (Content-Type, Content-Length, x-amz-acl: private),
 * then the same URL with another size, type or ACL, each of which S3 must refuse: these refusals
 * are what keeps an uploader to the size and type the gateway accepted.
 */
export async function checkPresignedUpload(run: ProbeRun): Promise<UploadedObject | undefined> {
  const bucket = run.buckets.raw;
  const key = run.key(bucket, 'incoming/upload.txt');
  const bytes = new TextEncoder().encode(uploadBody);
  const signed = await presignUpload(run.store, {
    bucket,
    key,
    expiresInSeconds,
    contentType: uploadType,
    contentLength: bytes.byteLength,
  });
  const put = (headers: Record<string, string>, body: Uint8Array) =>
    fetch(signed.url, { method: 'PUT', headers, body });
  const uploaded = await run.required(
    'PUT presigned (Content-Type, Content-Length, x-amz-acl: private)',
    async () => {
      const response = await put(signed.headers, bytes);
      await expectOk(response);
      return describeResponse(response);
    },
    'uploads cannot work',
  );
  // fetch derives Content-Length from the body, so the other size is a body one byte longer.
  const { 'Content-Length': _, ...withoutLength } = signed.headers;
  const longer = new TextEncoder().encode(`${uploadBody}!`);
  await run.mustRefuse(
    'PUT presigned, another size',
    () => put(withoutLength, longer),
    'an uploader can store any size',
  );
  await run.mustRefuse(
    'PUT presigned, another type (text/html)',
    () => put({ ...signed.headers, 'Content-Type': 'text/html' }, bytes),
    'an uploader can store any type',
  );
  await run.mustRefuse(
    'PUT presigned, another ACL (public-read)',
    () => put({ ...signed.headers, 'x-amz-acl': 'public-read' }, bytes),
    'an uploader can make an object public',
  );
  return uploaded ? { key, body: uploadBody, contentType: uploadType } : undefined;
}

const headLabel = 'HeadObject';
const rangeLabel = 'GetObject Range: bytes=2-9';
const overridesLabel = 'GET presigned, response-content-type and response-content-disposition';

/** HeadObject, a ranged GetObject and a presigned GET with overridden headers, on the uploaded object. */
export async function checkReads(run: ProbeRun, uploaded: UploadedObject | undefined): Promise<void> {
  const bucket = run.buckets.raw;
  if (!uploaded) {
    for (const label of [headLabel, rangeLabel, overridesLabel])
      run.recordUnreached(label, 'required', 'the presigned PUT');
    return;
  }
  const size = new TextEncoder().encode(uploaded.body).byteLength;
  await run.required(
    headLabel,
    async () => {
      const head = await headObject(run.store, bucket, uploaded.key);
      const answer = run.status(`${head.size} bytes, ${head.contentType}`);
      expectAnswer(
        head.size === size && head.contentType === uploaded.contentType,
        `${answer}, expected ${size} bytes`,
      );
      return answer;
    },
    'completion cannot check an upload',
  );
  await run.required(
    rangeLabel,
    async () => {
      const body = await fetchObjectRange(run.store, bucket, uploaded.key, 2, 9);
      const text = await new Response(body).text();
      const answer = run.status(`${text.length} bytes`);
      expectAnswer(text === uploaded.body.slice(2, 10), `${answer}, not bytes 2-9`);
      return answer;
    },
    'bundles and dataset builds cannot read members',
  );
  const overrides = { contentType: 'application/octet-stream', contentDisposition: 'attachment; filename="probe.txt"' };
  await run.required(
    overridesLabel,
    async () => {
      const signed = await presignDownload(run.store, {
        bucket,
        key: uploaded.key,
        expiresInSeconds,
        responseContentType: overrides.contentType,
        responseContentDisposition: overrides.contentDisposition,
      });
      const response = await fetch(signed.url);
      await expectOk(response);
      const answer = await describeResponse(response);
      const type = response.headers.get('content-type');
      const disposition = response.headers.get('content-disposition');
      expectAnswer(
        type === overrides.contentType && disposition === overrides.contentDisposition,
        `${answer}, Content-Type ${type}, Content-Disposition ${disposition}: not the overrides`,
      );
      return `${answer}, both headers overridden`;
    },
    'view links would show stored headers (inline HTML); download links lose their file names',
  );
}
