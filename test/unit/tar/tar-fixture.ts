import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ContainerLayout } from '../../../src/containers/layout';

/**
 * Outside readers for the tar tests (GNU tar, libarchive's bsdtar, Python's tarfile), none of
 * which shares code with the planner, and a writer that puts a layout on disk the way the
 * streaming writer walks it.
 */

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ReaderResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an outside reader found on PATH, in UTC so listed times are comparable. GNU tar is in
 * every Debian system (an essential package); `npm test` installs bsdtar and python3
 * (scripts/test-tools.sh), so a missing reader is an error, never a check skipped.
 */
export function runReader(command: string, args: string[], cwd?: string): ReaderResult {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    cwd,
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' },
  });
  if (result.error !== undefined)
    throw new Error(`cannot run ${command} (${result.error.message}); scripts/test-tools.sh installs it`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface PythonMember {
  name: string;
  size: number;
  mtime: number;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  paxHeaders: Record<string, string>;
  offsetData: number;
  sha256: string | null;
}

const inspectScript = fileURLToPath(new URL('./tarfile_inspect.py', import.meta.url));

export function readWithPython(path: string, hashLimit = Number.MAX_SAFE_INTEGER): PythonMember[] {
  const result = runReader('python3', [inspectScript, path, String(hashLimit)]);
  if (result.status !== 0) throw new Error(`python tarfile failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { members: PythonMember[] }).members;
}

/** One line of `tar --full-time -tvf` (GNU) in UTC: mode, owner/group, size, date, time, name. */
export interface GnuListing {
  mode: string;
  owner: string;
  size: number;
  time: string;
  name: string;
}

/**
 * GNU tar's verbose listing with full times. The name is everything after the time, as GNU tar
 * prints it; it escapes non-printable bytes, so tests compare with names in the C.UTF-8 locale.
 */
export function listWithGnuTar(path: string): { result: ReaderResult; entries: GnuListing[] } {
  const result = runReader('tar', ['--full-time', '-tvf', path]);
  const entries = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^(\S+) (\S+)\s+(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$/u.exec(line);
      if (match === null) throw new Error(`unexpected GNU tar line ${JSON.stringify(line)}`);
      return { mode: match[1]!, owner: match[2]!, size: Number(match[3]), time: match[4]!, name: match[5]! };
    });
  return { result, entries };
}

/** libarchive's verbose listing: mode, links, owner, group, size, date, name. */
export function listWithBsdtar(path: string): { result: ReaderResult; entries: { size: number; name: string }[] } {
  const result = runReader('bsdtar', ['-tvf', path]);
  const entries = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^\S+\s+\d+\s+\S+\s+\S+\s+(\d+) \w{3} [ \d]\d +(?:\d{4}|\d\d:\d\d) (.*)$/u.exec(line);
      if (match === null) throw new Error(`unexpected bsdtar line ${JSON.stringify(line)}`);
      return { size: Number(match[1]), name: match[2]! };
    });
  return { result, entries };
}

/** Bodies of stored members by member index: in memory, or all zeros (a sparse extent on disk). */
export type DiskBodies = ReadonlyMap<number, Uint8Array>;

/**
 * Writes the whole layout to `path` as a writer streams it: produced segments as they are, a
 * member range from `bodies`, and a member missing from `bodies` left as a hole (zeros) that
 * the final ftruncate makes part of the file without writing or holding it.
 */
export function writeLayoutFile(path: string, layout: ContainerLayout, bodies: DiskBodies): void {
  const file = openSync(path, 'w');
  try {
    let position = 0;
    for (const segment of layout.slice(0, layout.totalLength - 1)) {
      if (segment.kind === 'bytes') {
        writeSync(file, segment.bytes, 0, segment.bytes.length, position);
        position += segment.bytes.length;
        continue;
      }
      const length = segment.end - segment.start + 1;
      const body = bodies.get(segment.index);
      if (body !== undefined) writeSync(file, body.subarray(segment.start, segment.end + 1), 0, length, position);
      position += length;
    }
    ftruncateSync(file, layout.totalLength);
  } finally {
    closeSync(file);
  }
}
