// CPU time and resident memory of the workerd processes this Node process started (wrangler ->
// Miniflare -> workerd), read from /proc. Processes are found by walking parent links down from
// process.pid, so nothing another user or another stack runs is ever counted.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
export const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim());

/** Fields after the command name (which may contain spaces), so index 0 is field 3 (state). */
function statFields(pid: number | string): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function commandName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

/** Descendants of `root` (any depth) whose command is workerd. */
export function findWorkerdPids(root: number = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = Number(statFields(name)[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent)!.push(Number(name));
    } catch {
      // The process exited between readdir and read.
    }
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    queue.push(...(children.get(pid) ?? []));
    try {
      if (commandName(pid) === 'workerd') found.push(pid);
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/**
 * wrangler runs two workerd processes: its proxy, listening on the port clients use, and the
 * Worker itself behind it on a port of its own. Told apart by the `entry` socket on the command line.
 */
export function workerdRole(pid: number, publicPort: number): 'wrangler proxy' | 'Worker' {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return args.includes(`--socket-addr=entry=127.0.0.1:${publicPort}`) ? 'wrangler proxy' : 'Worker';
}

/** User and system CPU of each of `pids`, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pids: number[]): Map<number, { user: number; system: number }> {
  return new Map(
    pids.map((pid): [number, { user: number; system: number }] => {
      const fields = statFields(pid);
      return [pid, { user: Number(fields[11]), system: Number(fields[12]) }];
    }),
  );
}

/** A field of /proc/<pid>/status in bytes; 0 once the process has exited, so a sampler outlives it. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** VmRSS of one process, in bytes. */
export function residentBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** VmHWM of one process: the most it was ever resident, in bytes, kept by the kernel between samples. */
export function peakResidentBytes(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

/**
 * Samples the RSS of `pids` every `intervalMs` until stopped; returns, for their sum and for each,
 * the baseline (at the start) and the peak, and every sample of the sum with its time in ms
 * (`series`), so a caller can tell a plateau from steady growth.
 */
export function sampleResident(pids: number[], intervalMs = 50) {
  const read = () => {
    const each = new Map(pids.map((pid): [number, number] => [pid, residentBytes(pid)]));
    return { each, sum: [...each.values()].reduce((a, b) => a + b, 0) };
  };
  const first = read();
  const baseline = { sum: first.sum, each: new Map(first.each) };
  const peak = { sum: first.sum, each: new Map(first.each) };
  let samples = 1;
  const started = performance.now();
  const series = [{ ms: 0, sum: first.sum }];
  const sample = () => {
    const now = read();
    series.push({ ms: performance.now() - started, sum: now.sum });
    peak.sum = Math.max(peak.sum, now.sum);
    for (const [pid, bytes] of now.each) peak.each.set(pid, Math.max(peak.each.get(pid)!, bytes));
    samples += 1;
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { baseline, peak, samples, series };
    },
  };
}
