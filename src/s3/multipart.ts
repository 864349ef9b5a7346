import { encodeKey, objectUrl } from './addressing';
import type { ObjectStore } from './store';
import { ObjectStoreError, send, throwErrorInBody } from './send';
import { escapeXml, xmlElement } from './xml';

function uploadUrl(store: ObjectStore, bucket: string, key: string, query: Record<string, string>): URL {
  const url = objectUrl(store.settings, bucket, key);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

export async function createMultipartUpload(
  store: ObjectStore,
  bucket: string,
  key: string,
  contentType: string,
): Promise<string> {
  const response = await send(store, uploadUrl(store, bucket, key, { uploads: '' }), {
    method: 'POST',
    headers: { 'content-type': contentType },
  });
  const uploadId = xmlElement(await response.text(), 'UploadId');
  if (!uploadId) throw new ObjectStoreError('unavailable', 'CreateMultipartUpload answered without an UploadId');
  return uploadId;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/**
 * UploadPart with a body of exactly `length` bytes. A stream is sent unsigned (SigV4
 * UNSIGNED-PAYLOAD), since hashing it first would mean holding it; TLS protects it in transit.
 */
export async function uploadPart(
  store: ObjectStore,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  body: ReadableStream<Uint8Array>,
  length: number,
): Promise<string> {
  const response = await send(
    store,
    uploadUrl(store, bucket, key, { partNumber: String(partNumber), uploadId }),
    {
      method: 'PUT',
      headers: { 'content-length': String(length), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body,
    },
    { bounded: false },
  );
  await response.body?.cancel();
  const etag = response.headers.get('etag');
  if (!etag) throw new ObjectStoreError('unavailable', 'UploadPart answered without an ETag');
  return etag;
}

/**
 * UploadPartCopy: bytes [start, end) of another object become a part, copied inside the store.
 * Like Complete, it may answer 200 and report an error in the body (S3 API: UploadPartCopy).
 */
export async function uploadPartCopy(
  store: ObjectStore,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  source: { bucket: string; key: string; start: number; end: number },
): Promise<string> {
  const response = await send(store, uploadUrl(store, bucket, key, { partNumber: String(partNumber), uploadId }), {
    method: 'PUT',
    headers: {
      'x-amz-copy-source': `/${source.bucket}/${encodeKey(source.key)}`,
      'x-amz-copy-source-range': `bytes=${source.start}-${source.end - 1}`,
    },
  });
  const xml = await response.text();
  throwErrorInBody(xml, 'UploadPartCopy');
  const etag = xmlElement(xml, 'ETag');
  if (!etag) throw new ObjectStoreError('unavailable', 'UploadPartCopy answered without an ETag');
  return etag;
}

/** Every part S3 holds for the upload, following NextPartNumberMarker across pages. */
export async function listParts(
  store: ObjectStore,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker = '0';
  for (let page = 0; page < 20; page++) {
    const query: Record<string, string> = { uploadId, 'max-parts': '1000' };
    if (marker !== '0') query['part-number-marker'] = marker;
    const xml = await (await send(store, uploadUrl(store, bucket, key, query), { method: 'GET' })).text();
    for (const [, part] of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
      parts.push({
        partNumber: Number(xmlElement(part!, 'PartNumber')),
        etag: xmlElement(part!, 'ETag') ?? '',
        size: Number(xmlElement(part!, 'Size')),
      });
    }
    if (xmlElement(xml, 'IsTruncated') !== 'true') return parts;
    marker = xmlElement(xml, 'NextPartNumberMarker') ?? String(parts.at(-1)?.partNumber ?? 0);
  }
  // 10,000 parts at most, 1,000 per page: more pages than that is not an S3 we understand.
  throw new ObjectStoreError('unavailable', 'ListParts did not end');
}

/**
 * Completes the upload. S3 may answer 200 and still report an error in the body (S3 API:
 * CompleteMultipartUpload, "processing of a Complete Multipart Upload request could take several
 * minutes"), so the body is checked too.
 */
export async function completeMultipartUpload(
  store: ObjectStore,
  bucket: string,
  key: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): Promise<void> {
  const body = `<CompleteMultipartUpload>${parts
    .map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
  const response = await send(store, uploadUrl(store, bucket, key, { uploadId }), {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body,
  });
  const text = await response.text();
  throwErrorInBody(text, 'CompleteMultipartUpload');
}

/** Aborts the upload; one S3 no longer knows (404: NoSuchUpload, or NoSuchKey on Ceph) counts as aborted. */
export async function abortMultipartUpload(
  store: ObjectStore,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    await send(store, uploadUrl(store, bucket, key, { uploadId }), { method: 'DELETE' });
  } catch (error) {
    if (error instanceof ObjectStoreError && error.kind === 'not_found') return;
    throw error;
  }
}
