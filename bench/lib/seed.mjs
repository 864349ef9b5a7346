// Approved submissions with their objects in the raw bucket, as review would leave them, written
// straight to PostgreSQL and S3 so a bundle can be created without the upload flow. Shared by the
// stack tests and bench:zip.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsV4Signer } from 'aws4fetch';
import { demoTaskId, demoUsers } from '../../scripts/lib/jwt.mjs';

/** A presigned URL for `method` on a raw-bucket object, straight to the S3 server. */
export async function presignRawObject(s3, method, key) {
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
export async function putObject(s3, key, size, chunks) {
  const url = await presignRawObject(s3, 'PUT', key);
  await new Promise((resolve, reject) => {
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
export async function seedApproved(sql, s3, bodies) {
  const seeded = [];
  for (const body of bodies) {
    const spec =
      body instanceof Uint8Array
        ? {
            size: body.byteLength,
            chunks: () => [body],
            crc32: crc32(body),
            sha256: createHash('sha256').update(body).digest('hex'),
          }
        : body;
    const [row] = await sql`
      insert into public.submissions (task_id, contributor_id, status, content_type, declared_size, size, crc32, sha256, uploaded_at)
      values (${demoTaskId}, ${demoUsers.contributor.userId}, 'approved', 'application/octet-stream', ${spec.size}, ${spec.size}, ${spec.crc32}, ${spec.sha256}, '2026-11-01T12:00:00Z')
      returning id, object_key`;
    await putObject(s3, row.object_key, spec.size, spec.chunks());
    seeded.push({ id: row.id, objectKey: row.object_key, size: spec.size, sha256: spec.sha256 });
  }
  return seeded;
}
