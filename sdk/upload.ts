import { layOutParts, partLength } from '../src/uploads/part-layout';
import { gatewayClient, GatewayError, type GatewayOptions, type GatewayRequest } from './gateway';
import { toUploadSource, type UploadSource } from './source';
import type { CreateUploadResponse, SignedPart, SubmissionResponse, UploadedPartResponse } from './types';

export interface UploadProgress {
  uploadedBytes: number;
  totalBytes: number;
}

export interface UploadOptions extends GatewayOptions {
  taskId: string;
  /** Defaults to the source's own type, then application/octet-stream. */
  contentType?: string;
  filename?: string;
  /** Parts in flight at once (multipart uploads); `defaultConcurrency` when not given. */
  concurrency?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** Aborts the upload, in S3 too (AbortMultipartUpload through the gateway). */
  signal?: AbortSignal;
  /** The submission id of an interrupted multipart upload of the same source, to resume it. */
  resume?: string;
  /** Called as soon as the submission exists, so a caller can keep its id to resume later. */
  onSubmission?: (submissionId: string) => void;
  /** Attempts per request after the first, for network errors and 5xx answers. */
  retries?: number;
}

const defaultRetries = 5;
export const defaultConcurrency = 4;
// A part URL this close to expiry is signed again before use rather than risk a 403 mid-PUT.
const resignMarginMs = 60_000;

function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  const delay = Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, delay);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

class PartRefusedError extends Error {
  constructor(readonly status: number) {
    super(`object storage refused the part (${status})`);
  }
}

/**
 * PUTs one body to a presigned URL, retrying network errors and 5xx answers with backoff.
 * A 403 is handed back to the caller: for a presigned URL it usually means it expired.
 */
async function putWithRetries(
  url: () => Promise<string>,
  body: () => Promise<Blob | Uint8Array>,
  headers: Record<string, string>,
  retries: number,
  signal?: AbortSignal,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let response: Response | undefined;
    try {
      response = await fetch(await url(), { method: 'PUT', headers, body: await body(), signal });
    } catch (error) {
      if (signal?.aborted || attempt >= retries) throw error;
      await backoff(attempt, signal);
      continue;
    }
    if (response.ok) return response;
    await response.body?.cancel();
    if (response.status < 500 || attempt >= retries) throw new PartRefusedError(response.status);
    await backoff(attempt, signal);
  }
}

async function uploadSingle(
  request: GatewayRequest,
  source: UploadSource,
  created: Extract<CreateUploadResponse, { method: 'PUT' }>,
  options: UploadOptions,
) {
  // Browsers set Content-Length themselves and refuse to be told; it is signed, and the body's
  // length is exactly it.
  const { 'Content-Length': _length, ...headers } = created.headers;
  options.onProgress?.({ uploadedBytes: 0, totalBytes: source.size });
  await putWithRetries(
    async () => created.url,
    () => source.slice(0, source.size),
    headers,
    options.retries ?? defaultRetries,
    options.signal,
  );
  options.onProgress?.({ uploadedBytes: source.size, totalBytes: source.size });
  return request<{ submission: SubmissionResponse }>(
    'POST',
    `/v1/uploads/${created.submissionId}/complete`,
    undefined,
    options.signal,
  );
}

