import type { ObjectStore } from '../sign/object-store';
import { fetchObjectRange, ObjectStoreError } from '../sign/objects';
import type { MemberSource } from '../zip';

const retries = 3;
const firstBackoffMs = 100;

function pause(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

/**
 * Member bodies from the raw bucket, by ranged GET. A failure before the first byte (no
 * connection, a 5xx, no answer) is retried with exponential backoff a bounded number of times;
 * once bytes flow, failures are the writer's to handle, since they cannot be retried unseen.
 */
export function bucketMemberSource(store: ObjectStore, bucket: string, objectKeys: readonly (string | null)[]): MemberSource {
  return {
    async open(index, start, end, signal) {
      const key = objectKeys[index];
      if (!key) throw new Error(`entry ${index} has no object`);
      for (let attempt = 0; ; attempt++) {
        try {
          return await fetchObjectRange(store, bucket, key, start, end, signal);
        } catch (error) {
          const transient = error instanceof ObjectStoreError && (error.kind === 'unavailable' || error.kind === 'timeout');
          if (!transient || attempt >= retries || signal.aborted) throw error;
          await pause(firstBackoffMs * 2 ** attempt, signal);
        }
      }
    },
  };
}
