import { bucketUrl, encodeKey, objectUrl } from './addressing';
import { ObjectStoreError, send, throwErrorInBody } from './send';
import type { ObjectStore } from './store';

export interface ObjectHead {
  size: number;
  contentType: string | null;
  etag: string | null;
}

/**
 * HeadBucket (S3 API: HeadBucket): 200 when the bucket exists and these credentials may list it,
 * with no body either way, so it is the cheapest signed request that proves both.
 */
export async function headBucket(store: ObjectStore, bucket: string, signal?: AbortSignal): Promise<void> {
  await send(store, bucketUrl(store.settings, bucket), { method: 'HEAD', signal });
}

/** HeadObject: size, type and ETag, without the body. */
export async function headObject(store: ObjectStore, bucket: string, key: string): Promise<ObjectHead> {
  const response = await send(store, objectUrl(store.settings, bucket, key), { method: 'HEAD' });
  return {
    size: Number(response.headers.get('content-length')),
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
  };
}

export interface StoredObject {
  body: ReadableStream<Uint8Array>;
  size: number;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
}

/**
 * GetObject with its metadata; `signal` bounds the wait for headers (e.g. AbortSignal.timeout).
 * `asStored` asks for the bytes exactly as stored: the Workers runtime decodes a body whose
 * Content-Encoding is gzip or br on its own, so an object written with such a header (as an
 * unsigned header of a presigned PUT may set) would otherwise come back other than it is. S3
 * answers with the Content-Encoding the request names instead (S3 API: GetObject,
 * `response-content-encoding`), and `identity` leaves the body alone.
 */
export async function fetchObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  signal?: AbortSignal,
  { asStored = false }: { asStored?: boolean } = {},
): Promise<StoredObject> {
  const url = objectUrl(store.settings, bucket, key);
  if (asStored) url.searchParams.set('response-content-encoding', 'identity');
  const response = await send(store, url, { method: 'GET', signal });
  if (!response.body) throw new ObjectStoreError('unavailable', 'object store sent no body');
  return {
    body: response.body,
    size: Number(response.headers.get('content-length')),
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
  };
}

/**
 * Bytes [start, end] (inclusive) of an object with a ranged GetObject (RFC 9110 §14.2). The
 * answer must be exactly that many bytes: anything else would shift every later byte of whatever
 * the caller is assembling, so it is refused here.
 */
export async function fetchObjectRange(
  store: ObjectStore,
  bucket: string,
  key: string,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const response = await send(store, objectUrl(store.settings, bucket, key), {
    method: 'GET',
    headers: { range: `bytes=${start}-${end}` },
    signal,
  });
  const length = Number(response.headers.get('content-length'));
  const contentRange = response.headers.get('content-range');
  const exact = response.status === 206 ? contentRange?.startsWith(`bytes ${start}-${end}/`) : start === 0;
  if (!response.body || length !== end - start + 1 || !exact) {
    await response.body?.cancel();
    throw new ObjectStoreError(
      'rejected',
      `object store answered ${response.status} with ${length} bytes for ${end - start + 1}`,
    );
  }
  return response.body;
}

/** DeleteObject; S3 answers 204 whether or not the key existed, so deleting is idempotent. */
export async function deleteObject(store: ObjectStore, bucket: string, key: string): Promise<void> {
  await send(store, objectUrl(store.settings, bucket, key), { method: 'DELETE' });
}

/**
 * CopyObject inside one bucket, keeping only what the gateway chooses (S3 API: CopyObject):
 * `x-amz-metadata-directive: REPLACE` drops the source's user metadata and content headers
 * (Content-Encoding, Cache-Control, Content-Disposition) for the given Content-Type, and the ACL
 * is private whatever the source's was. No tagging directive: Hetzner answers tagging 501
 * (nextcloud/files_versions_s3#55), and nothing the gateway runs reads tags (its lifecycle rules
 * filter by prefix), so a tag copied along changes nothing a reader gets.
 */
export async function copyObject(
  store: ObjectStore,
  bucket: string,
  sourceKey: string,
  targetKey: string,
  contentType: string,
): Promise<void> {
  const response = await send(store, objectUrl(store.settings, bucket, targetKey), {
    method: 'PUT',
    headers: {
      'x-amz-copy-source': `/${bucket}/${encodeKey(sourceKey)}`,
      'x-amz-metadata-directive': 'REPLACE',
      'x-amz-acl': 'private',
      'content-type': contentType,
    },
  });
  throwErrorInBody(await response.text(), 'CopyObject');
}

/**
 * PutObject of a stream of exactly `length` bytes, stored as CopyObject above stores a copy:
 * the given Content-Type, no user metadata, private. The body is sent unsigned (SigV4
 * UNSIGNED-PAYLOAD), as UploadPart's is, and the wait for the answer is not bounded here, since
 * it comes after the last byte: the caller, who knows when that is sent, bounds it with `signal`.
 */
export async function putObjectStream(
  store: ObjectStore,
  bucket: string,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  contentType: string,
  signal?: AbortSignal,
): Promise<void> {
  const response = await send(
    store,
    objectUrl(store.settings, bucket, key),
    {
      method: 'PUT',
      headers: {
        'content-type': contentType,
        'content-length': String(length),
        'x-amz-acl': 'private',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      body,
      signal,
    },
    { bounded: false },
  );
  await response.body?.cancel();
}

/** PutObject of a small body held in memory; its ETag (S3 API: PutObject). */
export async function putObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  body: Uint8Array,
  contentType: string,
): Promise<string | null> {
  const response = await send(store, objectUrl(store.settings, bucket, key), {
    method: 'PUT',
    headers: { 'content-type': contentType, 'content-length': String(body.byteLength) },
    body,
  });
  await response.body?.cancel();
  return response.headers.get('etag');
}
