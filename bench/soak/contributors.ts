// Contributors: single-PUT uploads of small random sizes and multipart uploads just over the
// threshold, each completed, retrying as an app's client does. Every completion answered 200
// goes into the ledger with the SHA-256 the client computed over its own bytes.
import { createHash, randomBytes } from 'node:crypto';
import { demoTaskId } from '../../scripts/lib/jwt';
import type { Random } from './random';
import { retrying } from './traffic';
import type { World } from './world';

export const MiB = 1024 * 1024;

interface CreatedUpload {
  submissionId: string;
  method: 'PUT' | 'MULTIPART';
  url?: string;
  headers?: Record<string, string>;
  partSize?: number;
  partCount?: number;
}

interface CompletedAnswer {
  submission?: { id: string; status: string; size: number | string | null; sha256: string | null };
}

/** PUTs `body` to a presigned URL until S3 answers 200; answers the last status and the ETag. */
async function putUntilStored(world: World, label: string, url: string, headers: Record<string, string>, body: Buffer) {
  const answer = await retrying(
    () => world.traffic.send('s3', label, url, { method: 'PUT', headers, body }),
    (status) => status !== 200,
    45_000,
  );
  return { status: answer.status, etag: answer.headers.get('etag') };
}

/** The parts of a multipart upload: signed, put, and the list its completion sends. */
async function putParts(world: World, token: string, created: CreatedUpload, bytes: Buffer) {
  const partNumbers = Array.from({ length: created.partCount ?? 0 }, (_, index) => index + 1);
  const path = `/v1/uploads/${created.submissionId}/parts`;
  const signed = await retrying(() =>
    world.call<{ parts: { partNumber: number; url: string }[] }>('POST', path, token, { partNumbers }),
  );
  if (signed.status !== 200 || !signed.body) return { failed: `sign parts`, status: signed.status };
  const parts: { partNumber: number; etag: string }[] = [];
  for (const part of signed.body.parts) {
    const size = created.partSize!;
    const body = bytes.subarray((part.partNumber - 1) * size, part.partNumber * size);
    const put = await putUntilStored(world, 'PUT part (presigned)', part.url, {}, body);
    if (put.status !== 200 || !put.etag) return { failed: 'PUT part', status: put.status };
    parts.push({ partNumber: part.partNumber, etag: put.etag });
  }
  return { parts };
}

/** One upload from open to complete; answers when it is completed or given up. */
async function uploadOnce(world: World, random: Random, token: string) {
  const multipart = random.chance(0.2);
  const size = multipart ? 5 * MiB + random.int(1, 512 * 1024) : random.int(1, 256 * 1024);
  const bytes = randomBytes(size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const contentType = multipart ? 'video/mp4' : 'audio/webm';
  const created = await retrying(() =>
    world.call<CreatedUpload>('POST', '/v1/uploads', token, { taskId: demoTaskId, contentType, size }),
  );
  if (created.status !== 201 || !created.body) return world.giveUp('POST /v1/uploads', created.status);
  const upload = created.body;
  let parts: { partNumber: number; etag: string }[] | undefined;
  if (upload.method === 'PUT') {
    // fetch sets Content-Length from the body itself.
    const { 'Content-Length': _length, ...headers } = upload.headers ?? {};
    const put = await putUntilStored(world, 'PUT object (presigned)', upload.url!, headers, bytes);
    if (put.status !== 200) return world.giveUp('PUT object', put.status);
  } else {
    const put = await putParts(world, token, upload, bytes);
    if (!put.parts) return world.giveUp(put.failed, put.status);
    parts = put.parts;
  }
  const complete = await retrying(
    () =>
      world.call<CompletedAnswer>(
        'POST',
        `/v1/uploads/${upload.submissionId}/complete`,
        token,
        parts ? { parts } : undefined,
      ),
    undefined,
    90_000,
  );
  if (complete.status !== 200) {
    const kind = multipart ? 'multipart' : 'single PUT';
    return world.giveUp(
      'POST /v1/uploads/{id}/complete',
      complete.status,
      `${kind} ${upload.submissionId} ${complete.error}`,
    );
  }
  const submission = complete.body?.submission;
  if (Number(submission?.size) !== size || submission?.sha256 !== sha256) {
    world.corrupt.push(
      `completion of ${upload.submissionId} answered ${submission?.size} bytes ${submission?.sha256}, the client sent ${size} ${sha256}`,
    );
  }
  world.completed.set(upload.submissionId, { size, sha256, multipart });
}

export async function contributor(world: World, random: Random, token: string) {
  while (!world.stopping) await uploadOnce(world, random, token);
}
