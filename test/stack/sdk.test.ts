import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import { fromBytes, upload } from '../../sdk';
import { formatBytes } from '../../sdk/cli/progress-format';
import { fromFile } from '../../sdk/node-file';
import { testWithUnzip } from '../unit/zip/archive-fixture';
import { run, startHarness, type Harness } from '../support/harness';
import { tsx } from '../support/tsx';
import { cliEnv, describeCliCommandLine, finishedProgress } from './cli-suite';

// The client SDK and the CLI against the local stack over real HTTP, with S3 behind a proxy that
// can fail requests. Resuming and aborting need ListParts and AbortMultipartUpload, which the
// embedded s3rver lacks; they are proven against Ceph RGW.

const MiB = 1024 * 1024;
let harness: Harness;
let contributor: string;
const workDir = mkdtempSync(join(tmpdir(), 'storage-manager-sdk-'));
const cli = new URL('../../dist/cli.mjs', import.meta.url).pathname;

beforeAll(async () => {
  const build = await run(process.execPath, [tsx, new URL('../../scripts/build-sdk.ts', import.meta.url).pathname]);
  expect(build.status, build.stderr).toBe(0);
  harness = await startHarness();
  contributor = await harness.tokenFor('contributor');
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** A file of `size` random-ish bytes, written in 1 MiB blocks, and its SHA-256. */
async function writeFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const file = createWriteStream(path);
  const block = randomBytes(MiB);
  for (let written = 0; written < size; written += MiB) {
    const chunk = block.subarray(0, Math.min(MiB, size - written));
    block[0] = (block[0]! + 1) & 0xff;
    hash.update(chunk);
    if (!file.write(Buffer.from(chunk))) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => file.end(() => resolve()));
  return hash.digest('hex');
}

const partPuts = (partNumber: number) =>
  harness.proxy.seen.filter(
    (request) => request.method === 'PUT' && request.query.get('partNumber') === String(partNumber),
  ).length;

describe('SDK upload()', () => {
  it('a 1 GiB file, multipart at concurrency 4, straight to S3, verified by the gateway', async () => {
    const path = join(workDir, 'big.bin');
    const sha256 = await writeFile(path, 1024 * MiB);
    const progress: number[] = [];
    const before = harness.proxy.seen.length;
    const submission = await upload(await fromFile(path, 'video/mp4'), {
      api: harness.api,
      token: contributor,
      taskId: demoTaskId,
      concurrency: 4,
      onProgress: ({ uploadedBytes }) => progress.push(uploadedBytes),
    });
    expect(submission).toMatchObject({
      status: 'uploaded',
      size: 1024 * MiB,
      sha256,
      contentType: 'video/mp4',
      filename: 'big.bin',
    });
    expect(progress.at(-1)).toBe(1024 * MiB);
    const puts = harness.proxy.seen.slice(before).filter((request) => request.method === 'PUT');
    expect(puts).toHaveLength(128);
    rmSync(path);
  }, 600_000);

  it('a small file goes as one PUT', async () => {
    const bytes = randomBytes(1000);
    const submission = await upload(fromBytes(bytes, 'audio/webm', 'take.webm'), {
      api: harness.api,
      getToken: () => contributor,
      taskId: demoTaskId,
    });
    expect(submission).toMatchObject({
      status: 'uploaded',
      size: 1000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      filename: 'take.webm',
    });
  });

  it('a part whose connection fails twice is retried and the upload completes', async () => {
    const bytes = randomBytes(70 * MiB);
    harness.proxy.inject(
      (request) => request.method === 'PUT' && request.query.get('partNumber') === '3',
      { kind: 'refuse' },
      2,
    );
    const before = partPuts(3);
    const submission = await upload(bytes, {
      api: harness.api,
      token: contributor,
      taskId: demoTaskId,
      contentType: 'video/webm',
    });
    expect(submission.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(partPuts(3) - before).toBe(3);
  }, 120_000);

  it('a part URL S3 calls expired is signed again and the part re-sent', async () => {
    const bytes = randomBytes(70 * MiB);
    harness.proxy.inject(
      (request) => request.method === 'PUT' && request.query.get('partNumber') === '2',
      { kind: 'status', status: 403, code: 'AccessDenied' },
      1,
    );
    const signedParts: number[][] = [];
    const countingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/parts') && init?.method === 'POST')
        signedParts.push(JSON.parse(String(init.body)).partNumbers);
      return fetch(input, init);
    };
    const submission = await upload(bytes, {
      api: harness.api,
      token: contributor,
      taskId: demoTaskId,
      contentType: 'video/webm',
      fetch: countingFetch,
    });
    expect(submission.status).toBe('uploaded');
    expect(signedParts.filter((batch) => batch.includes(2)).length).toBe(2);
  }, 120_000);
});

describe('storage-manager CLI', () => {
  it('upload prints the completed submission', async () => {
    const path = join(workDir, 'clip.bin');
    const sha256 = await writeFile(path, 3 * MiB + 5);
    // The token and the gateway from the environment, as the README tells: argv is public.
    const result = await run(process.execPath, [cli, 'upload', '--task', demoTaskId, path], {
      env: cliEnv({ STORAGE_MANAGER_API: harness.api, STORAGE_MANAGER_TOKEN: contributor }),
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'uploaded', size: 3 * MiB + 5, sha256 });
    expect(() => statSync(`${path}.storage-manager.json`)).toThrow();
  });

  /** `storage-manager bundle` as an admin, writing to `out`. */
  async function bundleWithCli(out: string, options: string[], members: { id: string }[]) {
    const admin = await harness.tokenFor('admin');
    const command = ['bundle', '--api', harness.api, '--token', admin, '--out', out, ...options];
    return run(process.execPath, [cli, ...command, ...members.map((member) => member.id)]);
  }

  it('bundle creates and downloads a bundle, resuming with Range when S3 cuts it', async () => {
    const members = await harness.seedApproved([randomBytes(10), randomBytes(3 * MiB)]);
    harness.proxy.inject((request) => request.method === 'GET' && request.path.endsWith(members[1]!.objectKey), {
      kind: 'drop',
      afterBytes: MiB,
    });
    const out = join(workDir, 'bundle.zip');
    const result = await bundleWithCli(out, ['--progress'], members);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('resuming');
    const summary = JSON.parse(result.stdout);
    expect(result.stderr).toMatch(finishedProgress(formatBytes(summary.bytes)));
    expect(statSync(out).size).toBe(summary.bytes);
    expect(testWithUnzip(out, true).status).toBe(0);
    const ranged = harness.proxy.seen.filter((request) => request.path.endsWith(members[1]!.objectKey));
    expect(ranged.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe('PK');
  });

  it('bundle --format tar downloads a tar, resuming with Range though a CRC is unknown', async () => {
    const bodies = [randomBytes(10), randomBytes(3 * MiB)];
    const members = await harness.seedApproved(bodies);
    // No CRC: a ZIP of these could only be sent front to back; a tar still offers ranges.
    await harness.sql`update public.submissions set crc32 = null where id = ${members[1]!.id}`;
    harness.proxy.inject((request) => request.method === 'GET' && request.path.endsWith(members[1]!.objectKey), {
      kind: 'drop',
      afterBytes: MiB,
    });
    const out = join(workDir, 'bundle.tar');
    const result = await bundleWithCli(out, ['--format', 'tar'], members);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('resuming');
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ format: 'tar', entries: 3 });
    expect(statSync(out).size).toBe(summary.bytes);
    const extracted = mkdtempSync(join(workDir, 'tar-'));
    const untar = await run('tar', ['-xf', out, '-C', extracted]);
    expect(untar.status, untar.stderr).toBe(0);
    for (const [position, member] of members.entries())
      expect(Buffer.compare(readFileSync(join(extracted, demoTaskId, `${member.id}.bin`)), bodies[position]!)).toBe(0);
  });

  it('refuses bad arguments with usage', async () => {
    const result = await run(process.execPath, [cli, 'upload', '--api', harness.api]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage');
  });
});

describeCliCommandLine(() => ({ harness, workDir }));
