import type { Harness } from '../support/harness';
import type { SeenRequest } from '../support/s3-proxy';

// What the dataset and upload suites expect depends on whether the store copies: behind the
// no-copy front (STORAGE_MANAGER_S3_PROFILE=no-copy, as Hetzner may behave) every copy is refused
// with 501 and the Worker streams the same bytes instead (src/s3/server-side-copy.ts).

/** Whether the stack's store refuses server-side copies. */
export const copiesRefused = (harness: Harness) => harness.s3.profile === 'no-copy';

/** A copy the store refused: it moved no bytes. */
export const isRefusedCopy = (request: SeenRequest) => request.copySource !== null && request.status === 501;

/**
 * Bytes of `key` the Worker read, by GET, summed over its ranges (a GET without one counts the
 * bytes answered).
 */
export function bytesRead(requests: SeenRequest[], key: string): number {
  return requests
    .filter((request) => request.method === 'GET' && request.path.endsWith(key))
    .reduce((sum, request) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.range ?? '');
      return sum + (range ? Number(range[2]) - Number(range[1]) + 1 : request.responseBytes);
    }, 0);
}
