import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoTaskId } from '../../scripts/lib/jwt';
import { run, type Harness } from '../support/harness';

const MiB = 1024 * 1024;
const cli = new URL('../../dist/cli.mjs', import.meta.url).pathname;

/** This process's environment without the CLI's own variables, plus `variables`. */
export function cliEnv(variables: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { STORAGE_MANAGER_TOKEN: _token, STORAGE_MANAGER_API: _api, ...env } = process.env;
  return { ...env, ...variables };
}

const runCli = (args: string[], variables?: Record<string, string>) =>
  run(process.execPath, [cli, ...args], { env: cliEnv(variables) });

/** A progress line for `total` once all of it is done: bytes, a measured rate, ETA 0 s. */
export const finishedProgress = (total: string) =>
  new RegExp(`${total} / ${total} \\(100%\\) · \\d+(\\.\\d)? (B|KiB|MiB|GiB)/s · ETA 0 s\\n`);

/**
 * The CLI's command line on the running stack: where the token comes from, --help, progress and
 * the exit statuses (0 success, 1 the operation failed, 2 usage error, 130 interrupted).
 */
export function describeCliCommandLine(context: () => { harness: Harness; workDir: string }) {
  const file = (name: string, size: number) => {
    const path = join(context().workDir, name);
    writeFileSync(path, randomBytes(size));
    return path;
  };
  const gateway = () => ({ STORAGE_MANAGER_API: context().harness.api });

  describe('storage-manager CLI command line', () => {
    it('--token overrides STORAGE_MANAGER_TOKEN, with a warning saying why it is unsafe', async () => {
      const contributor = await context().harness.tokenFor('contributor');
      const path = file('override.bin', 1000);
      const result = await runCli(['upload', '--token', contributor, '--task', demoTaskId, path], {
        ...gateway(),
        STORAGE_MANAGER_TOKEN: 'not-a-token',
      });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'uploaded', size: 1000 });
      expect(result.stderr).toContain('warning: --token');
      expect(result.stderr).toContain('every user of this machine can read (ps, /proc/PID/cmdline)');
      expect(result.stderr).toContain('set STORAGE_MANAGER_TOKEN instead');
    });

    it('a token the gateway refuses fails the operation: exit 1 with the gateway error', async () => {
      const path = file('refused.bin', 1000);
      const result = await runCli(['upload', '--task', demoTaskId, path], {
        ...gateway(),
        STORAGE_MANAGER_TOKEN: 'not-a-token',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('GatewayError: 401 unauthorized');
      expect(result.stderr).not.toContain('warning');
      expect(result.stdout).toBe('');
    });

    it('without a token it is a usage error (exit 2) naming STORAGE_MANAGER_TOKEN', async () => {
      const result = await runCli(['upload', '--task', demoTaskId, file('no-token.bin', 10)], gateway());
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('storage-manager upload: no token: set STORAGE_MANAGER_TOKEN');
      expect(result.stderr).toContain('usage: storage-manager upload [options] --task ID FILE');
    });

    it('without --api or STORAGE_MANAGER_API it is a usage error', async () => {
      const result = await runCli(['dataset', '--out', 'x.zip', 'id'], { STORAGE_MANAGER_TOKEN: 'a-token' });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('no gateway URL: set STORAGE_MANAGER_API or pass --api URL');
    });

    const commandOptions = {
      upload: ['--task ID', '--content-type TYPE', '--concurrency N'],
      bundle: ['--out FILE'],
      dataset: ['--out DIR', '--connections N'],
    };
    for (const [command, options] of Object.entries(commandOptions)) {
      it(`${command} --help and -h print its usage, options, environment and exit codes, and exit 0`, async () => {
        for (const flag of ['--help', '-h']) {
          const result = await runCli([command, flag]);
          expect(result.status, result.stderr).toBe(0);
          expect(result.stderr).toBe('');
          expect(result.stdout).toMatch(new RegExp(`^usage: storage-manager ${command} \\[options\\]`));
          for (const option of [...options, '--api URL', '--token TOKEN', '--progress', '--no-progress', '-h, --help'])
            expect(result.stdout).toContain(`  ${option} `);
          expect(result.stdout).toMatch(/STORAGE_MANAGER_TOKEN +access token/);
          expect(result.stdout).toMatch(/STORAGE_MANAGER_API +base URL/);
          expect(result.stdout).toMatch(/^ {2}0 +success$/m);
          expect(result.stdout).toMatch(/^ {2}1 +the operation failed/m);
          expect(result.stdout).toMatch(/^ {2}2 +usage error/m);
          expect(result.stdout).toMatch(/^ {2}130 +interrupted/m);
        }
      });
    }

    it('upload --help shows the defaults', async () => {
      const result = await runCli(['upload', '--help']);
      expect(result.stdout).toMatch(/--concurrency N +parts uploaded at once in a multipart upload \(default: 4\)/);
      expect(result.stdout).toMatch(
        /--content-type TYPE +media type of the file \(default:\s+application\/octet-stream\)/,
      );
    });

    it('--help, -h and help at the top level list the commands and exit 0', async () => {
      for (const args of [['--help'], ['-h'], ['help']]) {
        const result = await runCli(args);
        expect(result.status).toBe(0);
        for (const command of Object.keys(commandOptions))
          expect(result.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
        expect(result.stdout).toContain('exit codes:');
      }
      const topic = await runCli(['help', 'bundle']);
      expect(topic.stdout).toMatch(/^usage: storage-manager bundle/);
    });

    it('a wrong command line exits 2 with the usage', async () => {
      const variables = { ...gateway(), STORAGE_MANAGER_TOKEN: 'a-token' };
      const cases: [string[], string][] = [
        [[], 'no command given'],
        [['download'], 'unknown command: download'],
        [['upload', '--task', demoTaskId, '--frob', 'f'], "Unknown option '--frob'"],
        [['upload', '--task', demoTaskId, '--concurrency', 'four', 'f'], '--concurrency must be a whole number'],
        [['upload', 'f'], '--task ID is required'],
        [['upload', '--task', demoTaskId], 'FILE is missing'],
        [['dataset', '--out', 'x.zip', 'a', 'b'], 'unexpected argument: b'],
        [['bundle', '--out', 'x.zip', '--api', 'ftp://example.com', 'a'], 'the gateway URL must be http or https'],
        [['bundle', '--out', 'x.rar', '--format', 'rar', 'a'], '--format must be zip or tar'],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(args, variables);
        expect(result.status, args.join(' ')).toBe(2);
        expect(result.stderr).toContain(message);
        expect(result.stderr).toContain('usage: storage-manager');
      }
    });

    it('--progress shows bytes, rate and ETA on stderr while stdout keeps the JSON result', async () => {
      const contributor = await context().harness.tokenFor('contributor');
      const path = file('progress.bin', 20 * MiB);
      const result = await runCli(['upload', '--progress', '--task', demoTaskId, path], {
        ...gateway(),
        STORAGE_MANAGER_TOKEN: contributor,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'uploaded', size: 20 * MiB });
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(`${path} 0 B / 20.0 MiB (0%) · –/s · ETA –`);
      expect(`${lines.at(-1)}\n`).toMatch(finishedProgress('20.0 MiB'));
      expect(lines.at(-1)!.startsWith(`${path} `)).toBe(true);

      const quiet = await runCli(['upload', '--no-progress', '--task', demoTaskId, file('quiet.bin', MiB)], {
        ...gateway(),
        STORAGE_MANAGER_TOKEN: contributor,
      });
      expect(quiet.status, quiet.stderr).toBe(0);
      expect(quiet.stderr).toBe('');
    });

    it('Ctrl-C stops an upload: exit 130, and the state file for resuming goes with the aborted upload', async () => {
      const contributor = await context().harness.tokenFor('contributor');
      const path = file('interrupted.bin', 200 * MiB);
      const child = spawn(process.execPath, [cli, 'upload', '--progress', '--task', demoTaskId, path], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: cliEnv({ ...gateway(), STORAGE_MANAGER_TOKEN: contributor }),
      });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      const status = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (chunk) => {
          // The first progress line comes once the upload exists: interrupt it then.
          if (!stderr.includes(' B / ') && `${stderr}${chunk}`.includes(' B / ')) child.kill('SIGINT');
          stderr += chunk;
        });
        child.on('close', resolve);
      });
      expect(status, stderr).toBe(130);
      expect(stderr).toContain('storage-manager: interrupted');
      expect(stdout).toBe('');
      expect(existsSync(`${path}.storage-manager.json`)).toBe(false);
    });
  });
}
