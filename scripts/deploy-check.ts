// `npm run deploy:check`: what can be known about a deploy without a network or a Cloudflare
// login, for each environment in wrangler.toml (staging, production):
//   - wrangler's own bundle, by `wrangler deploy --dry-run --outdir <tmp> --env NAME`, its gzip
//     size printed and held under a budget;
//   - the vars, validated by the Worker's own schema (src/env.ts readConfig);
//   - the secrets the environment needs, listed, and refused in [vars];
//   - production CORS without http or localhost origins; a custom domain; Hyperdrive; a placement
//     hint; the queue with its dead-letter queue and a max_concurrency within what Hyperdrive and
//     the bucket take (scripts/lib/deploy-checks.ts, datasetConsumerBound); [limits] against the
//     worst cases of these vars (src/limits.ts); the Cron Trigger; no bucket, queue, route or
//     Worker name shared between environments;
//   - placeholders (a Hyperdrive id of zeros, example or reserved domains, `your-project`):
//     refused, unless --allow-placeholders (CI, and any dry run before the resources exist).
//
//   npm run deploy:check [-- --env production] [--allow-placeholders] [--config PATH]
//                        [--bundle-budget-kib N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Unstable_Config } from 'wrangler';
import { type Config, readConfig, secretBindings } from '../src/env';
import { platformLimits, worstCaseSubrequests } from '../src/limits';
import { bindingsOf, checkEnvironment, sharedResources } from './lib/deploy-checks';
import { defaultConfigPath, deployEnvironments, projectRoot, readEnvironment } from './lib/wrangler-environments';

// gzip KiB of everything wrangler uploads. 229 KiB when this was set (hono, zod and postgres.js
// are most of it; supabase-js left with the Worker's own token verification): ~30% headroom for
// the features to come, while a heavyweight
// dependency pulled in by accident (an AWS SDK client alone is ~100 KiB gzip) trips it. The cap
// Cloudflare enforces is far higher (10 MB on Workers Paid); this guards startup time, which
// grows with the code parsed and must stay under 1 s.
const defaultBundleBudgetKib = 300;

const offline = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' };

const { values: options } = parseArgs({
  options: {
    env: { type: 'string', multiple: true },
    'allow-placeholders': { type: 'boolean', default: false },
    config: { type: 'string', default: defaultConfigPath },
    'bundle-budget-kib': { type: 'string', default: String(defaultBundleBudgetKib) },
  },
});
const environments = options.env ?? deployEnvironments;
const allowPlaceholders = options['allow-placeholders'];
const bundleBudgetKib = Number(options['bundle-budget-kib']);
const out = (line = '') => process.stdout.write(`${line}\n`);

function runWrangler(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...offline },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** wrangler's dry-run bundle of one environment: its size, raw and gzipped as wrangler reports it. */
async function dryRun(name: string): Promise<{ error: string } | { kib: number; gzipKib: number }> {
  const outdir = mkdtempSync(join(tmpdir(), `deploy-check-${name}-`));
  try {
    const { status, output } = await runWrangler([
      'deploy',
      '--dry-run',
      '--outdir',
      outdir,
      '--env',
      name,
      '--config',
      options.config,
    ]);
    if (status !== 0) return { error: `wrangler deploy --dry-run failed:\n${output.trim()}` };
    const files = readdirSync(outdir).filter((file) => !file.endsWith('.map') && file !== 'README.md');
    const bodies = files.map((file) => readFileSync(join(outdir, file)));
    return {
      kib: bodies.reduce((sum, body) => sum + body.length, 0) / 1024,
      gzipKib: bodies.reduce((sum, body) => sum + gzipSync(body).length, 0) / 1024,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const started = Date.now();

let failures = 0;
const checked: { name: string; config: Unstable_Config }[] = [];
for (const name of environments) {
  out(`${name}`);
  let config: Unstable_Config;
  try {
    config = readEnvironment(name, options.config);
  } catch (error) {
    out(`  FAIL         ${(error as Error).message}`);
    failures++;
    continue;
  }
  checked.push({ name, config });
  let parsed: { config?: Config; error?: string };
  try {
    parsed = { config: readConfig(bindingsOf(config, secretBindings)) };
  } catch (error) {
    parsed = { error: (error as Error).message };
  }
  const results = checkEnvironment({ name, config, parsed, secretBindings, worstCaseSubrequests, platformLimits });
  const bundle = await dryRun(name);
  if ('error' in bundle) results.push({ level: 'error', text: bundle.error });
  else {
    const line = `bundle ${bundle.kib.toFixed(1)} KiB, gzip ${bundle.gzipKib.toFixed(1)} KiB (budget ${bundleBudgetKib} KiB)`;
    results.push({ level: bundle.gzipKib <= bundleBudgetKib ? 'ok' : 'error', text: line });
  }
  for (const { level, text } of results) {
    const label = level === 'ok' ? 'ok' : level === 'error' ? 'FAIL' : allowPlaceholders ? 'allowed' : 'FAIL';
    out(`  ${label.padEnd(12)} ${level === 'placeholder' ? `placeholder: ${text}` : text}`);
    if (level === 'error' || (level === 'placeholder' && !allowPlaceholders)) failures++;
  }
  out(`  secrets (wrangler secret put NAME --env ${name}):`);
  out(`    required   ${secretBindings.required.join(', ')}`);
  out(`    optional   ${secretBindings.optional.join(', ')}`);
}

for (const shared of sharedResources(checked)) {
  out(`FAIL shared between environments: ${shared}`);
  failures++;
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failures > 0) {
  const hint = allowPlaceholders
    ? ''
    : ' (placeholders are refused; --allow-placeholders for a dry run before the resources exist)';
  out(`deploy:check: ${failures} problem(s) in ${seconds} s${hint}`);
  process.exit(1);
}
out(
  `deploy:check: ${environments.join(', ')} ready${allowPlaceholders ? ' apart from placeholders' : ''} (${seconds} s, offline)`,
);
