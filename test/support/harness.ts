import { spawn } from 'node:child_process';
import postgres from 'postgres';
import { seedApproved, type SeedBody, type Seeded } from './seed';
import { demoUsers, signJwt, supabaseClaims, type DemoRole } from '../../scripts/lib/jwt';
import { withS3Profile } from '../../scripts/lib/local-s3';
import { freePort } from '../../scripts/lib/ports';
import { startPostgres } from '../../scripts/lib/postgres';
import { startRgw } from '../../scripts/lib/rgw';
import { startS3rver } from '../../scripts/lib/s3rver';
import { createStack } from '../../scripts/lib/stack';
import { startPgFlightProxy } from './pg-flight-proxy';
import { startPgProxy } from './pg-proxy';
import { startS3Proxy } from './s3-proxy';

export type { Seeded };

/**
 * The local stack as apps meet it, for tests in Node: S3 behind a fault-injecting proxy, PostgreSQL,
 * and the Worker under wrangler over real HTTP. Everything started here is stopped by stop().
 *
 * `postgresProxy: true` puts the Worker's database connection (Hyperdrive) behind test/support/pg-proxy.ts,
 * exposed as `pg`, so a test can cut or refuse it; `sql` still goes to PostgreSQL directly.
 * `postgresFlights` puts it behind test/support/pg-flight-proxy.ts instead, exposed as `flights`, which
 * delays and counts round trips.
 */
export async function startHarness(
  options: {
    workerBindings?: Record<string, string>;
    s3?: 's3rver' | 'rgw';
    postgresProxy?: boolean;
    postgresFlights?: { delayMs: number; delayStartup: boolean };
  } = {},
) {
  // STORAGE_MANAGER_S3_PROFILE=no-copy puts the front that refuses copies and tagging before it.
  const s3 = await withS3Profile(options.s3 === 'rgw' ? await startRgw() : await startS3rver());
  const proxy = await startS3Proxy(s3.endpoint);
  const database = options.postgresProxy || options.postgresFlights ? await startPostgres() : undefined;
  const pg = database && options.postgresProxy ? await startPgProxy(database.url) : undefined;
  const flights =
    database && options.postgresFlights ? await startPgFlightProxy(database.url, options.postgresFlights) : undefined;
  const proxied = pg ?? flights;
  const stack = createStack({
    port: await freePort(),
    env: {
      S3_ENDPOINT: proxy.url,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: 'true',
      // The stack then uses this database as an external one: it migrates it and leaves it running.
      ...(proxied ? { DATABASE_URL: proxied.url } : {}),
    },
    workerBindings: options.workerBindings,
  });
  const started = await stack.start();
  const sql = postgres(database?.url ?? started.databaseUrl, { max: 2, onnotice: () => {} });
  const tokenFor = (role: DemoRole) =>
    signJwt(started.auth.privateJwk, supabaseClaims({ supabaseUrl: started.auth.supabaseUrl, ...demoUsers[role] }));

  return {
    api: started.url,
    s3,
    proxy,
    /** The Postgres proxy in front of the Worker's database, with `postgresProxy: true`. */
    pg,
    /** The delaying, counting proxy in front of the Worker's database, with `postgresFlights`. */
    flights,
    sql,
    tokenFor,
    /** The local signing key, JWKS and bundle-link secret, so tests can forge tokens and links the gateway must refuse. */
    auth: started.auth,
    /** Approved submissions with their objects stored straight in S3 (not through the proxy). */
    seedApproved: (bodies: (SeedBody | Uint8Array)[]) => seedApproved(sql, s3, bodies),
    async stop() {
      await sql.end();
      await stack.stop();
      await pg?.stop();
      await flights?.stop();
      await database?.stop();
      await proxy.stop();
      await s3.stop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * A child process, asynchronously: S3, the proxy and wrangler's Hyperdrive stand-in live in this
 * process, and a synchronous spawn would stop them from answering.
 */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: new URL('../../', import.meta.url).pathname,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
