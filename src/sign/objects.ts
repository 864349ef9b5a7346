import { bucketUrl, encodeKey, objectUrl, type ObjectStore } from './object-store';

/**
 * Typed failures of object operations; routes decide what a client sees. `code` is S3's error
 * code (e.g. NoSuchUpload, InvalidPart) when its answer named one.
 */
export class ObjectStoreError extends Error {
  override name = 'ObjectStoreError';
  constructor(
    readonly kind: 'not_found' | 'unavailable' | 'rejected' | 'timeout',
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The <Code> of an S3 error document (S3 API: "Error responses"), if there is one. */
export function s3ErrorCode(xml: string): string | undefined {
  return /<Error>[\s\S]*?<Code>([A-Za-z0-9.]+)<\/Code>/.exec(xml)?.[1];
}

/**
 * An error S3 reported inside a 200 answer, as Complete and copies may (S3 API:
 * CompleteMultipartUpload, CopyObject, UploadPartCopy); InternalError and SlowDown are worth retrying.
 */
export function throwErrorInBody(xml: string, operation: string): void {
  const code = s3ErrorCode(xml);
  if (!code) return;
  const kind = code.startsWith('Internal') || code === 'SlowDown' ? 'unavailable' : 'rejected';
  throw new ObjectStoreError(kind, `${operation} failed: ${code}`, 200, code);
}

export interface ObjectHead {
  size: number;
  contentType: string | null;
  etag: string | null;
}

const defaultTimeoutMs = 30_000;

export interface SendOptions {
  /**
   * Whether the wait for headers is bounded by the store's timeout. A request that streams a
   * large body (UploadPart) gets its answer only after the last byte, so it is not.
   */
  bounded?: boolean;
}

/**
 * One signed S3 request. A store that does not answer with headers within its timeout is a
 * `timeout`; one that fails or cuts the connection is `unavailable`. Once headers arrive the
 * timer stops, so a body may stream for as long as it needs.
 */
export async function send(
  store: ObjectStore,
  url: URL,
  init: RequestInit,
  options: SendOptions = {},
): Promise<Response> {
  const timeout = new AbortController();
  const timer =
    options.bounded === false
      ? undefined
      : setTimeout(
          () => timeout.abort(new DOMException('object store timeout', 'TimeoutError')),
          store.settings.timeoutMs ?? defaultTimeoutMs,
        );
  const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
  let response: Response;
  try {
    response = await store.client.fetch(url.toString(), { ...init, signal });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new ObjectStoreError('timeout', 'object store did not answer in time');
    throw new ObjectStoreError('unavailable', `object store unreachable: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (response.ok) return response;
  // The body is S3's XML error; only its code is kept, so the XML can never reach a client.
  const code = init.method === 'HEAD' ? undefined : s3ErrorCode(await response.text().catch(() => ''));
  if (response.status === 404)
    throw new ObjectStoreError('not_found', `object store answered 404 ${code ?? ''}`.trim(), 404, code);
  if (response.status >= 500)
    throw new ObjectStoreError('unavailable', `object store answered ${response.status}`, response.status, code);
  throw new ObjectStoreError(
    'rejected',
    `object store answered ${response.status} ${code ?? ''}`.trim(),
    response.status,
    code,
  );
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

/** GetObject with its metadata; `signal` bounds the wait for headers (e.g. AbortSignal.timeout). */
export async function fetchObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<StoredObject> {
  const response = await send(store, objectUrl(store.settings, bucket, key), { method: 'GET', signal });
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
 * (Content-Encoding, Cache-Control, Content-Disposition) for the given Content-Type, the tagging
 * directive drops its tags, and the ACL is private whatever the source's was.
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
      'x-amz-tagging-directive': 'REPLACE',
      'x-amz-acl': 'private',
      'content-type': contentType,
    },
  });
  throwErrorInBody(await response.text(), 'CopyObject');
}
