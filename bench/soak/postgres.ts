// A system PostgreSQL that the fault injector can restart: stopped by its PID (SIGINT, the fast
// shutdown that rolls back open transactions and closes every connection) and started again on
// the same data directory and port. scripts/lib/postgres.ts removes its data directory on stop,
// so it cannot restart one; this keeps the same settings with a restart of its own.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort, waitUntil } from '../../scripts/lib/ports';

export interface RestartablePostgres {
  url: string;
  /** The running server's PID (a new one after each restart). */
  readonly pid: number;
  readonly restarts: number;
  /** Stops the server by its PID, waits `downMs`, starts it again; resolves once it accepts connections. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

function binaries(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    // Only the server package installed: Debian's layout below.
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

// PostgreSQL refuses to run as root: as root it runs as `postgres` (or `nobody`).
function unprivileged(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const accounts = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  const account = accounts.find(([name]) => name === 'postgres') ?? accounts.find(([name]) => name === 'nobody');
  if (!account) throw new Error('running as root and no unprivileged account for PostgreSQL');
  return { uid: Number(account[2]), gid: Number(account[3]) };
}

async function accepting(url: string) {
  await waitUntil(
    async () => {
      const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
      try {
        await sql`select 1`;
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
    { what: 'PostgreSQL', timeoutMs: 30_000 },
  );
}

/** undefined when the system has no PostgreSQL binaries (the stack would use PGlite). */
export async function startRestartablePostgres(): Promise<RestartablePostgres | undefined> {
  const bindir = binaries();
  if (!bindir) return undefined;
  const account = unprivileged();
  const dataDir = mkdtempSync(join(tmpdir(), 'storage-manager-soak-pg-'));
  if (account.uid !== undefined && account.gid !== undefined) chownSync(dataDir, account.uid, account.gid);
  execFileSync(join(bindir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dataDir,
    ...account,
  });
  const port = await freePort();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const settings = ['listen_addresses=127.0.0.1', `unix_socket_directories=${dataDir}`, 'fsync=off'];
  // Every Worker request opens its own connection locally (see scripts/lib/postgres.ts).
  settings.push('synchronous_commit=off', 'full_page_writes=off', 'max_connections=400');
  let server: ChildProcess | undefined;
  let restarts = 0;

  const launch = async () => {
    const child = spawn(
      join(bindir, 'postgres'),
      ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])],
      {
        stdio: 'ignore',
        cwd: dataDir,
        ...account,
      },
    );
    server = child;
    await accepting(url);
  };
  const halt = async () => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // Without stop() (a crash of this process), the server must not outlive it: SIGQUIT is the immediate shutdown.
  const killOnExit = () => {
    if (server && server.exitCode === null) server.kill('SIGQUIT');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  await launch();

  return {
    url,
    get pid() {
      return server?.pid ?? 0;
    },
    get restarts() {
      return restarts;
    },
    async restart(downMs) {
      await halt();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
      restarts += 1;
    },
    async stop() {
      process.off('exit', killOnExit);
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
