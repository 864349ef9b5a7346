import type { ObjectStore } from './store';

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

/** How long an answer's headers may take when the store's settings do not say. */
export const defaultTimeoutMs = 30_000;

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
