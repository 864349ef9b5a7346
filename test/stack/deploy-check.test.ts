import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../support/harness';
import { tsx } from '../support/tsx';

// `npm run deploy:check` as CI and an operator run it: offline (no Cloudflare login; wrangler
// told not to fetch or send anything), on the repository's wrangler.toml and on broken copies.

const root = new URL('../../', import.meta.url).pathname;
const offlineEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CLOUDFLARE_API_TOKEN: '',
};
const deployCheck = (...args: string[]) =>
  run(process.execPath, [tsx, 'scripts/deploy-check.ts', ...args], { env: offlineEnv });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The repository's wrangler.toml with `edit` applied, written beside an absolute `main` and assets directory. */
function configWith(name: string, edit: (text: string) => string): string {
  const text = readFileSync(join(root, 'wrangler.toml'), 'utf8')
    .replace('main = "src/worker.ts"', `main = "${join(root, 'src/worker.ts')}"`)
    .replace('directory = "./dist/static"', `directory = "${join(root, 'dist/static')}"`);
  const edited = edit(text);
  expect(edited).not.toBe(text);
  const path = join(dir, `${name}.toml`);
  writeFileSync(path, edited);
  return path;
}

describe('npm run deploy:check', () => {
  it("passes the repository's environments as a dry run, printing bundle sizes and each environment's secrets", async () => {
    const result = await deployCheck('--allow-placeholders');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    for (const environment of ['staging', 'production']) {
      expect(lines).toContain(`  secrets (wrangler secret put NAME --env ${environment}):`);
    }
    expect(
      lines.filter((line) => line === '    required   S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, BUNDLE_SIGNING_SECRET'),
    ).toHaveLength(2);
    const sizes = lines.filter((line) =>
      /^ {2}ok {11}bundle [\d.]+ KiB, gzip [\d.]+ KiB \(budget 300 KiB\)$/.test(line),
    );
    expect(sizes).toHaveLength(2);
    expect(lines).toContain('  ok           CORS_ORIGINS https://*.xum-ai.app: no http or localhost origin');
    expect(lines.filter((line) => line === '  ok           placement region aws:eu-central-1')).toHaveLength(2);
    for (const environment of ['staging', 'production']) {
      expect(lines).toContain(
        `  ok           storage-manager-${environment}-dataset-builds: max_concurrency 10 ≤ 10, the bound for DATASET_BUILD_CONCURRENCY 4: 15 by Hyperdrive origin connections, 10 by the raw bucket's request rate`,
      );
    }
    expect(lines).toContain(
      '  allowed      placeholder: HYPERDRIVE id 00000000000000000000000000000000 (wrangler hyperdrive create … --caching-disabled)',
    );
    expect(lines.at(-2)).toMatch(
      /^deploy:check: staging, production ready apart from placeholders \([\d.]+ s, offline\)$/,
    );
  });

  it('refuses placeholders for a real deploy, naming each', async () => {
    const result = await deployCheck('--env', 'production');
    expect(result.status).toBe(1);
    const failures = result.stdout.split('\n').filter((line) => line.startsWith('  FAIL'));
    expect(failures).toEqual([
      '  FAIL         placeholder: SUPABASE_URL = https://your-project-ref.supabase.co',
      '  FAIL         placeholder: HYPERDRIVE id 00000000000000000000000000000000 (wrangler hyperdrive create … --caching-disabled)',
    ]);
    expect(result.stdout).toContain('deploy:check: 2 problem(s)');
  });

  it('refuses what would break or expose production: local CORS, a secret in vars, no dead-letter queue, low limits, shared buckets', async () => {
    const config = configWith('broken', (text) =>
      text
        .replace(
          'CORS_ORIGINS = "https://*.xum-ai.app"\n',
          'CORS_ORIGINS = "https://*.xum-ai.app,http://localhost:*"\nBUNDLE_SIGNING_SECRET = "committed-to-git-committed-to-git-!!"\n',
        )
        .replace('dead_letter_queue = "storage-manager-production-dataset-builds-dlq"\n', '')
        .replace('subrequests = 35_000', 'subrequests = 20_000')
        .replace('BUCKET_RAW = "xum-staging-raw-submissions"', 'BUCKET_RAW = "xum-raw-submissions"'),
    );
    const result = await deployCheck('--allow-placeholders', '--config', config);
    expect(result.status).toBe(1);
    const lowLimit = '  FAIL         [limits] subrequests 20000 < 30067, the datasetBuild worst case for these vars';
    expect(result.stdout.split('\n').filter((line) => line.includes('FAIL'))).toEqual([
      lowLimit,
      '  FAIL         BUNDLE_SIGNING_SECRET in [vars]: secrets go in with `wrangler secret put NAME --env production`, never in the file',
      "  FAIL         CORS_ORIGINS admits http://localhost:*: production serves the apps' https origins only",
      '  FAIL         storage-manager-production-dataset-builds has no dead-letter queue of its own',
      lowLimit,
      'FAIL shared between environments: bucket xum-raw-submissions: staging and production',
    ]);
    expect(result.stdout).toContain('deploy:check: 6 problem(s)');
  });

  it("validates the vars with the Worker's own schema, naming the settings at fault", async () => {
    const config = configWith('bad-vars', (text) =>
      text.replace(
        'CORS_ORIGINS = "https://*.xum-ai.app"\n',
        'CORS_ORIGINS = "https://*.xum-ai.app"\nUPLOAD_URL_TTL_SECONDS = "3600"\nDATASET_BUILD_RETRY_DELAY_SECONDS = "3600"\n',
      ),
    );
    const result = await deployCheck('--allow-placeholders', '--env', 'production', '--config', config);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('  FAIL'))).toEqual([
      '  FAIL         vars: invalid configuration: uploadUrlTtlSeconds, datasets.stallMinutes (src/env.ts readConfig)',
    ]);
  });

  it('refuses an environment without a placement hint, and a build queue without max_concurrency or above its bound', async () => {
    const config = configWith('placement-and-concurrency', (text) =>
      text
        // Smart Placement at the top level, inherited by production once its own hint is gone.
        .replace('[observability]\n', '[placement]\nmode = "smart"\n\n[observability]\n')
        .replace('[env.production.placement]\nregion = "aws:eu-central-1"\n', '')
        .replace(
          '[env.staging.placement]\nregion = "aws:eu-central-1"\n',
          '[env.staging.placement]\nregion = "eu-central-1"\n',
        )
        .replace(
          'queue = "storage-manager-production-dataset-builds"\nmax_batch_size = 1\nmax_concurrency = 10\n',
          'queue = "storage-manager-production-dataset-builds"\nmax_batch_size = 1\n',
        )
        // Two parts in flight leave three connections for member GETs: more requests per
        // invocation, so fewer invocations fit the bucket's rate.
        .replace(
          'CORS_ORIGINS = "https://*.xum-ai.app,http://localhost:*"\n\n# From `wrangler hyperdrive create storage-manager-staging',
          'CORS_ORIGINS = "https://*.xum-ai.app,http://localhost:*"\nDATASET_BUILD_CONCURRENCY = "2"\n\n# From `wrangler hyperdrive create storage-manager-staging',
        ),
    );
    const result = await deployCheck('--allow-placeholders', '--config', config);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n').filter((line) => line.includes('FAIL'))).toEqual([
      '  FAIL         placement region eu-central-1 is not provider:region (aws:eu-central-1, gcp:…, azure:…)',
      "  FAIL         storage-manager-staging-dataset-builds: max_concurrency 10 is not within 1..3, the bound for DATASET_BUILD_CONCURRENCY 2: 15 by Hyperdrive origin connections, 3 by the raw bucket's request rate",
      '  FAIL         no placement hint (mode = "smart"): set [env.production.placement] region = "aws:<the Supabase project\'s region>"',
      "  FAIL         storage-manager-production-dataset-builds: max_concurrency unset (Queues would run up to 250 builds at once; the bound for DATASET_BUILD_CONCURRENCY 4: 15 by Hyperdrive origin connections, 10 by the raw bucket's request rate)",
    ]);
    expect(result.stdout).toContain('deploy:check: 4 problem(s)');
  });

  it('refuses a DATASET_BUILD_CONCURRENCY whose parts could deadlock on the six connections', async () => {
    const config = configWith('deadlock', (text) =>
      text.replace(
        'CORS_ORIGINS = "https://*.xum-ai.app"\n',
        'CORS_ORIGINS = "https://*.xum-ai.app"\nDATASET_BUILD_CONCURRENCY = "5"\n',
      ),
    );
    const result = await deployCheck('--allow-placeholders', '--env', 'production', '--config', config);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('  FAIL'))).toEqual([
      '  FAIL         vars: invalid configuration: datasets.buildConcurrency (src/env.ts readConfig)',
    ]);
  });

  it('holds the bundle under its budget', async () => {
    const result = await deployCheck('--allow-placeholders', '--env', 'staging', '--bundle-budget-kib', '100');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/\n {2}FAIL {9}bundle [\d.]+ KiB, gzip [\d.]+ KiB \(budget 100 KiB\)\n/);
  });
});
