import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports';
import { rgwAvailable } from '../../scripts/lib/rgw';
import { tsx } from '../support/tsx';

const root = new URL('../../', import.meta.url).pathname;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('brings the stack up on PORT, prints one ready line, and SIGINT stops everything it started', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [tsx, 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = once(child, 'exit');
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line; stderr:\n${stderr}`)), 90_000);
        child.stdout.on('data', () => {
          if (!stdout.includes('\n')) return;
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited ${code}; stderr:\n${stderr}`));
        });
      });
      expect(stdout).toBe(`ready http://127.0.0.1:${port}\n`);
      // Ceph RGW when installed, s3rver otherwise, unless STORAGE_MANAGER_S3 chooses.
      const expectedS3 = process.env.STORAGE_MANAGER_S3 || (rgwAvailable() ? 'rgw' : 's3rver');
      expect(stderr).toContain(`[stack] s3 ${expectedS3} http://127.0.0.1:`);

      const token = spawnSync(process.execPath, [tsx, 'scripts/token.ts', 'contributor'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(token.status).toBe(0);
      expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const tasks = await fetch(`http://127.0.0.1:${port}/v1/tasks`, {
        headers: { authorization: `Bearer ${token.stdout.trim()}` },
      });
      expect(tasks.status).toBe(200);
      const body = (await tasks.json()) as { tasks: { id: string; allowedContentTypes: string[]; maxBytes: number }[] };
      expect(body.tasks).toEqual([
        expect.objectContaining({
          id: '00000000-0000-4000-8000-0000000a0001',
          allowedContentTypes: ['audio/*', 'image/*', 'video/*', 'application/octet-stream'],
          maxBytes: 5 * 1024 ** 3,
        }),
      ]);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    expect(child.exitCode).toBe(0);
    // Servers run as processes of their own: PostgreSQL when installed, and Ceph's daemons when
    // the stack chose RGW. Every one of them must be gone.
    const postgresPids = /postgres postgresql \S+ pid (\d+)/.exec(stderr)?.slice(1) ?? [];
    const rgwPids = /s3 rgw \S+ pids ([\d ]+)/.exec(stderr)?.[1]?.split(' ') ?? [];
    for (const pid of [...postgresPids, ...rgwPids].map(Number)) {
      // Shutdown is asynchronous: give each a moment to finish exiting.
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(isAlive(pid), `pid ${pid}`).toBe(false);
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('the token script refuses an unknown role', () => {
    const result = spawnSync(process.execPath, [tsx, 'scripts/token.ts', 'root'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('usage');
  });
});
