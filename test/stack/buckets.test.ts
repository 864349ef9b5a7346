import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketSettingUrl, desiredBucketSettings } from '../../scripts/lib/bucket-config';
import { startS3rver } from '../../scripts/lib/s3rver';
import { run } from '../support/harness';
import { tsx } from '../support/tsx';

let s3: Awaited<ReturnType<typeof startS3rver>>;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(() => s3.stop());

describe('npm run buckets:apply', () => {
  it('is idempotent and prints what changed; settings a server lacks are reported, not faked', async () => {
    const env = {
      ...process.env,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_REGION: s3.region,
      // s3rver answers on 127.0.0.1: path-style, as for the Worker in the local stack.
      S3_FORCE_PATH_STYLE: 'true',
    };
    const first = await run(process.execPath, [tsx, 'scripts/buckets-apply.ts'], {
      env: { ...env, CORS_ORIGINS: 'https://app.example' },
    });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('xum-raw-submissions cors: changed');
    expect(first.stdout).toContain('xum-processed-datasets cors: changed');
    const second = await run(process.execPath, [tsx, 'scripts/buckets-apply.ts'], {
      env: { ...env, CORS_ORIGINS: 'https://app.example' },
    });
    expect(second.stdout).toContain('xum-raw-submissions cors: unchanged');
    expect(second.stdout).toContain('xum-processed-datasets cors: unchanged');
    // s3rver implements neither bucket policies nor lifecycle rules; Ceph RGW does (npm run test:rgw).
    expect(second.stdout).toContain('xum-raw-submissions lifecycle: unsupported');
    expect(second.stdout).toContain('xum-public-assets policy: unsupported');

    const preflight = await fetch(`${s3.endpoint}/${s3.buckets.raw}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
    });
    expect(preflight.status).toBe(200);
    const other = await fetch(`${s3.endpoint}/${s3.buckets.raw}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.xum-ai.app', 'access-control-request-method': 'PUT' },
    });
    expect(other.status).toBe(403);

    // A dashboard on an app origin fetches a presigned download URL from the processed bucket
    // and reads its length, range and ETag; it may not write there.
    const download = await fetch(`${s3.endpoint}/${s3.buckets.processed}/x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range',
      },
    });
    expect(download.status).toBe(200);
    const write = await fetch(`${s3.endpoint}/${s3.buckets.processed}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
    });
    expect(write.status).toBe(403);
  });

  it('with --env, takes endpoint, buckets and CORS from that wrangler environment, and refuses a different value in the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'buckets-env-'));
    try {
      const config = join(dir, 'wrangler.toml');
      writeFileSync(
        config,
        [
          'name = "buckets-env"',
          `main = "${new URL('../../src/worker.ts', import.meta.url).pathname}"`,
          'compatibility_date = "2026-04-20"',
          '[env.production]',
          'name = "buckets-env-production"',
          '[env.production.vars]',
          `S3_ENDPOINT = "${s3.endpoint}"`,
          `S3_REGION = "${s3.region}"`,
          `BUCKET_RAW = "${s3.buckets.raw}"`,
          `BUCKET_PROCESSED = "${s3.buckets.processed}"`,
          `BUCKET_ASSETS = "${s3.buckets.assets}"`,
          'S3_FORCE_PATH_STYLE = "true"',
          'CORS_ORIGINS = "https://admin.example"',
        ].join('\n'),
      );
      const { S3_ENDPOINT: _endpoint, S3_REGION: _region, CORS_ORIGINS: _origins, ...rest } = process.env;
      const env = { ...rest, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
      const applied = await run(
        process.execPath,
        [tsx, 'scripts/buckets-apply.ts', '--env', 'production', '--config', config],
        { env },
      );
      expect(applied.status, applied.stderr).toBe(0);
      expect(applied.stdout).toContain(
        `environment production: ${s3.endpoint} (path-style), buckets ${s3.buckets.raw}, ${s3.buckets.processed}, ${s3.buckets.assets}, CORS https://admin.example`,
      );
      expect(applied.stdout).toContain(`${s3.buckets.raw} cors: changed`);
      const preflight = (origin: string) =>
        fetch(`${s3.endpoint}/${s3.buckets.raw}/x`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'PUT' },
        });
      expect((await preflight('https://admin.example')).status).toBe(200);
      expect((await preflight('http://localhost:5173')).status).toBe(403);

      const conflicting = await run(
        process.execPath,
        [tsx, 'scripts/buckets-apply.ts', '--env', 'production', '--config', config],
        {
          env: { ...env, S3_ENDPOINT: 'http://127.0.0.1:9', CORS_ORIGINS: 'https://admin.example' },
        },
      );
      expect(conflicting.status).toBe(2);
      expect(conflicting.stderr).toBe(
        'S3_ENDPOINT set in the environment differ from wrangler.toml [env.production.vars]; unset them\n',
      );
      const unknown = await run(
        process.execPath,
        [tsx, 'scripts/buckets-apply.ts', '--env', 'prod', '--config', config],
        {
          env,
        },
      );
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toBe(`${config} has no [env.prod] (it has: production)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('addresses the buckets as the Worker does: virtual-hosted unless S3_FORCE_PATH_STYLE=true', async () => {
    const connection = {
      endpoint: 'https://fsn1.your-objectstorage.com',
      region: 'fsn1',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
    };
    expect(bucketSettingUrl({ ...connection, forcePathStyle: false }, 'xum-processed-datasets', 'cors')).toBe(
      'https://xum-processed-datasets.fsn1.your-objectstorage.com/?cors',
    );
    expect(bucketSettingUrl({ ...connection, forcePathStyle: true }, 'xum-processed-datasets', 'lifecycle')).toBe(
      'https://fsn1.your-objectstorage.com/xum-processed-datasets?lifecycle',
    );
    // Without S3_FORCE_PATH_STYLE the script asks the bucket's own host, as the Worker would
    // (*.invalid never resolves: RFC 6761).
    const { S3_FORCE_PATH_STYLE: _pathStyle, ...rest } = process.env;
    const result = await run(process.execPath, [tsx, 'scripts/buckets-apply.ts'], {
      env: {
        ...rest,
        S3_ENDPOINT: 'http://s3.invalid:9000',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
      },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('GET http://xum-raw-submissions.s3.invalid:9000/?cors failed');
  });

  it('names what it needs when the endpoint is not configured', async () => {
    const { S3_ENDPOINT: _endpoint, ...rest } = process.env;
    const result = await run(process.execPath, [tsx, 'scripts/buckets-apply.ts'], { env: rest });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('S3_ENDPOINT');
  });

  it('the desired settings: CORS with ETag exposed, a 7-day abort rule on raw and processed, public read on assets only', () => {
    const settings = desiredBucketSettings({ buckets: s3.buckets, corsOrigins: ['https://*.xum-ai.app'] });
    const byKind = Object.fromEntries(settings.map((setting) => [setting.kind, setting]));
    const processedCors = settings.find(
      (setting) => setting.kind === 'cors' && setting.bucket === s3.buckets.processed,
    );
    expect(processedCors?.body).toContain('<AllowedOrigin>https://*.xum-ai.app</AllowedOrigin>');
    for (const method of ['GET', 'HEAD'])
      expect(processedCors?.body).toContain(`<AllowedMethod>${method}</AllowedMethod>`);
    expect(processedCors?.body).not.toContain('<AllowedMethod>PUT</AllowedMethod>');
    for (const header of ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'])
      expect(processedCors?.body).toContain(`<ExposeHeader>${header}</ExposeHeader>`);
    expect(
      settings
        .filter((setting) => setting.kind === 'lifecycle')
        .map((setting) => setting.bucket)
        .sort(),
    ).toEqual([s3.buckets.processed, s3.buckets.raw].sort());
    const rawCors = settings.find((setting) => setting.kind === 'cors' && setting.bucket === s3.buckets.raw);
    expect(rawCors?.body).toContain('<ExposeHeader>ETag</ExposeHeader>');
    expect(
      settings
        .filter((setting) => setting.kind === 'cors')
        .map((setting) => setting.bucket)
        .sort(),
    ).toEqual([s3.buckets.processed, s3.buckets.raw].sort());
    expect(byKind.lifecycle!.body).toContain('<DaysAfterInitiation>7</DaysAfterInitiation>');
    expect(JSON.parse(byKind.policy!.body).Statement[0]).toMatchObject({
      Effect: 'Allow',
      Principal: '*',
      Action: ['s3:GetObject'],
      Resource: [`arn:aws:s3:::${s3.buckets.assets}/*`],
    });
  });
});
