// Approved submissions with their objects in the raw bucket, as review would leave them, written
// straight to PostgreSQL and S3 so a bundle can be created without the upload flow. Shared by the
// stack tests and the benchmarks.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsV4Signer } from 'aws4fetch';
import type postgres from 'postgres';
import { demoTaskId, demoUsers } from '../../scripts/lib/jwt';

/** The S3 server holding the raw bucket, and the credentials to sign for it. */
export interface SeedS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  buckets: { raw: string };
}

/** A body too large to hold at once: its size, its bytes in chunks, and the digests completing an upload records. */
export interface SeedBody {
  size: number;
  chunks: () => Iterable<Uint8Array>;
  crc32: number;
  sha256: string | null;
}

export interface Seeded {
  id: string;
  objectKey: string;
  size: number;
  sha256: string | null;
}

/** A presigned URL for `method` on a raw-bucket object, straight to the S3 server. */
export async function presignRawObject(
  s3: SeedS3,
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE',
  key: string,
): Promise<string> {
  const signer = new AwsV4Signer({
    method,
    url: `${s3.endpoint}/${s3.buckets.raw}/${key}`,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    service: 's3',
    region: s3.region,
    signQuery: true,
  });
  return (await signer.sign()).url.toString();
}

/** PUTs a body straight to the S3 server, streaming it with its exact length. */
export async function putObject(s3: SeedS3, key: string, size: number, chunks: Iterable<Uint8Array>): Promise<void> {
  const url = await presignRawObject(s3, 'PUT', key);
  await new Promise<void>((resolve, reject) => {
    const put = httpRequest(
      url,
      { method: 'PUT', headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' } },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`PUT ${key}: ${response.statusCode}`)),
        );
      },
    );
    put.on('error', reject);
    (async () => {
      for (const chunk of chunks) if (!put.write(chunk)) await new Promise((drain) => put.once('drain', drain));
      put.end();
    })().catch(reject);
  });
}

/**
 * Inserts one approved submission per body and stores its object. A body is a Uint8Array, or
 * `{ size, chunks, crc32, sha256 }` for bodies too large to hold at once.
 */
export async function seedApproved(
  sql: postgres.Sql,
  s3: SeedS3,
  bodies: (SeedBody | Uint8Array)[],
): Promise<Seeded[]> {
  const seeded: Seeded[] = [];
  for (const body of bodies) {
    const spec: SeedBody =
      body instanceof Uint8Array
        ? {
            size: body.byteLength,
            chunks: () => [body],
            crc32: crc32(body),
            sha256: createHash('sha256').update(body).digest('hex'),
          }
        : body;
    const [row] = await sql<[{ id: string; object_key: string }]>`
      insert into public.submissions (task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256, uploaded_at)
      values (${demoTaskId}, ${demoUsers.contributor.userId}, 'approved', 'application/octet-stream', ${spec.size}, ${spec.size}, ${spec.crc32}, ${spec.sha256}, '2026-11-01T12:00:00Z')
      returning id, object_key`;
    await putObject(s3, row.object_key, spec.size, spec.chunks());
    seeded.push({ id: row.id, objectKey: row.object_key, size: spec.size, sha256: spec.sha256 });
  }
  return seeded;
}
