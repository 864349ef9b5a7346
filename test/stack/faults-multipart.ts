import { randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeenRequest } from '../support/s3-proxy';
import { call, MiB, submissionRow, uploadPendingMultipart } from './faults-client';
import { failing, s3Faults } from './faults-s3';
import type { Harness } from '../support/harness';

// The multipart calls s3rver does not implement (ListParts, AbortMultipartUpload), failing the
// three ways: run against Ceph RGW (npm run test:rgw), where the retry afterwards is real.

export function describeMultipartFaults(harness: () => Harness) {
  let contributor: string;
  beforeAll(async () => {
    contributor = await harness().tokenFor('contributor');
  });
  afterEach(() => harness().proxy.clear());

  /** ListParts straight to S3 (not through the proxy): the upload's parts, or S3's status. */
  async function partsInS3(objectKey: string, uploadId: string) {
    const { s3 } = harness();
    const client = new AwsClient({
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      service: 's3',
      region: s3.region,
    });
    const response = await client.fetch(
      `${s3.endpoint}/${s3.buckets.raw}/${objectKey}?uploadId=${encodeURIComponent(uploadId)}`,
    );
    const xml = await response.text();
    return {
      status: response.status,
      parts: [...xml.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((match) => Number(match[1])),
    };
  }

  const touches = (method: string, uploadId: string) => (request: SeenRequest) =>
    request.method === method && request.query.get('uploadId') === uploadId;

  describe('GET /v1/uploads/{id}/parts (ListParts)', () => {
    for (const expected of s3Faults) {
      it(`${expected.name} → ${expected.status}; the retry lists the parts S3 holds`, async () => {
        const upload = await uploadPendingMultipart(harness(), contributor, randomBytes(5 * MiB + 1000));
        const list = () => call(harness(), 'GET', `/v1/uploads/${upload.id}/parts`, { token: contributor });
        await failing(harness(), touches('GET', upload.uploadId), expected, list);
        expect(await submissionRow(harness(), upload.id)).toMatchObject({
          status: 'pending',
          multipart_upload_id: upload.uploadId,
        });
        const retried = await list();
        expect(retried.status, retried.text).toBe(200);
        expect(retried.json.parts).toEqual([{ partNumber: 1, etag: upload.parts[0]!.etag, size: 5 * MiB + 1000 }]);
      });
    }
  });

  describe('DELETE /v1/uploads/{id} (AbortMultipartUpload)', () => {
    for (const expected of s3Faults) {
      it(`${expected.name} → ${expected.status}; the upload stays pending and open in S3; the retry aborts both`, async () => {
        const upload = await uploadPendingMultipart(harness(), contributor, randomBytes(5 * MiB + 1000));
        const { object_key: objectKey } = (await submissionRow(harness(), upload.id))!;
        const abort = () => call(harness(), 'DELETE', `/v1/uploads/${upload.id}`, { token: contributor });
        await failing(harness(), touches('DELETE', upload.uploadId), expected, abort);
        expect(await submissionRow(harness(), upload.id)).toMatchObject({
          status: 'pending',
          multipart_upload_id: upload.uploadId,
        });
        expect(await partsInS3(objectKey, upload.uploadId)).toEqual({ status: 200, parts: [1] });
        const retried = await abort();
        expect(retried.status, retried.text).toBe(200);
        expect(retried.json.submission).toMatchObject({ id: upload.id, status: 'aborted' });
        expect((await submissionRow(harness(), upload.id))?.status).toBe('aborted');
        expect((await partsInS3(objectKey, upload.uploadId)).status).toBe(404);
      });
    }
  });
}
