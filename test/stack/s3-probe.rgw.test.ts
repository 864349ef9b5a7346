import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBucketSettings, desiredBucketSettings } from '../../scripts/lib/bucket-config';
import { startRgw } from '../../scripts/lib/rgw';
import { probePrefixRoot } from '../../scripts/lib/s3-probe/probe';
import { parseCorsOrigins } from '../../src/cors-origins';
import { run } from '../support/harness';
import { tsx } from '../support/tsx';

// npm run s3:probe against Ceph RGW: a fresh one it starts itself (--local rgw), the same behind
// the front refusing copies and tagging as Hetzner may (--profile no-copy), and one started here,
// named explicitly, to see what the probe leaves behind and that a missing bucket fails it.
// Runs with npm run test:rgw.

const probe = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  run(process.execPath, [tsx, 'scripts/s3-probe.ts', ...args], { env });

/** The table's rows by call: columns are separated by two spaces or more. */
function tableRows(stdout: string): Map<string, { answer: string; gateway: string }> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('call '));
  const rows = new Map<string, { answer: string; gateway: string }>();
  for (const line of lines.slice(start + 2)) {
    if (line === '') break;
    const [call = '', answer = '', gateway = ''] = line.split(/ {2,}/);
    rows.set(call, { answer, gateway });
  }
  return rows;
}

const copyRow = 'CopyObject inside xum-raw-submissions';
const partCopyRow = 'UploadPartCopy xum-raw-submissions → xum-processed-datasets, bytes=0-5242879';

describe('npm run s3:probe -- --local rgw', () => {
  it('passes every call on plain RGW, copies included', async () => {
    const result = await probe(['--local', 'rgw']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const rows = tableRows(result.stdout);
    expect(rows.get(copyRow)).toEqual({ answer: '200', gateway: 'ok' });
    expect(rows.get(partCopyRow)).toEqual({ answer: '200', gateway: 'ok' });
    expect(rows.get('PUT presigned, another size')).toEqual({
      answer: '403 SignatureDoesNotMatch',
      gateway: 'ok: refused',
    });
    expect(rows.get('GET ?lifecycle xum-raw-submissions')?.gateway).toBe('ok');
    expect(
      [...rows.values()].filter((row) => !row.gateway.startsWith('ok') && !row.gateway.startsWith('informational')),
    ).toEqual([]);
    expect(result.stdout).toContain('OK: every call the gateway needs works, server-side copies included');
  });

  it('behind the no-copy front: copies refused with 501, the streaming fallback taken, still exit 0', async () => {
    const result = await probe(['--local', 'rgw', '--profile', 'no-copy']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const rows = tableRows(result.stdout);
    for (const call of [copyRow, partCopyRow]) {
      expect(rows.get(call)?.answer, call).toBe('501 NotImplemented');
      expect(rows.get(call)?.gateway, call).toMatch(/^copy refused: S3_SERVER_SIDE_COPY=auto falls back to streaming/);
    }
    expect(rows.get('UploadPart streamed from a ranged GetObject (the copy-free path)')?.gateway).toBe('ok');
    expect(rows.get('CompleteMultipartUpload xum-processed-datasets')?.gateway).toBe('ok');
    expect(rows.get('GetObjectTagging (?tagging)')).toEqual({
      answer: '501 NotImplemented',
      gateway: 'informational: not used by the gateway',
    });
    expect(result.stdout).toContain('2 server-side copies were refused');
  });
});

describe('npm run s3:probe with explicit settings', () => {
  let rgw: Awaited<ReturnType<typeof startRgw>>;
  let env: NodeJS.ProcessEnv;
  let client: AwsClient;
  beforeAll(async () => {
    rgw = await startRgw();
    const corsOrigins = parseCorsOrigins();
    await applyBucketSettings(rgw, desiredBucketSettings({ buckets: rgw.buckets, corsOrigins }));
    env = { ...process.env, S3_ACCESS_KEY_ID: rgw.accessKeyId, S3_SECRET_ACCESS_KEY: rgw.secretAccessKey };
    client = new AwsClient({
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: rgw.secretAccessKey,
      region: rgw.region,
      service: 's3',
      retries: 0,
    });
  }, 120_000);
  afterAll(() => rgw?.stop());

  const explicit = () => ['--endpoint', rgw.endpoint, '--region', rgw.region, '--path-style'];

  /** Keys and open multipart uploads under the probe's prefix, in every bucket. */
  async function leftOver(): Promise<string[]> {
    const found: string[] = [];
    for (const bucket of Object.values(rgw.buckets)) {
      for (const query of ['list-type=2', 'uploads']) {
        const xml = await (await client.fetch(`${rgw.endpoint}/${bucket}?${query}&prefix=${probePrefixRoot}`)).text();
        for (const [, key] of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) found.push(`${bucket}/${key}`);
      }
    }
    return found;
  }

  it('leaves nothing under its prefix and prints neither the keys nor a signed URL', async () => {
    const result = await probe(explicit(), env);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(await leftOver()).toEqual([]);
    for (const secret of [rgw.secretAccessKey, rgw.accessKeyId, 'X-Amz-Signature', 'X-Amz-Credential'])
      expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('exits 1 when a bucket the gateway needs does not exist', async () => {
    const result = await probe([...explicit(), '--bucket-processed', 'xum-no-such-bucket'], env);
    expect(result.status, result.stdout + result.stderr).toBe(1);
    const rows = tableRows(result.stdout);
    expect(rows.get('HeadBucket xum-no-such-bucket (path-style)')).toEqual({
      answer: '404',
      gateway: 'required: every call to this bucket fails',
    });
    expect(rows.get('CreateMultipartUpload xum-no-such-bucket')?.answer).toBe('404 NoSuchBucket');
    // The copy into it is optional; what fails the probe is the required rows.
    expect(result.stdout).toMatch(
      /^FAIL: \d+ of the calls the gateway needs did not work: HeadBucket xum-no-such-bucket/m,
    );
    expect(await leftOver()).toEqual([]);
  });

  it('exits 2 without keys, naming them', async () => {
    const { S3_ACCESS_KEY_ID: _, S3_SECRET_ACCESS_KEY: __, ...withoutKeys } = env;
    const result = await probe(explicit(), withoutKeys);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY in the environment');
  });
});
