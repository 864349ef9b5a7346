import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRgw } from '../../scripts/lib/rgw';
import { run } from '../support/harness';
import { tsx } from '../support/tsx';

// buckets:apply against Ceph RGW, which implements what s3rver lacks: bucket policies and
// lifecycle rules. Runs with npm run test:rgw.

let rgw: Awaited<ReturnType<typeof startRgw>>;
beforeAll(async () => {
  rgw = await startRgw();
}, 120_000);
afterAll(() => rgw?.stop());

describe('npm run buckets:apply against Ceph RGW', () => {
  it('applies the lifecycle rule and the public-read policy once, then changes nothing', async () => {
    const env = {
      ...process.env,
      S3_ENDPOINT: rgw.endpoint,
      S3_ACCESS_KEY_ID: rgw.accessKeyId,
      S3_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      S3_REGION: rgw.region,
      // RGW answers on 127.0.0.1: path-style, as for the Worker in the local stack.
      S3_FORCE_PATH_STYLE: 'true',
    };
    const first = await run(process.execPath, [tsx, 'scripts/buckets-apply.ts'], { env });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').sort()).toEqual([
      'xum-processed-datasets cors: changed',
      'xum-processed-datasets lifecycle: changed',
      'xum-public-assets policy: changed',
      'xum-raw-submissions cors: unchanged',
      'xum-raw-submissions lifecycle: changed',
    ]);
    const second = await run(process.execPath, [tsx, 'scripts/buckets-apply.ts'], { env });
    expect(second.stdout.trim().split('\n').sort()).toEqual([
      'xum-processed-datasets cors: unchanged',
      'xum-processed-datasets lifecycle: unchanged',
      'xum-public-assets policy: unchanged',
      'xum-raw-submissions cors: unchanged',
      'xum-raw-submissions lifecycle: unchanged',
    ]);

    const client = new AwsClient({
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: rgw.secretAccessKey,
      service: 's3',
      region: rgw.region,
    });
    for (const bucket of [rgw.buckets.raw, rgw.buckets.processed]) {
      const lifecycle = await (await client.fetch(`${rgw.endpoint}/${bucket}?lifecycle`)).text();
      expect(lifecycle, bucket).toContain('<DaysAfterInitiation>7</DaysAfterInitiation>');
    }
    // The processed bucket's CORS, read back: the app origins may GET and HEAD a download URL
    // and read its ETag, length and range headers.
    const processedCors = await (await client.fetch(`${rgw.endpoint}/${rgw.buckets.processed}?cors`)).text();
    for (const method of ['GET', 'HEAD']) expect(processedCors).toContain(`<AllowedMethod>${method}</AllowedMethod>`);
    for (const header of ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'])
      expect(processedCors).toContain(`<ExposeHeader>${header}</ExposeHeader>`);
    const preflight = (method: string) =>
      fetch(`${rgw.endpoint}/${rgw.buckets.processed}/x`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.xum-ai.app', 'access-control-request-method': method },
      });
    expect((await preflight('GET')).status).toBe(200);
    expect((await preflight('PUT')).status).toBe(403);
    // Staged single PUTs (copied to their final key at completion) expire after a day.
    const rawLifecycle = await (await client.fetch(`${rgw.endpoint}/${rgw.buckets.raw}?lifecycle`)).text();
    expect(rawLifecycle).toMatch(
      /<Rule>(?=[\s\S]*<Prefix>incoming\/<\/Prefix>)(?=[\s\S]*<Days>1<\/Days>)[\s\S]*<\/Rule>/,
    );
    for (const bucket of [rgw.buckets.assets, rgw.buckets.raw]) {
      const put = await client.fetch(`${rgw.endpoint}/${bucket}/icon.png`, {
        method: 'PUT',
        body: 'png',
        headers: { 'content-type': 'image/png' },
      });
      expect(put.status).toBe(200);
    }
    // Anyone may read the assets bucket; the raw bucket stays private.
    expect((await fetch(`${rgw.endpoint}/${rgw.buckets.assets}/icon.png`)).status).toBe(200);
    expect((await fetch(`${rgw.endpoint}/${rgw.buckets.raw}/icon.png`)).status).toBe(403);
  });
});
