// `npm run buckets:apply`: applies the bucket configuration (raw and processed bucket CORS, a
// lifecycle rule aborting incomplete multipart uploads after 7 days, public read on the assets
// bucket) to an S3 endpoint, addressing the buckets as the Worker does (virtual-hosted unless
// S3_FORCE_PATH_STYLE=true). Idempotent: prints what changed.
//
//   npm run buckets:apply -- --env production   endpoint, region, addressing, bucket names and
//                                               CORS_ORIGINS from wrangler.toml
//                                               [env.production.vars], the same values the
//                                               deployed Worker reads
//   npm run buckets:apply                       all from the environment (local servers)
//   --config PATH                               another wrangler configuration file
//
// The S3 credentials always come from the environment (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY),
// never from a file.
import { parseArgs } from 'node:util';
import { applyBucketSettings, defaultBucketNames, desiredBucketSettings } from './lib/bucket-config';
import { parseCorsOrigins } from '../src/cors-origins';
import { readEnvironment } from './lib/wrangler-environments';

const settingNames = ['S3_ENDPOINT', 'S3_REGION', 'BUCKET_RAW', 'BUCKET_PROCESSED', 'BUCKET_ASSETS', 'CORS_ORIGINS'];
// Optional, as for the Worker (src/env.ts): unset means virtual-hosted.
const optionalSettingNames = ['S3_FORCE_PATH_STYLE'];

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** With --env: wrangler.toml's vars for that environment; a different value in the environment is refused. */
function settingsOf(
  environment: string,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, string | undefined> {
  let vars: Record<string, unknown>;
  try {
    vars = readEnvironment(environment, configPath).vars;
  } catch (error) {
    fail((error as Error).message);
  }
  const missing = settingNames.filter((name) => typeof vars[name] !== 'string' || vars[name] === '');
  if (missing.length > 0) fail(`wrangler.toml [env.${environment}.vars] lacks ${missing.join(', ')}`);
  const names = [...settingNames, ...optionalSettingNames];
  const conflicting = names.filter((name) => env[name] !== undefined && env[name] !== vars[name]);
  if (conflicting.length > 0) {
    fail(
      `${conflicting.join(', ')} set in the environment differ from wrangler.toml [env.${environment}.vars]; unset them`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, vars[name] as string | undefined]));
}

const { values: options } = parseArgs({ options: { env: { type: 'string' }, config: { type: 'string' } } });
const env = process.env;
const missingSecrets = ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].filter((name) => !env[name]);
const settings = options.env ? settingsOf(options.env, options.config, env) : env;
if (missingSecrets.length > 0 || !settings.S3_ENDPOINT) {
  const missing = [...(settings.S3_ENDPOINT ? [] : ['S3_ENDPOINT']), ...missingSecrets];
  fail(
    `set ${missing.join(', ')}${options.env ? '' : ' (and S3_REGION, S3_FORCE_PATH_STYLE, BUCKET_RAW, BUCKET_PROCESSED, BUCKET_ASSETS, CORS_ORIGINS as needed, or pass --env staging|production)'}`,
  );
}
const buckets = {
  raw: settings.BUCKET_RAW ?? defaultBucketNames.raw,
  processed: settings.BUCKET_PROCESSED ?? defaultBucketNames.processed,
  assets: settings.BUCKET_ASSETS ?? defaultBucketNames.assets,
};
const corsOrigins = parseCorsOrigins(settings.CORS_ORIGINS);
const pathStyle = settings.S3_FORCE_PATH_STYLE ?? 'false';
if (pathStyle !== 'true' && pathStyle !== 'false') fail(`S3_FORCE_PATH_STYLE is ${pathStyle}: true or false`);
if (options.env) {
  process.stdout.write(
    `environment ${options.env}: ${settings.S3_ENDPOINT} (${pathStyle === 'true' ? 'path-style' : 'virtual-hosted'}), buckets ${Object.values(buckets).join(', ')}, CORS ${corsOrigins.join(' ')}\n`,
  );
}
const results = await applyBucketSettings(
  {
    endpoint: settings.S3_ENDPOINT,
    region: settings.S3_REGION ?? 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: pathStyle === 'true',
  },
  desiredBucketSettings({ buckets, corsOrigins }),
);
for (const result of results) process.stdout.write(`${result.bucket} ${result.kind}: ${result.outcome}\n`);
