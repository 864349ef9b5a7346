import type { ObjectStore } from '../s3/store';
import { fetchObjectRange } from '../s3/objects';
import { ObjectStoreError } from '../s3/send';
import type { MemberSource } from '../streams/archive-writer';

const retries = 3;
const firstBackoffMs = 100;

/** GETs one member read may send at most: the first and its retries. [limits] counts on it. */
export const memberFetchAttempts = 1 + retries;

/** Waits between attempts; the abort listener goes when the wait ends, so retries add none to the signal. */
function pause(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', aborted);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * Member bodies from the raw bucket, by ranged GET. A failure before the first byte (no
 * connection, a 5xx, no answer) is retried with exponential backoff a bounded number of times;
 * once bytes flow, failures are the writer's to handle, since they cannot be retried unseen.
 */
export function bucketMemberSource(
  store: ObjectStore,
  bucket: string,
  objectKeys: readonly (string | null)[],
): MemberSource {
  return {
    async open(index, start, end, signal) {
      const key = objectKeys[index];
      if (!key) throw new Error(`entry ${index} has no object`);
      for (let attempt = 0; ; attempt++) {
        try {
          return await fetchObjectRange(store, bucket, key, start, end, signal);
        } catch (error) {
          // A store that did not answer within its timeout is not asked again: the caller has
          // waited long enough, and a 504 now beats four timeouts in a row.
          const transient = error instanceof ObjectStoreError && error.kind === 'unavailable';
          if (!transient || attempt >= retries || signal.aborted) throw error;
          await pause(firstBackoffMs * 2 ** attempt, signal);
        }
      }
    },
  };
}

/**
 * Opens one member before anything is sent, so that a store failing or hanging on the first
 * member the response needs is still an error status (502, 504) instead of a 200 whose body
 * breaks; the returned source hands that opened body to the writer when it asks for it, and
 * opens everything else as `source` does. The early request is cancelled with the writer's.
 */
export async function openFirstMember(
  source: MemberSource,
  first: { index: number; start: number; end: number } | null,
): Promise<MemberSource> {
  if (first === null) return source;
  const early = new AbortController();
  let opened: ReadableStream<Uint8Array> | null = await source.open(first.index, first.start, first.end, early.signal);
  return {
    open(index, start, end, signal) {
      if (opened !== null && index === first.index && start === first.start && end === first.end) {
        const body = opened;
        opened = null;
        signal.addEventListener('abort', () => early.abort(signal.reason), { once: true });
        return Promise.resolve(body);
      }
      return source.open(index, start, end, signal);
    },
  };
}
