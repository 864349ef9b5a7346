import { objectUrl, type ObjectStore } from './object-store';

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

export interface ObjectHead {
  size: number;
  contentType: string | null;
  etag: string | null;
}

export async function send(store: ObjectStore, url: URL, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await store.client.fetch(url.toString(), init);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new ObjectStoreError('timeout', 'object store did not answer in time');
    throw new ObjectStoreError('unavailable', `object store unreachable: ${(error as Error).message}`);
  }
  if (response.ok) return response;
  // The body is S3's XML error; only its code is kept, so the XML can never reach a client.
  const code = init.method === 'HEAD' ? undefined : s3ErrorCode(await response.text().catch(() => ''));
  if (response.status === 404) throw new ObjectStoreError('not_found', `object store answered 404 ${code ?? ''}`.trim(), 404, code);
  if (response.status >= 500) throw new ObjectStoreError('unavailable', `object store answered ${response.status}`, response.status, code);
  throw new ObjectStoreError('rejected', `object store answered ${response.status} ${code ?? ''}`.trim(), response.status, code);
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
export async function fetchObject(store: ObjectStore, bucket: string, key: string, signal?: AbortSignal): Promise<StoredObject> {
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
    throw new ObjectStoreError('rejected', `object store answered ${response.status} with ${length} bytes for ${end - start + 1}`);
  }
  return response.body;
}

/** DeleteObject; S3 answers 204 whether or not the key existed, so deleting is idempotent. */
export async function deleteObject(store: ObjectStore, bucket: string, key: string): Promise<void> {
  await send(store, objectUrl(store.settings, bucket, key), { method: 'DELETE' });
}
