import { log } from '../log';
import { ObjectStoreError } from './send';

/**
 * Whether the gateway asks the store to copy bytes itself (CopyObject, UploadPartCopy):
 * - `always`: it does, and a refused copy is an error (a store known to copy);
 * - `never`: it never asks, and streams the bytes through the Worker instead;
 * - `auto`: it asks, and a copy the store refuses as unsupported is streamed at once instead.
 */
export const serverSideCopyModes = ['auto', 'always', 'never'] as const;
export type ServerSideCopyMode = (typeof serverSideCopyModes)[number];

/** The two copies the gateway asks for: an object within a bucket, a part across buckets. */
export type CopyOperation = 'CopyObject' | 'UploadPartCopy';

/**
 * The isolate's belief about the store's copies; held by the ObjectStore (src/s3/store.ts). Kept
 * per operation, since a store may offer one and not the other.
 */
export interface CopySupport {
  readonly mode: ServerSideCopyMode;
  /** In `auto`, the operation is not asked for until then (ms since 1970): the store refused it. */
  refusedUntil: Record<CopyOperation, number>;
}

// How long an isolate goes without asking after a refusal. Hetzner says a copy's success
// "depends on internal factors" (Object Storage docs, "Supported actions"), so a refusal is not
// taken as final: after this, one copy is tried again. A refusal costs one request answered at
// once, so retrying every ten minutes costs nothing measurable.
const rememberRefusalMs = 10 * 60 * 1000;

export function createCopySupport(mode: ServerSideCopyMode): CopySupport {
  return { mode, refusedUntil: { CopyObject: 0, UploadPartCopy: 0 } };
}

// S3's "not implemented" answers: 501 whatever its code (S3 API: Error responses, NotImplemented,
// "A header you provided implies functionality that is not implemented"), which Hetzner sends for
// copies (nextcloud/server#61925) and Ceph RGW for operations it lacks; and the same codes when
// a store reports them with another status or inside a 200 (as copies may, S3 API: CopyObject).
const unsupportedCodes = new Set(['NotImplemented', 'NotSupported', 'UnsupportedOperation']);

/** Whether a failed copy means the store does not copy, rather than that this copy failed. */
export function isCopyUnsupported(error: unknown): boolean {
  if (!(error instanceof ObjectStoreError)) return false;
  return error.status === 501 || (error.code !== undefined && unsupportedCodes.has(error.code));
}

/** Whether the store is to be asked for this copy now. */
export function copyWanted(support: CopySupport, operation: CopyOperation, now = Date.now()): boolean {
  if (support.mode === 'never') return false;
  return support.mode === 'always' || now >= support.refusedUntil[operation];
}

/**
 * Runs `copy` when the store is to be asked, and `stream` (the copy-free path, which gives the
 * same bytes) when it is not or, in `auto`, when it refuses the copy as unsupported. The refusal
 * is remembered by the isolate, and logged once each time it is learnt.
 */
export async function copyOrStream<T>(
  support: CopySupport,
  operation: CopyOperation,
  copy: () => Promise<T>,
  stream: () => Promise<T>,
): Promise<T> {
  if (!copyWanted(support, operation)) return stream();
  try {
    return await copy();
  } catch (error) {
    if (support.mode !== 'auto' || !isCopyUnsupported(error)) throw error;
    const now = Date.now();
    if (now >= support.refusedUntil[operation]) {
      log('warn', 'object store refused a server-side copy; streaming through the Worker instead', {
        operation,
        status: (error as ObjectStoreError).status,
        code: (error as ObjectStoreError).code,
        retryCopyAfterSeconds: rememberRefusalMs / 1000,
      });
    }
    support.refusedUntil[operation] = now + rememberRefusalMs;
    return stream();
  }
}