async function uploadParts(
  request: GatewayRequest,
  source: UploadSource,
  submissionId: string,
  options: UploadOptions,
) {
  const layout = layOutParts(source.size);
  const retries = options.retries ?? defaultRetries;
  const done = new Map<number, string>();
  if (options.resume) {
    const { parts } = await request<{ parts: UploadedPartResponse[] }>(
      'GET',
      `/v1/uploads/${submissionId}/parts`,
      undefined,
      options.signal,
    );
    for (const part of parts)
      if (part.size === partLength(source.size, layout, part.partNumber)) done.set(part.partNumber, part.etag);
  }
  const pending = Array.from({ length: layout.partCount }, (_, index) => index + 1).filter(
    (partNumber) => !done.has(partNumber),
  );
  let uploadedBytes = [...done.keys()].reduce(
    (sum, partNumber) => sum + partLength(source.size, layout, partNumber),
    0,
  );
  options.onProgress?.({ uploadedBytes, totalBytes: source.size });

  const signed = new Map<number, SignedPart>();
  const unsigned = [...pending];
  let signing: Promise<void> | undefined;
  const signBatch = async (partNumber: number) => {
    // One call signs the part needed now and up to 99 of the next ones.
    const batch = [
      partNumber,
      ...unsigned.filter((candidate) => candidate !== partNumber && !signed.has(candidate)).slice(0, 99),
    ];
    const { parts } = await request<{ parts: SignedPart[] }>(
      'POST',
      `/v1/uploads/${submissionId}/parts`,
      { partNumbers: batch },
      options.signal,
    );
    for (const part of parts) signed.set(part.partNumber, part);
  };
  const urlFor = async (partNumber: number): Promise<string> => {
    for (;;) {
      const part = signed.get(partNumber);
      if (part && Date.parse(part.expiresAt) - Date.now() > resignMarginMs) return part.url;
      signing ??= signBatch(partNumber).finally(() => (signing = undefined));
      await signing;
      if (!signed.has(partNumber)) await signBatch(partNumber);
    }
  };

  const queue = [...pending];
  const worker = async () => {
    for (let partNumber = queue.shift(); partNumber !== undefined; partNumber = queue.shift()) {
      const start = (partNumber - 1) * layout.partSize;
      const length = partLength(source.size, layout, partNumber);
      const body = () => source.slice(start, start + length);
      let response: Response;
      try {
        response = await putWithRetries(() => urlFor(partNumber), body, {}, retries, options.signal);
      } catch (error) {
        if (!(error instanceof PartRefusedError && error.status === 403)) throw error;
        // An expired (or otherwise refused) signature: sign this part again, once.
        signed.delete(partNumber);
        response = await putWithRetries(() => urlFor(partNumber), body, {}, retries, options.signal);
      }
      const etag = response.headers.get('etag');
      if (!etag)
        throw new Error('object storage answered a part without an ETag (is ETag exposed in the bucket CORS?)');
      done.set(partNumber, etag);
      uploadedBytes += length;
      options.onProgress?.({ uploadedBytes, totalBytes: source.size });
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.max(1, Math.min(options.concurrency ?? defaultConcurrency, pending.length || 1)) },
      worker,
    ),
  );

  const parts = [...done.entries()].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
  return request<{ submission: SubmissionResponse }>(
    'POST',
    `/v1/uploads/${submissionId}/complete`,
    { parts },
    options.signal,
  );
}

/**
 * Uploads `source` as a submission to `taskId` and returns the completed submission. Picks a
 * single PUT or a multipart upload as the gateway decides, uploads parts in parallel, retries
 * network errors and 5xx answers, signs a part again when its URL expired, resumes from the parts
 * S3 already holds (`resume`), and aborts the upload when `signal` fires.
 */
export async function upload(
  input: UploadSource | Blob | Uint8Array,
  options: UploadOptions,
): Promise<SubmissionResponse> {
  const source = toUploadSource(input);
  const request = gatewayClient(options);
  let submissionId = options.resume;
  let multipart = Boolean(options.resume);
  let created: CreateUploadResponse | undefined;
  if (!submissionId) {
    created = await request<CreateUploadResponse>(
      'POST',
      '/v1/uploads',
      {
        taskId: options.taskId,
        contentType: options.contentType ?? source.type ?? 'application/octet-stream',
        size: source.size,
        ...((options.filename ?? source.name) ? { filename: options.filename ?? source.name } : {}),
      },
      options.signal,
    );
    submissionId = created.submissionId;
    multipart = created.method === 'MULTIPART';
  }
  options.onSubmission?.(submissionId);
  try {
    const { submission } =
      multipart || !created || created.method !== 'PUT'
        ? await uploadParts(request, source, submissionId, options)
        : await uploadSingle(request, source, created, options);
    return submission;
  } catch (error) {
    if (options.signal?.aborted) {
      // The caller gave up: free the parts S3 holds. Not with the aborted signal, or it would not go.
      await request('DELETE', `/v1/uploads/${submissionId}`).catch(() => {});
      throw options.signal.reason ?? error;
    }
    throw error;
  }
}

export { GatewayError };
