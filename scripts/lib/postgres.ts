// Local PostgreSQL for the stack and the tests: the system's binaries when present (initdb into a
// temporary directory, on a free loopback port), otherwise embedded PGlite behind a socket.
import { spawn, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort, waitUntil } from './ports';

export interface LocalPostgres {
  kind: 'postgresql' | 'pglite';
  url: string;
  pid: number;
  /** System PostgreSQL only: the directory of its Unix socket. */
  socketDirectory?: string;
  stop(): Promise<void>;
}

function findPostgresBinaries(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    // pg_config is absent on machines with only the server package; look in Debian's layout.
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

// PostgreSQL refuses to run as root. As root (containers, CI), run it as the `postgres` system
// account, or `nobody` where there is none; spawn's uid/gid keep the server's own PID ours.
function unprivilegedAccount(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const accounts = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  const account = accounts.find(([name]) => name === 'postgres') ?? accounts.find(([name]) => name === 'nobody');
  if (!account) throw new Error('running as root and no unprivileged account for PostgreSQL');
  return { uid: Number(account[2]), gid: Number(account[3]) };
}

async function waitForConnection(url: string): Promise<void> {
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

async function startSystemPostgres(bindir: string): Promise<LocalPostgres> {
  const account = unprivilegedAccount();
  const dataDir = mkdtempSync(join(tmpdir(), 'storage-manager-pg-'));
  if (account.uid !== undefined && account.gid !== undefined) chownSync(dataDir, account.uid, account.gid);
  execFileSync(join(bindir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dataDir,
    ...account,
  });
  const port = await freePort();
  // Locally every Worker request opens its own connection (Miniflare's Hyperdrive stand-in does
  // not pool), so `npm run bench:load`'s burst of 200 presigns needs 200 at once on top of the
  // bench's own: with 200 slots one request per burst got 503 upstream_unavailable ("too many
  // clients"). 400 leaves room for the burst, a harness and a test, at a few MB of shared memory.
  const server = spawn(
    join(bindir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=400',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dataDir, ...account },
  );
  let stderr = '';
  server.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // Trust authentication ignores the password, but Miniflare's Hyperdrive wants one in the URL.
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  // If this process exits without stop() (a signal handler elsewhere calling process.exit), the
  // server must not outlive it: SIGQUIT is PostgreSQL's immediate shutdown.
  const killOnExit = () => {
    if (server.exitCode === null) server.kill('SIGQUIT');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  try {
    await Promise.race([
      waitForConnection(url),
      exited.then(() => {
        throw new Error(`postgres exited during start-up: ${stderr}`);
      }),
    ]);
  } catch (error) {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    kind: 'postgresql',
    url,
    pid: server.pid as number,
    // The server also listens on a Unix socket here, which a process without any network
    // (a new network namespace) can still reach.
    socketDirectory: dataDir,
    async stop() {
      process.off('exit', killOnExit);
      // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, then exit.
      if (server.exitCode === null) server.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startPglite(): Promise<LocalPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const port = await freePort();
  // More than one connection: the tests and the Worker query at the same time.
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  await waitForConnection(url);
  return {
    kind: 'pglite',
    url,
    pid: process.pid,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Starts a private PostgreSQL on loopback; `stop()` ends it and removes its data. */
export async function startPostgres({
  prefer = process.env.STORAGE_MANAGER_POSTGRES,
}: {
  prefer?: string;
} = {}): Promise<LocalPostgres> {
  const bindir = prefer === 'pglite' ? undefined : findPostgresBinaries();
  return bindir ? startSystemPostgres(bindir) : startPglite();
}
