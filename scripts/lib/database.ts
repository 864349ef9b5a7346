// Prepares a local database the way a Supabase project is prepared: the Supabase baseline (only
// what Supabase itself provides, scripts/sql/supabase-baseline.sql), then the migrations in
// supabase/migrations/ applied by the real Supabase CLI (`supabase db push --db-url`, the
// command the README gives for production), which records them in
// supabase_migrations.schema_migrations; then the demo seed. The baseline and the seed are not
// migrations: a real project already has the one and must never get the other.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import postgres from 'postgres';

const root = new URL('../../', import.meta.url).pathname;
export const migrationsDirectory = join(root, 'supabase/migrations');

/**
 * The environment the CLI runs in: nothing may leave the machine. Without these it asks
 * api.github.com for its latest release on every run (SUPABASE_NO_UPDATE_NOTIFIER) and sends
 * usage events (SUPABASE_TELEMETRY_DISABLED, DO_NOT_TRACK); its own state goes to .dev/, not
 * the user's home (SUPABASE_HOME).
 */
export function supabaseCliEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const home = join(root, '.dev/supabase-home');
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    SUPABASE_NO_UPDATE_NOTIFIER: '1',
    SUPABASE_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    SUPABASE_HOME: home,
  };
}

/**
 * Runs the pinned Supabase CLI (npm package `supabase`) with `args`; rejects with its output.
 * `prefix` runs it under another command (a test runs it in a namespace without network).
 */
export function runSupabaseCli(
  args: string[],
  {
    env = process.env,
    timeoutMs = 120_000,
    prefix = [],
  }: { env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: string[] } = {},
): Promise<{ stdout: string; stderr: string }> {
  const cli = createRequire(import.meta.url).resolve('supabase/dist/supabase.js');
  const [command, ...leading]: string[] = [...prefix, process.execPath, cli];
  return new Promise((resolve, reject) => {
    execFile(
      command!,
      [...leading, ...args],
      { cwd: root, env: supabaseCliEnvironment(env), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `supabase ${args.slice(0, 2).join(' ')} failed (${error.code ?? error.signal}):\n${stdout}${stderr}`,
            ),
          );
        else resolve({ stdout, stderr });
      },
    );
  });
}

/**
 * The CLI speaks TLS unless told otherwise; a loopback server has no certificate. Any other
 * host keeps what its URL says.
 */
export function cliDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (loopback && !parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'disable');
  return parsed.toString();
}

/** `supabase db push --db-url URL`: applies every migration not yet recorded, each in one transaction. */
export function pushMigrations(
  url: string,
  options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
  return runSupabaseCli(['db', 'push', '--db-url', cliDatabaseUrl(url), '--workdir', root, '--yes'], options);
}

async function pendingMigrations(sql: postgres.Sql): Promise<boolean> {
  const [{ recorded }] = await sql<
    [{ recorded: boolean }]
  >`select to_regclass('supabase_migrations.schema_migrations') is not null as recorded`;
  if (!recorded) return true;
  const applied = new Set(
    (await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`).map(
      (row) => row.version,
    ),
  );
  return readdirSync(migrationsDirectory).some((file) => file.endsWith('.sql') && !applied.has(file.split('_', 1)[0]!));
}

export async function migrate(url: string, { seed = true }: { seed?: boolean } = {}): Promise<void> {
  // Migrations moved to the Supabase CLI's layout; one left in the old folder would be skipped
  // without a word, so it stops everything instead.
  if (existsSync(join(root, 'migrations'))) {
    throw new Error(
      "migrations/ exists: migrations live in supabase/migrations/ (the Supabase CLI's layout); move its files there",
    );
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(join(root, 'scripts/sql/supabase-baseline.sql'), 'utf8'));
    // The CLI costs about a second even with nothing to do; a database already up to date (an
    // external DATABASE_URL on a second start) skips it.
    if (await pendingMigrations(sql)) await pushMigrations(url);
    if (seed) await sql.unsafe(readFileSync(join(root, 'scripts/sql/seed.sql'), 'utf8'));
  } finally {
    await sql.end({ timeout: 5 });
  }
}
