import { env } from 'cloudflare:test';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createContributor,
  demoTaskId,
  putToPresignedUrl,
  randomBytes,
  requestUpload,
  serviceDatabase,
  tokenFor,
} from '../support/integration-helpers';

// The unsigned-header attack of attacks.test.ts against Ceph RGW, which (unlike s3rver) enforces ACLs on anonymous reads,
// and which production (Hetzner) runs: a contributor adds headers the gateway did not sign to the
// presigned PUT, to make the upload public or change how it is served later.

const sql = serviceDatabase();
const s3 = new AwsClient({
  accessKeyId: env.S3_ACCESS_KEY_ID,
  secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  service: 's3',
  region: env.S3_REGION,
});
let contributor: string;

beforeAll(async () => {
  contributor = await tokenFor(await createContributor(sql));
});
afterAll(() => sql.end());

const objectUrl = (key: string) => `${env.S3_ENDPOINT}/${env.BUCKET_RAW}/${key}`;

describe('2. a private upload made public', () => {
  it('a canned ACL other than the signed one breaks the signature, and grant headers are refused beside it', async () => {
    const bytes = randomBytes(100);
    const created = await requestUpload(contributor, { contentType: 'audio/webm', size: bytes.byteLength });
    const publicRead = await putToPresignedUrl(
      created.json.url,
      { ...created.json.headers, 'x-amz-acl': 'public-read' },
      bytes,
    );
    expect(publicRead.status).toBe(403);
    expect(publicRead.text).toContain('SignatureDoesNotMatch');
    const granted = await putToPresignedUrl(
      created.json.url,
      { ...created.json.headers, 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' },
      bytes,
    );
    expect(granted.status).toBe(400);
    // Nothing was stored by either attempt.
    expect(
      (await s3.fetch(objectUrl(`incoming/${demoTaskId}/${created.json.submissionId}`), { method: 'HEAD' })).status,
    ).toBe(404);
  });

  it('metadata and content headers reach only the staging object; the verified object carries what the gateway chose and stays private', async () => {
    const bytes = randomBytes(100);
    const created = await requestUpload(contributor, { contentType: 'audio/webm', size: bytes.byteLength });
    const stagingKey = `incoming/${demoTaskId}/${created.json.submissionId}`;
    const finalKey = `raw/${demoTaskId}/${created.json.submissionId}`;
    const smuggled = {
      'x-amz-meta-owner': 'attacker',
      'cache-control': 'public, max-age=31536000',
      'content-disposition': 'inline; filename="x.html"',
      'content-encoding': 'gzip',
    };
    expect((await putToPresignedUrl(created.json.url, { ...created.json.headers, ...smuggled }, bytes)).status).toBe(
      200,
    );
    const completed = await call('POST', `/v1/uploads/${created.json.submissionId}/complete`, { token: contributor });
    expect(completed.status).toBe(200);

    const head = await s3.fetch(objectUrl(finalKey), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('audio/webm');
    for (const name of Object.keys(smuggled)) expect(head.headers.get(name), name).toBeNull();
    // Private: no anonymous read of the verified object, nor of the staging key (deleted once copied).
    expect((await fetch(objectUrl(finalKey))).status).toBe(403);
    expect((await fetch(objectUrl(stagingKey))).status).not.toBe(200);
    const view = await call('POST', `/v1/submissions/${created.json.submissionId}/view-url`, {
      token: await tokenFor('validator'),
    });
    const viewed = await fetch(view.json.url);
    expect(viewed.headers.get('content-encoding')).toBeNull();
    expect(new Uint8Array(await viewed.arrayBuffer())).toEqual(bytes);

    // A later PUT through the same URL recreates only the staging object, and privately.
    expect(
      (await putToPresignedUrl(created.json.url, { ...created.json.headers, ...smuggled }, randomBytes(100))).status,
    ).toBe(200);
    expect((await fetch(objectUrl(stagingKey))).status).toBe(403);
    expect(
      new Uint8Array(
        await (
          await fetch(
            (
              await call('POST', `/v1/submissions/${created.json.submissionId}/view-url`, {
                token: await tokenFor('validator'),
              })
            ).json.url,
          )
        ).arrayBuffer(),
      ),
    ).toEqual(bytes);
  });
});
