// The whole local stack in one call: S3, PostgreSQL (migrated and seeded), the local signing key
// and the Worker under wrangler without its inspector. Used by `npm start` and the benchmarks.
// Everything started here is stopped by `stop()`, by handle or PID, never by name.
import { subscribe } from 'node:diagnostics_channel';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { applyBucketSettings, desiredBucketSettings } from './bucket-config';
import { migrate } from './database';
import { demoAsset, seedDemoAsset } from './demo-asset';
import { generateSigningKey, type Jwk, type Jwks } from './jwt';
import { type LocalS3, localBuckets, withS3Profile } from './local-s3';
import { startPostgres } from './postgres';
import { rgwAvailable, startRgw } from './rgw';
import { startS3rver } from './s3rver';
import { parseCorsOrigins } from '../../src/cors-origins';

type WorkerLogLevel = NonNullable<
  NonNullable<Parameters<typeof import('wrangler').unstable_startWorker>[0]['dev']>['logLevel']
>;

export const projectRoot = new URL('../../', import.meta.url).pathname;
export const localSupabaseUrl = 'http://127.0.0.1:54321';
const localAuthFile = join(projectRoot, '.dev/local-auth.json');

export interface LocalAuth {
  supabaseUrl: string;
  privateJwk: Jwk;
  jwks: Jwks;
  bundleSigningSecret: string;
}

export interface RunningStack {
  url: string;
  databaseUrl: string;
  auth: LocalAuth;
  s3: LocalS3;
}

/** The local ES256 signing key and bundle-link secret, created once and kept in .dev/ (ignored by git). */
export async function loadLocalAuth(): Promise<LocalAuth> {
  if (existsSync(localAuthFile)) {
    const saved = JSON.parse(readFileSync(localAuthFile, 'utf8')) as Partial<LocalAuth>;
    if (saved.bundleSigningSecret) return saved as LocalAuth;
  }
  const { privateJwk, jwks } = await generateSigningKey();
  const auth: LocalAuth = {
    supabaseUrl: localSupabaseUrl,
    privateJwk,
    jwks,
    bundleSigningSecret: `${crypto.randomUUID()}${crypto.randomUUID()}`,
  };
  mkdirSync(join(projectRoot, '.dev'), { recursive: true });
  writeFileSync(localAuthFile, JSON.stringify(auth, null, 2), { mode: 0o600 });
  return auth;
}

function s3FromEnvironment(env: NodeJS.ProcessEnv): LocalS3 | undefined {
  if (!env.S3_ENDPOINT) return undefined;
  return {
    kind: 'external',
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION ?? 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
    forcePathStyle: (env.S3_FORCE_PATH_STYLE ?? 'true') === 'true',
    buckets: localBuckets,
    async stop() {},
  };
}

/**
 * Like PostgreSQL: Ceph RGW (what production runs on) when its binaries are installed, the
 * embedded s3rver otherwise. STORAGE_MANAGER_S3=s3rver or =rgw forces one;
 * STORAGE_MANAGER_S3_PROFILE=no-copy puts the front that refuses copies before it.
 */
async function startLocalS3(prefer: string | undefined, profile: string | undefined): Promise<LocalS3> {
  if (prefer && prefer !== 's3rver' && prefer !== 'rgw')
    throw new Error(`STORAGE_MANAGER_S3 must be s3rver or rgw, not ${prefer}`);
  const rgw = prefer === 'rgw' || (prefer === undefined && rgwAvailable());
  return withS3Profile(rgw ? await startRgw() : await startS3rver(), profile);
}

/**
 * The stack as an object whose `stop()` works at any moment, even while `start()` is still
 * bringing pieces up, so a signal during start-up leaves nothing running.
 */
