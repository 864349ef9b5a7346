// Where `npm run s3:probe` probes: a deploy environment's vars from wrangler.toml (what the
// deployed Worker reads), or explicit options, or the Worker's variable names in the shell. The
// keys always come from the shell (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY), never from a file.
import { parseCorsOrigins } from '../../../src/cors-origins';
import { defaultBucketNames } from '../bucket-config';
import type { ProbeTarget } from './probe';

/** A setting the probe cannot run without, named for the operator. */
export class TargetError extends Error {
  override name = 'TargetError';
}

export interface ExplicitOptions {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  bucketRaw?: string;
  bucketProcessed?: string;
  bucketAssets?: string;
  corsOrigins?: string;
}

function keysFrom(env: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string } {
  const missing = ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) throw new TargetError(`set ${missing.join(' and ')} in the environment`);
  return { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! };
}

/** The vars the probe reads; the Worker's names (src/env.ts). */
type Vars = Record<string, unknown>;

function targetOf(description: string, vars: Vars, env: NodeJS.ProcessEnv): ProbeTarget {
  const text = (name: string) =>
    typeof vars[name] === 'string' && vars[name] !== '' ? (vars[name] as string) : undefined;
  const endpoint = text('S3_ENDPOINT');
  if (!endpoint)
    throw new TargetError('no S3 endpoint: pass --endpoint, set S3_ENDPOINT, or pass --env staging|production');
  return {
    description,
    settings: {
      endpoint,
      region: text('S3_REGION') ?? 'us-east-1',
      forcePathStyle: text('S3_FORCE_PATH_STYLE') === 'true',
      ...keysFrom(env),
    },
    buckets: {
      raw: text('BUCKET_RAW') ?? defaultBucketNames.raw,
      processed: text('BUCKET_PROCESSED') ?? defaultBucketNames.processed,
      assets: text('BUCKET_ASSETS') ?? defaultBucketNames.assets,
    },
    corsOrigins: parseCorsOrigins(text('CORS_ORIGINS')),
  };
}

/** `--env NAME`: wrangler.toml's [env.NAME.vars], read by wrangler itself (scripts/lib/wrangler-environments.ts). */
export async function targetOfEnvironment(
  name: string,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ProbeTarget> {
  // wrangler takes a second to load; only this path needs it.
  const { readEnvironment } = await import('../wrangler-environments');
  let vars: Vars;
  try {
    vars = readEnvironment(name, configPath).vars;
  } catch (error) {
    throw new TargetError((error as Error).message);
  }
  return targetOf(`environment ${name}`, vars, env);
}

/** Explicit options, each falling back to the Worker's variable of the same meaning in the shell. */
export function targetOfOptions(options: ExplicitOptions, env: NodeJS.ProcessEnv): ProbeTarget {
  const given: Vars = {
    S3_ENDPOINT: options.endpoint,
    S3_REGION: options.region,
    S3_FORCE_PATH_STYLE: options.pathStyle ? 'true' : undefined,
    BUCKET_RAW: options.bucketRaw,
    BUCKET_PROCESSED: options.bucketProcessed,
    BUCKET_ASSETS: options.bucketAssets,
    CORS_ORIGINS: options.corsOrigins,
  };
  const vars = Object.fromEntries(Object.entries(given).map(([name, value]) => [name, value ?? env[name]]));
  return targetOf('explicit settings', vars, env);
}
