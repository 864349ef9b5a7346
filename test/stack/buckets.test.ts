import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredBucketSettings } from '../../scripts/lib/bucket-config.mjs';
import { startS3rver } from '../../scripts/lib/s3.mjs';
import { run } from './harness';

let s3: Awaited<ReturnType<typeof startS3rver>>;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(() => s3.stop());

describe('npm run buckets:apply', () => {
  it('is idempotent and prints what changed; settings a server lacks are reported, not faked', async () => {
    const env = { ...process.env, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_REGION: s3.region };
    const first = await run(process.execPath, ['scripts/buckets-apply.mjs'], { env: { ...env, CORS_ORIGINS: 'https://app.example' } });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('xum-raw-submissions cors: changed');
    const second = await run(process.execPath, ['scripts/buckets-apply.mjs'], { env: { ...env, CORS_ORIGINS: 'https://app.example' } });
    expect(second.stdout).toContain('xum-raw-submissions cors: unchanged');
    // s3rver implements neither bucket policies nor lifecycle rules; Ceph RGW does (npm run test:rgw).
    expect(second.stdout).toContain('xum-raw-submissions lifecycle: unsupported');
    expect(second.stdout).toContain('xum-public-assets policy: unsupported');

    const preflight = await fetch(`${s3.endpoint}/${s3.buckets.raw}/x`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' } });
    expect(preflight.status).toBe(200);
    const other = await fetch(`${s3.endpoint}/${s3.buckets.raw}/x`, { method: 'OPTIONS', headers: { origin: 'https://app.xum-ai.app', 'access-control-request-method': 'PUT' } });
    expect(other.status).toBe(403);
  });

  it('names what it needs when the endpoint is not configured', async () => {
    const { S3_ENDPOINT: _endpoint, ...rest } = process.env;
    const result = await run(process.execPath, ['scripts/buckets-apply.mjs'], { env: rest });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('S3_ENDPOINT');
  });

  it('the desired settings: CORS with ETag exposed, a 7-day abort rule on raw and processed, public read on assets only', () => {
    const settings = desiredBucketSettings({ buckets: s3.buckets, corsOrigins: ['https://*.xum-ai.app'] });
    const byKind = Object.fromEntries(settings.map((setting) => [setting.kind, setting]));
    expect(settings.filter((setting) => setting.kind === 'lifecycle').map((setting) => setting.bucket).sort()).toEqual([s3.buckets.processed, s3.buckets.raw].sort());
    expect(byKind.cors!.bucket).toBe(s3.buckets.raw);
    expect(byKind.cors!.body).toContain('<ExposeHeader>ETag</ExposeHeader>');
    expect(byKind.lifecycle!.body).toContain('<DaysAfterInitiation>7</DaysAfterInitiation>');
    expect(JSON.parse(byKind.policy!.body).Statement[0]).toMatchObject({ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${s3.buckets.assets}/*`] });
  });
});
