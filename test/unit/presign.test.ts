import { describe, expect, it } from 'vitest';
import { presignDownload, presignUpload } from '../../src/sign/presign';
import { createObjectStore } from '../../src/s3/store';
import { bucketUrl, objectUrl } from '../../src/s3/addressing';

// AWS's published example for query-string authentication (Amazon S3 API Reference,
// "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example GET of
// examplebucket/test.txt on 2013-05-24 valid 86400 s).
const awsExampleSettings = {
  endpoint: 'https://s3.amazonaws.com',
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  forcePathStyle: false,
};
const awsExample = createObjectStore(awsExampleSettings);

describe('presignDownload', () => {
  it("reproduces AWS's published SigV4 query-signing example", async () => {
    const signed = await presignDownload(awsExample, {
      bucket: 'examplebucket',
      key: 'test.txt',
      expiresInSeconds: 86400,
      now: new Date('2013-05-24T00:00:00Z'),
    });
    const url = new URL(signed.url);
    expect(url.host).toBe('examplebucket.s3.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
    expect(signed.expiresAt.toISOString()).toBe('2013-05-25T00:00:00.000Z');
  });

  it('signs response-content-disposition into the URL', async () => {
    const signed = await presignDownload(awsExample, {
      bucket: 'examplebucket',
      key: 'test.txt',
      expiresInSeconds: 300,
      responseContentDisposition: 'attachment; filename="a.zip"',
      now: new Date('2013-05-24T00:00:00Z'),
    });
    expect(new URL(signed.url).searchParams.get('response-content-disposition')).toBe('attachment; filename="a.zip"');
  });
});

describe('presignUpload', () => {
  it('binds Content-Type and Content-Length into the signature', async () => {
    const options = { bucket: 'b', key: 'raw/t/s', expiresInSeconds: 900, now: new Date('2026-01-01T00:00:00Z') };
    const a = await presignUpload(awsExample, { ...options, contentType: 'audio/webm', contentLength: 11 });
    const b = await presignUpload(awsExample, { ...options, contentType: 'audio/webm', contentLength: 12 });
    const c = await presignUpload(awsExample, { ...options, contentType: 'audio/ogg', contentLength: 11 });
    const signatureOf = (url: string) => new URL(url).searchParams.get('X-Amz-Signature');
    expect(new URL(a.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-acl');
    expect(new Set([signatureOf(a.url), signatureOf(b.url), signatureOf(c.url)]).size).toBe(3);
    expect(a.headers).toEqual({ 'Content-Length': '11', 'Content-Type': 'audio/webm', 'x-amz-acl': 'private' });
  });
});

describe('objectUrl', () => {
  it('uses virtual-hosted style unless path style is forced, and encodes each key segment', () => {
    expect(objectUrl(awsExampleSettings, 'bucket', 'raw/a b/c').toString()).toBe(
      'https://bucket.s3.amazonaws.com/raw/a%20b/c',
    );
    expect(
      objectUrl(
        { ...awsExampleSettings, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
        'bucket',
        "x/it's",
      ).toString(),
    ).toBe('http://127.0.0.1:9000/bucket/x/it%27s');
  });
});

describe('bucketUrl', () => {
  it('names the bucket itself, virtual-hosted (Hetzner) or path-style (local servers), for HeadBucket', () => {
    expect(
      bucketUrl(
        { ...awsExampleSettings, endpoint: 'https://fsn1.your-objectstorage.com' },
        'xum-raw-submissions',
      ).toString(),
    ).toBe('https://xum-raw-submissions.fsn1.your-objectstorage.com/');
    expect(
      bucketUrl(
        { ...awsExampleSettings, endpoint: 'http://127.0.0.1:9000/', forcePathStyle: true },
        'xum-raw-submissions',
      ).toString(),
    ).toBe('http://127.0.0.1:9000/xum-raw-submissions');
  });
});
