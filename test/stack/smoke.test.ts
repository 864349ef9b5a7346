import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAsset, seedDemoAsset } from '../../scripts/lib/demo-asset';
import { demoTaskId, demoUsers } from '../../scripts/lib/jwt';
import { run, startHarness, type Harness } from '../support/harness';
import { tsx } from '../support/tsx';

// `npm run smoke` against the running stack, as CI runs it against `npm start` and an operator
// against a deployment: tokens and the designated task and asset in the environment.

let harness: Harness;
let tokens: { contributor: string; validator: string };

beforeAll(async () => {
  harness = await startHarness({ postgresProxy: true });
  await seedDemoAsset(harness.s3);
  tokens = { contributor: await harness.tokenFor('contributor'), validator: await harness.tokenFor('validator') };
}, 120_000);
afterAll(() => harness?.stop());

function smoke(overrides: Record<string, string | undefined> = {}, args = ['--api', harness.api]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SMOKE_TOKEN: tokens.contributor,
    SMOKE_REVIEWER_TOKEN: tokens.validator,
    SMOKE_TASK_ID: demoTaskId,
    SMOKE_ASSET_KEY: demoAsset.key,
    ...overrides,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return run(process.execPath, [tsx, 'scripts/smoke.ts', ...args], { env });
}

/** The printed table as check → [status, detail]; every row also has a whole number of ms. */
function table(stdout: string): Record<string, [string, string]> {
  const lines = stdout.split('\n');
  expect(lines[0]).toBe(`smoke test of ${harness.api}`);
  expect(lines[1]).toMatch(/^check +status +ms +detail$/);
  const rows: Record<string, [string, string]> = {};
  for (const line of lines.slice(2, -2)) {
    const match = /^(.+?) {2,}(ok|FAILED|skipped) +(\d+)(?: {2}(.*))?$/.exec(line);
    expect(match, line).not.toBeNull();
    rows[match![1]!] = [match![2]!, match![4] ?? ''];
  }
  return rows;
}

const checks = [
  'healthz',
  'readyz',
  'tasks',
  'upload: presign',
  'upload: PUT to S3',
  'upload: complete',
  'upload: cleanup',
  'asset',
  'asset again',
];
const submissionOf = (rows: Record<string, [string, string]>) =>
  /^201 ([0-9a-f-]{36})$/.exec(rows['upload: presign']![1])![1]!;

function expectNoSecrets(output: string) {
  expect(output).not.toContain(tokens.contributor);
  expect(output).not.toContain(tokens.validator);
  expect(output).not.toMatch(/X-Amz-Signature|X-Amz-Credential|postgres:\/\//);
}

describe('npm run smoke', () => {
  // First in the file: /readyz reuses a ready answer for a few seconds, and none was given yet.
  it('exits 1 naming what failed when Postgres refuses connections; the public checks still pass, the asset MISS then HIT', async () => {
    harness.pg!.refuse(true);
    try {
      const result = await smoke();
      expect(result.status, result.stderr).toBe(1);
      const rows = table(result.stdout);
      expect(rows).toEqual({
        healthz: ['ok', '200'],
        readyz: ['FAILED', '503 upstream_unavailable: not ready: database'],
        tasks: ['FAILED', '503 upstream_unavailable: a storage service is unavailable, try again shortly'],
        'upload: presign': ['FAILED', '503 upstream_unavailable: a storage service is unavailable, try again shortly'],
        'upload: PUT to S3': ['skipped', 'no upload URL'],
        'upload: complete': ['skipped', 'nothing uploaded'],
        'upload: cleanup': ['skipped', 'nothing created'],
        // The first read of the asset in this stack.
        asset: ['ok', '200 MISS, 37 bytes'],
        'asset again': ['ok', expect.stringMatching(/^200 MISS→HIT( \(attempt \d+\))?$/)],
      });
      expect(result.stdout).toContain('6 of 9 checks did not pass');
      expectNoSecrets(result.stdout + result.stderr);
    } finally {
      harness.pg!.refuse(false);
    }
    // A failed /readyz answer is reused for 2 s (src/health/readiness.ts); the next case needs a fresh one.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });

  it('passes against a healthy gateway, rejects its submission afterwards, and accepts an asset already cached (HIT→HIT)', async () => {
    const result = await smoke();
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const rows = table(result.stdout);
    expect(Object.keys(rows)).toEqual(checks);
    for (const check of checks) expect(rows[check]![0], check).toBe('ok');
    expect(rows.readyz![1]).toBe('200 config, database, raw, processed, assets');
    expect(rows['upload: complete']![1]).toBe('200 size and SHA-256 match');
    expect(rows['upload: cleanup']![1]).toBe('rejected');
    expect(rows['asset again']![1]).toBe('200 HIT→HIT');
    expect(result.stdout).toContain('all 9 checks passed');
    expectNoSecrets(result.stdout + result.stderr);

    const [row] =
      await harness.sql`select task_id, contributor_id, status, reviewed_by, review_note, sha256 from public.submissions where id = ${submissionOf(rows)}`;
    expect(row).toEqual({
      task_id: demoTaskId,
      contributor_id: demoUsers.contributor.userId,
      status: 'rejected',
      reviewed_by: demoUsers.validator.userId,
      review_note: 'smoke test (npm run smoke): not a real submission',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('an upload S3 refuses fails the run, and the pending submission is aborted', async () => {
    harness.proxy.inject((request) => request.method === 'PUT' && request.path.includes('/incoming/'), {
      kind: 'status',
      status: 500,
      code: 'InternalError',
    });
    const result = await smoke();
    expect(result.status).toBe(1);
    const rows = table(result.stdout);
    expect(rows['upload: PUT to S3']).toEqual(['FAILED', 'S3 answered 500']);
    expect(rows['upload: complete']).toEqual(['skipped', 'nothing uploaded']);
    expect(rows['upload: cleanup']).toEqual(['ok', 'aborted']);
    const [row] = await harness.sql`select status from public.submissions where id = ${submissionOf(rows)}`;
    expect(row).toEqual({ status: 'aborted' });
    expect(result.stdout).not.toContain('InternalError');
  });

  it('an asset that does not exist fails the asset checks', async () => {
    const result = await smoke({ SMOKE_ASSET_KEY: 'v/demo/no-such-asset.txt' });
    expect(result.status).toBe(1);
    const rows = table(result.stdout);
    expect(rows.asset).toEqual(['FAILED', '404 not_found: no such asset']);
    expect(rows['asset again']).toEqual(['skipped', 'no first answer']);
  });

  it('refuses a token on the command line, and missing settings, with exit 2 before any request', async () => {
    const inArgv = await smoke({}, ['--api', harness.api, '--token', tokens.contributor]);
    expect(inArgv.status).toBe(2);
    expect(inArgv.stdout).toBe('');
    expect(inArgv.stderr).toContain(
      'tokens are read from SMOKE_TOKEN and SMOKE_REVIEWER_TOKEN, never from the command line',
    );
    expect(inArgv.stderr).not.toContain(tokens.contributor);

    const missing = await smoke({ SMOKE_REVIEWER_TOKEN: undefined, SMOKE_ASSET_KEY: '' });
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('missing SMOKE_REVIEWER_TOKEN, SMOKE_ASSET_KEY');

    const noApi = await smoke({}, []);
    expect(noApi.status).toBe(2);
    expect(noApi.stderr).toContain("--api must be the gateway's http(s) URL");
  });
});
