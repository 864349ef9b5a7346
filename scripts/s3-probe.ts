// `npm run s3:probe`: checks a real object store before anyone deploys to it. It makes every S3
// call the gateway makes, with the gateway's own client and presigner (src/s3/, src/sign/), under
// storage-manager-probe/<random>/, removes what it wrote, reads the bucket settings without
// changing them, and prints one row per call: the answer, and what the gateway will do with it.
//
//   npm run s3:probe -- --env production        endpoint, region, addressing, bucket names and
//                                               CORS_ORIGINS from wrangler.toml [env.production.vars]
//   npm run s3:probe -- --endpoint URL [--region R] [--path-style] [--bucket-raw B]
//                       [--bucket-processed B] [--bucket-assets B] [--cors-origins LIST]
//                                               explicit; anything not given is read from the
//                                               Worker's variable of that name in the shell
//   npm run s3:probe -- --local rgw [--profile no-copy]
//                                               a fresh Ceph RGW (behind the front refusing
//                                               copies and tagging with no-copy), stopped after
//   --config PATH                               another wrangler configuration file
//
// The keys come from the shell (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) and are never printed, nor
// is any signed URL. Exit status: 0 when every call the gateway needs works (server-side copies
// and tagging may be refused: S3_SERVER_SIDE_COPY=auto streams instead), 1 when one does not,
// 2 when the settings are incomplete.
import { parseArgs } from 'node:util';
import { addressingStyle } from './lib/s3-probe/check-buckets';
import { type LocalTarget, localProfiles, type LocalProfile, startLocalTarget } from './lib/s3-probe/local-target';
import { type ProbeTarget, runProbe } from './lib/s3-probe/probe';
import { formatTable, missingRequired, verdict } from './lib/s3-probe/report';
import { TargetError, targetOfEnvironment, targetOfOptions } from './lib/s3-probe/target';

const { values: options } = parseArgs({
  options: {
    env: { type: 'string' },
    config: { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    'path-style': { type: 'boolean' },
    'bucket-raw': { type: 'string' },
    'bucket-processed': { type: 'string' },
    'bucket-assets': { type: 'string' },
    'cors-origins': { type: 'string' },
    local: { type: 'string' },
    profile: { type: 'string' },
    help: { type: 'boolean' },
  },
});
const out = (line = '') => process.stdout.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`s3:probe: ${message}\n`);
  process.exit(2);
}

if (options.help) {
  out(
    'npm run s3:probe -- --env staging|production | --endpoint URL [--region R] [--path-style] [--bucket-raw B] [--bucket-processed B] [--bucket-assets B] [--cors-origins LIST] | --local rgw [--profile full|no-copy]',
  );
  process.exit(0);
}

const explicit = [
  'endpoint',
  'region',
  'path-style',
  'bucket-raw',
  'bucket-processed',
  'bucket-assets',
  'cors-origins',
];
const given = explicit.filter((name) => options[name as keyof typeof options] !== undefined);
const sources = [options.env && '--env', options.local && '--local', given.length > 0 && `--${given[0]}`].filter(
  Boolean,
);
if (sources.length > 1) fail(`${sources.join(' and ')} cannot be combined`);
if (options.profile && !options.local) fail('--profile applies to --local only');

let local: LocalTarget | undefined;
let target: ProbeTarget;
try {
  if (options.local) {
    if (options.local !== 'rgw') fail(`--local must be rgw, not ${options.local}`);
    const profile = (options.profile ?? 'full') as LocalProfile;
    if (!localProfiles.includes(profile)) fail(`--profile must be ${localProfiles.join(' or ')}, not ${profile}`);
    local = await startLocalTarget(profile);
    process.stderr.write(`s3:probe: started rgw, pids ${local.s3.pids?.join(' ')}\n`);
    target = local.target;
  } else if (options.env) {
    target = await targetOfEnvironment(options.env, options.config, process.env);
  } else {
    target = targetOfOptions(
      {
        endpoint: options.endpoint,
        region: options.region,
        pathStyle: options['path-style'],
        bucketRaw: options['bucket-raw'],
        bucketProcessed: options['bucket-processed'],
        bucketAssets: options['bucket-assets'],
        corsOrigins: options['cors-origins'],
      },
      process.env,
    );
  }
} catch (error) {
  if (error instanceof TargetError) fail(error.message);
  throw error;
}

// Interrupted, the probe still stops what it started; the store keeps the probe's prefix, which
// the next run does not reuse.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void (local?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

let status = 1;
try {
  const { settings, buckets } = target;
  out(
    `s3:probe ${target.description}: ${settings.endpoint}, region ${settings.region}, ${addressingStyle(settings.forcePathStyle)}`,
  );
  out(`buckets: raw ${buckets.raw}, processed ${buckets.processed}, assets ${buckets.assets}`);
  const { prefix, rows } = await runProbe(target);
  out(`probe prefix: ${prefix}`);
  out();
  out(formatTable(rows));
  out();
  out(verdict(rows));
  status = missingRequired(rows).length > 0 ? 1 : 0;
} finally {
  await local?.stop();
}
process.exit(status);
