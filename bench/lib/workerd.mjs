// CPU time and resident memory of the workerd processes this Node process started (wrangler ->
// Miniflare -> workerd), read from /proc. Processes are found by walking parent links down from
// process.pid, so nothing another user or another stack runs is ever counted.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
export const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim());

/** Fields after the command name (which may contain spaces), so index 0 is field 3 (state). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function commandName(pid) {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

/** Descendants of `root` (any depth) whose command is workerd. */
export function findWorkerdPids(root = process.pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = Number(statFields(name)[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(name));
    } catch {
      // The process exited between readdir and read.
    }
  }
  const found = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift();
    queue.push(...(children.get(pid) ?? []));
    try {
      if (commandName(pid) === 'workerd') found.push(pid);
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/** Summed user and system CPU of `pids`, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pids) {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    user += Number(fields[11]);
    system += Number(fields[12]);
  }
  return { user, system };
}

/** Summed VmRSS of `pids`, in bytes. */
export function residentBytes(pids) {
  let total = 0;
  for (const pid of pids) {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) total += Number(match[1]) * 1024;
  }
  return total;
}

/** Samples the summed RSS every `intervalMs` until stopped; returns the baseline and the peak. */
export function sampleResident(pids, intervalMs = 50) {
  const baseline = residentBytes(pids);
  let peak = baseline;
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, residentBytes(pids));
    samples += 1;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, residentBytes(pids));
      return { baseline, peak, samples: samples + 1 };
    },
  };
}