export function createStack({
  port = Number(process.env.PORT ?? 8787),
  env = process.env,
  log = () => {},
  workerBindings = {},
  entrypoint,
}: {
  port?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  workerBindings?: Record<string, string>;
  entrypoint?: string;
} = {}): { start(): Promise<RunningStack>; stop(): Promise<void> } {
  const stops: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const started = (stopOne: () => Promise<unknown>) => {
    stops.push(stopOne);
    if (stopping) throw new Error('stack stopped during start-up');
  };
  async function stop() {
    stopping = true;
    while (stops.length > 0) {
      try {
        await stops.pop()!();
      } catch (error) {
        log(`stop failed: ${(error as Error).message}`);
      }
    }
  }
  async function start(): Promise<RunningStack> {
    try {
      const external = s3FromEnvironment(env);
      const s3 = external ?? (await startLocalS3(env.STORAGE_MANAGER_S3, env.STORAGE_MANAGER_S3_PROFILE));
      started(() => s3.stop());
      log(
        `s3 ${s3.kind}${s3.profile ? ` (${s3.profile})` : ''} ${s3.endpoint}${s3.pids ? ` pids ${s3.pids.join(' ')}` : ''}`,
      );
      if (!external) {
        // The same bucket configuration as production, applied the way `npm run buckets:apply` does.
        const corsOrigins = parseCorsOrigins(env.CORS_ORIGINS);
        for (const result of await applyBucketSettings(
          s3,
          desiredBucketSettings({ buckets: s3.buckets, corsOrigins }),
        )) {
          log(`bucket ${result.bucket} ${result.kind}: ${result.outcome}`);
        }
        await seedDemoAsset(s3);
        log(`asset ${demoAsset.key}`);
      }

      let databaseUrl = env.DATABASE_URL;
      if (!databaseUrl) {
        const database = await startPostgres();
        started(() => database.stop());
        databaseUrl = database.url;
        log(`postgres ${database.kind} ${database.url} pid ${database.pid}`);
      }
      await migrate(databaseUrl);

      const auth = await loadLocalAuth();
      const worker = await startLocalWorker({ port, databaseUrl, s3, auth, extraBindings: workerBindings, entrypoint });
      started(() => worker.dispose());
      return { url: `http://127.0.0.1:${port}`, s3, databaseUrl, auth };
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { start, stop };
}

/**
 * miniflare's local Hyperdrive stand-in (HyperdriveProxyController, in this process) joins each of
 * the Worker's database connections to PostgreSQL with two pipe() calls and no 'error' listener.
 * A Worker request that is cancelled mid-query (a client that hangs up: autocannon stopping, a
 * browser closing a tab) resets its socket, and the ECONNRESET is an uncaught exception that ends
 * this process: `npm start` and every benchmark with it. So every socket a server of this process
 * accepts gets an error listener that closes it and the database socket piped into it (Node emits
 * 'pipe' on the destination of a pipe), as the stand-in would have had it handled the error.
 * Sockets with listeners of their own still get every error.
 */
let resetsHandled = false;
function closeResetConnectionsQuietly() {
  if (resetsHandled) return;
  resetsHandled = true;
  subscribe('net.server.socket', (message) => {
    const socket = (message as { socket: Socket }).socket;
    const pipedIn = new Set<NodeJS.ReadableStream & { destroy(): void }>();
    socket.on('pipe', (source) => pipedIn.add(source as NodeJS.ReadableStream & { destroy(): void }));
    socket.on('error', () => {
      socket.destroy();
      for (const source of pipedIn) source.destroy();
    });
  });
}

/** `entrypoint` (relative to the project) replaces wrangler.toml's `main`, e.g. for a bench-only Worker. */
export async function startLocalWorker({
  port,
  databaseUrl,
  s3,
  auth,
  extraBindings = {},
  entrypoint,
}: {
  port: number;
  databaseUrl: string;
  s3: LocalS3;
  auth: LocalAuth;
  extraBindings?: Record<string, string>;
  entrypoint?: string;
}) {
  closeResetConnectionsQuietly();
  // wrangler reads the Hyperdrive stand-in and its telemetry switches from the environment.
  process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = databaseUrl;
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  // wrangler's own logger, at the Worker's level: at info it prints, on stdout, a line for the
  // static assets' _headers file, and `npm start` prints nothing there but its ready line.
  process.env.WRANGLER_LOG ??= process.env.STACK_LOG_LEVEL ?? 'warn';
  const { unstable_startWorker } = await import('wrangler');
  const text = (value: string | boolean) => ({ type: 'plain_text' as const, value: String(value) });
  const worker = await unstable_startWorker({
    config: join(projectRoot, 'wrangler.toml'),
    ...(entrypoint ? { entrypoint: join(projectRoot, entrypoint) } : {}),
    envFiles: [],
    sendMetrics: false,
    bindings: {
      SUPABASE_URL: text(auth.supabaseUrl),
      AUTH_JWKS: text(JSON.stringify(auth.jwks)),
      S3_ENDPOINT: text(s3.endpoint),
      S3_REGION: text(s3.region),
      S3_ACCESS_KEY_ID: text(s3.accessKeyId),
      S3_SECRET_ACCESS_KEY: text(s3.secretAccessKey),
      S3_FORCE_PATH_STYLE: text(s3.forcePathStyle),
      BUNDLE_SIGNING_SECRET: text(auth.bundleSigningSecret),
      ...Object.fromEntries(Object.entries(extraBindings).map(([name, value]) => [name, text(value)])),
    },
    // The inspector forwards one event per 4 KiB of every subrequest to Node; large transfers
    // crawl or crash with it, so the local Worker runs without it.
    build: { nodejsCompatMode: 'v2' },
    dev: {
      server: { hostname: '127.0.0.1', port },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: (process.env.STACK_LOG_LEVEL ?? 'warn') as WorkerLogLevel,
    },
  });
  await worker.ready;
  return worker;
}
