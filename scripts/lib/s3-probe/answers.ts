// What the store answered, in words safe to print: a status and S3's error code. Signed URLs carry
// a signature valid until they expire, and the credentials are secrets, so neither may ever reach
// the output, not even inside an error message.
import { ObjectStoreError, s3ErrorCode } from '../../../src/s3/send';
import { createObjectStore, type ObjectStore, type ObjectStoreSettings } from '../../../src/s3/store';

/** A 2xx answer that is still wrong (a header not overridden, a size that differs). */
export class UnexpectedAnswer extends Error {
  override name = 'UnexpectedAnswer';
}

/** The gateway's own S3 handle (src/s3/store.ts), plus the status of the last answer it received. */
export interface RecordingStore {
  store: ObjectStore;
  lastStatus(): number | undefined;
}

/**
 * createObjectStore, as the Worker builds it, with its client's fetch observed: the functions of
 * src/s3/ return values, not responses, and the table shows the status each call was answered with.
 */
export function createRecordingStore(settings: ObjectStoreSettings): RecordingStore {
  const store = createObjectStore(settings);
  const signedFetch = store.client.fetch.bind(store.client);
  let status: number | undefined;
  store.client.fetch = async (input, init) => {
    status = undefined;
    const response = await signedFetch(input, init);
    status = response.status;
    return response;
  };
  return { store, lastStatus: () => status };
}

/** Removes URLs' query strings (where presigned signatures live) and the given secrets from text. */
export function redact(text: string, secrets: readonly string[]): string {
  let safe = text.replace(/(https?:\/\/[^\s?"']*)\?[^\s"']*/g, '$1?…');
  for (const secret of secrets) if (secret) safe = safe.split(secret).join('…');
  return safe;
}

/** A failed call as the table shows it: `403 SignatureDoesNotMatch`, `timeout`, `unreachable: …`. */
export function describeFailure(error: unknown, secrets: readonly string[]): string {
  if (error instanceof ObjectStoreError) {
    if (error.status !== undefined) return [error.status, error.code].filter(Boolean).join(' ');
    if (error.kind === 'timeout') return 'no answer in time';
    return redact(error.message, secrets);
  }
  if (error instanceof UnexpectedAnswer) return redact(error.message, secrets);
  const cause = (error as Error).cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return redact(`${(error as Error).message}${detail}`, secrets);
}

/** A presigned request's answer: its status and, for an error, S3's code (its body is read here). */
export async function describeResponse(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  const code = response.ok ? undefined : s3ErrorCode(text);
  return [response.status, code].filter(Boolean).join(' ');
}
