import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { presignRawObject, putObject } from '../support/seed';
import { demoTaskId } from '../../scripts/lib/jwt';
import type { Harness } from '../support/harness';

// What the fault tests do over HTTP, and what they check afterwards: the error envelope, the rows
// (through the superuser connection, never the proxied one) and the objects (straight from S3).

export const MiB = 1024 * 1024;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  /** How long the gateway took to answer, in milliseconds. */
  ms: number;
}

/**
 * One API call. The client gives up after `timeoutMs`, well past the gateway's own S3 timeout, so
 * a gateway that hangs along with S3 fails the test instead of stalling it.
 */
export async function call(
  harness: Harness,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(`${harness.api}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, ms: Date.now() - started };
}

/**
 * The one error envelope, with the request id of the header, as JSON; nothing of S3's XML, of a
 * stack trace or of a connection string reaches the client.
 */
export function expectError(answer: Answer, status: number, code: string) {
  expect({ status: answer.status, body: answer.text }).toEqual({ status, body: expect.any(String) });
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const requestId = answer.headers.get('x-request-id');
  expect(requestId).toEqual(expect.any(String));
  expect(answer.json).toEqual({ error: { code, message: expect.stringMatching(/\S/), requestId } });
  expect(answer.text).not.toMatch(
    /<\?xml|<Error>|<Code>|\n\s+at |ECONNRESET|ECONNREFUSED|CONNECTION_CLOSED|postgres:\/\/|X-Amz-/,
  );
}

/** The submission's row as the database holds it. */
export async function submissionRow(harness: Harness, id: string) {
  const [row] = await harness.sql<
    {
      status: string;
      size: string | null;
      sha256: string | null;
      reviewed_by: string | null;
      review_note: string | null;
      multipart_upload_id: string | null;
      object_key: string;
    }[]
  >`
    select status, size, sha256, reviewed_by, review_note, multipart_upload_id, object_key from public.submissions where id = ${id}`;
  return row;
}

/** Rows per table, for "nothing was written" checks. */
export async function rowCounts(harness: Harness, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await harness.sql.unsafe<{ count: number }[]>(`select count(*)::int as count from public.${table}`);
    counts[table] = row!.count;
  }
  return counts;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** An object of the raw bucket read straight from S3, or its status when it is not there. */
export async function rawObject(harness: Harness, key: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(await presignRawObject(harness.s3, 'GET', key));
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Stores an object in the assets bucket straight in S3 (the gateway only reads it). */
export function putAsset(harness: Harness, key: string, bytes: Uint8Array) {
  return putObject({ ...harness.s3, buckets: { raw: harness.s3.buckets.assets } }, key, bytes.byteLength, [bytes]);
}

/**
 * A pending single-PUT submission whose bytes are uploaded through its presigned URL, with any
 * `unsignedHeaders` a client may add beside the signed ones; `putAgain` uses the same URL and
 * headers again, as a client still holding them could.
 */
export async function openSinglePut(
  harness: Harness,
  token: string,
  bytes: Uint8Array,
  unsignedHeaders: Record<string, string> = {},
) {
  const created = await call(harness, 'POST', '/v1/uploads', {
    token,
    json: { taskId: demoTaskId, contentType: 'audio/webm', size: bytes.byteLength },
  });
  expect(created.status, created.text).toBe(201);
  expect(created.json.method).toBe('PUT');
  // fetch sets Content-Length from the body itself.
  const { 'Content-Length': _length, ...headers } = created.json.headers as Record<string, string>;
  const putAgain = (body: Uint8Array) =>
    fetch(created.json.url, { method: 'PUT', headers: { ...headers, ...unsignedHeaders }, body });
  const put = await putAgain(bytes);
  expect(put.status, await put.text()).toBe(200);
  return { id: created.json.submissionId as string, putAgain };
}

/** A pending single-PUT submission whose bytes are uploaded through its presigned URL. */
export async function uploadPending(harness: Harness, token: string, bytes: Uint8Array): Promise<string> {
  return (await openSinglePut(harness, token, bytes)).id;
}

/** A pending multipart submission with its parts uploaded, and the part list its Complete needs. */
export async function uploadPendingMultipart(harness: Harness, token: string, bytes: Uint8Array) {
  const created = await call(harness, 'POST', '/v1/uploads', {
    token,
    json: { taskId: demoTaskId, contentType: 'video/mp4', size: bytes.byteLength },
  });
  expect(created.status, created.text).toBe(201);
  expect(created.json.method).toBe('MULTIPART');
  const id: string = created.json.submissionId;
  const partNumbers = Array.from({ length: created.json.partCount }, (_, index) => index + 1);
  const signed = await call(harness, 'POST', `/v1/uploads/${id}/parts`, { token, json: { partNumbers } });
  expect(signed.status, signed.text).toBe(200);
  const parts: { partNumber: number; etag: string }[] = [];
  for (const part of signed.json.parts as { partNumber: number; url: string }[]) {
    const body = bytes.subarray((part.partNumber - 1) * created.json.partSize, part.partNumber * created.json.partSize);
    const put = await fetch(part.url, { method: 'PUT', body });
    expect(put.status, await put.text()).toBe(200);
    parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
  }
  return { id, uploadId: created.json.uploadId as string, parts };
}
