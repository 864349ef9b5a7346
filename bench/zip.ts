// `npm run bench:zip`: in one run against the local stack (bench/zip-worker.ts: the production app
// plus comparison routes, workerd without the inspector), for 64 × 16 MiB and 2,000 × 64 KiB:
//  - direct: each object GET from S3 in sequence by this process (one keep-alive connection);
//  - ours: GET /v1/bundles/{id}/download (every CRC known, so the planned STORED archive);
//  - passthrough: the same objects back to back with no ZIP framing, the production writer's
//    native pipe into one FixedLengthStream (the CPU floor);
//  - fflate and client-zip: the same entries zipped inside the same Worker by those libraries.
// Variants alternate in rounds; medians are printed with their ratios. Then the workerd RSS growth
// while downloading a ~10 MB and a ~4 GiB bundle.
import { statfsSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import postgres from 'postgres';
import { demoUsers, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { freePort } from '../scripts/lib/ports';
import type { LocalS3 } from '../scripts/lib/local-s3';
import { type LocalAuth, createStack } from '../scripts/lib/stack';
import { download, keepAliveAgent } from './lib/download';
import { type CreatedBundle, createBundle, seedInParallel, syntheticObjects } from './lib/bundles';
import { presignRawObject, type Seeded } from '../test/support/seed';
import { clockTicksPerSecond, cpuTicks, findWorkerdPids, sampleResident, workerdRole } from './lib/workerd';
import { median } from './lib/stats';

const MiB = 1024 * 1024;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const count = (full: number) => Math.max(1, Math.round(full * scale));
const workloads = [
  { count: count(64), size: 16 * MiB },
  { count: count(2000), size: 64 * 1024 },
];
// The memory pair: ~10 MB (10 × 1 MiB) against BENCH_MEMORY_MEMBERS × 16 MiB (256 → 4 GiB), the
// latter reusing the first workload's objects.
const memorySmall = { count: 10, size: MiB };
const memoryBigCount = Number(process.env.BENCH_MEMORY_MEMBERS ?? count(256));
const variants = ['direct', 'ours', 'passthrough', 'fflate', 'client-zip'] as const;
type Variant = (typeof variants)[number];

/** A workload once its members are seeded: the bundle of them and a presigned GET of each. */
interface SeededWorkload {
  count: number;
  size: number;
  bundle: CreatedBundle;
  directUrls: string[];
  payloadBytes: number;
}

type Ticks = Map<number, { user: number; system: number }>;
type Run = { seconds: number; bytes: number; ticks: Ticks };
type VariantResult = {
  bytes: number;
  mbPerSecond: number;
  ticks: { user: number; system: number };
  userPerGb: number;
  totalPerGb: number;
  workerPerGb: number;
};
const targets = { throughput: 0.9, cpuOverFloor: 1.2, memoryGrowthBytes: 16 * MiB, librariesCpu: 10 };

const log = (line: string) => process.stderr.write(`${line}\n`);
const label = ({ count, size }: { count: number; size: number }) =>
  `${count.toLocaleString('en')} × ${size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`}`;
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

const presignedGet = (s3: LocalS3, key: string) => presignRawObject(s3, 'GET', key);

/** One measured transfer: wall time, bytes, and the CPU ticks it cost each workerd process. */
async function measure(pids: number[], transfer: () => Promise<number>): Promise<Run> {
  const before = cpuTicks(pids);
  const started = process.hrtime.bigint();
  const bytes = await transfer();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = cpuTicks(pids);
  const ticks: Ticks = new Map(
    pids.map((pid) => [
      pid,
      {
        user: after.get(pid)!.user - before.get(pid)!.user,
        system: after.get(pid)!.system - before.get(pid)!.system,
      },
    ]),
  );
  return { seconds, bytes, ticks };
}

/** Ticks summed over runs and over the processes `pids` (all of them when omitted). */
function sumTicks(runs: Run[], pids?: number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const run of runs) {
    for (const [pid, ticks] of run.ticks) {
      if (pids && !pids.includes(pid)) continue;
      user += ticks.user;
      system += ticks.system;
    }
  }
  return { user, system };
}

async function expectOk(url: string, expectedBytes?: number, agent?: Agent): Promise<number> {
  const result = await download(url, agent);
  if (result.status !== 200 || !result.complete)
    throw new Error(`GET ${url.split('?')[0]} answered ${result.status}, complete ${result.complete}`);
  if (expectedBytes !== undefined && result.bytes !== expectedBytes)
    throw new Error(`GET ${url.split('?')[0]}: ${result.bytes} bytes, expected ${expectedBytes}`);
  return result.bytes;
}

/** The transfer each variant makes for one workload. */
function transfers(api: string, workload: SeededWorkload): Record<Variant, () => Promise<number>> {
  const { bundle, directUrls, payloadBytes } = workload;
  return {
    direct: async () => {
      const agent = keepAliveAgent();
      let bytes = 0;
      try {
        for (const url of directUrls) bytes += await expectOk(url, undefined, agent);
      } finally {
        agent.destroy();
      }
      return bytes;
    },
    ours: () => expectOk(bundle.url, bundle.bytes),
    passthrough: () => expectOk(`${api}/__bench/passthrough/${bundle.id}`, payloadBytes),
    fflate: () => expectOk(`${api}/__bench/fflate/${bundle.id}`),
    'client-zip': () => expectOk(`${api}/__bench/client-zip/${bundle.id}`),
  };
}

async function runWorkload(
  api: string,
  workerd: { pids: number[]; workerPids: number[] },
  workload: SeededWorkload,
): Promise<Record<Variant, VariantResult>> {
  const { pids, workerPids } = workerd;
  const runs = Object.fromEntries(variants.map((variant) => [variant, [] as Run[]])) as Record<Variant, Run[]>;
  const transfer = transfers(api, workload);
  for (const variant of variants) await transfer[variant]();
  for (let round = 0; round < rounds; round++) {
    // Each round starts with a different variant, so drift in the machine's load spreads evenly.
    const order = variants.map((_, position) => variants[(position + round) % variants.length]!);
    for (const variant of order) {
      const run = await measure(pids, transfer[variant]);
      runs[variant].push(run);
      const ticks = [...run.ticks].map(([pid, t]) => `${pid} ${t.user}+${t.system}`).join(', ');
      log(
        `  ${label(workload)} round ${round + 1} ${variant}: ${run.seconds.toFixed(2)} s, ${mb(run.bytes)} MB, ticks user+sys ${ticks}`,
      );
    }
  }
  // Per GB of the same member objects for every variant, so framing counts as cost. CPU is the
  // ticks of all rounds over the bytes of all rounds: one run of the small workload is only a few
  // dozen 10 ms ticks, too coarse for a per-round median.
  const gigabytes = (workload.payloadBytes * rounds) / 1e9;
  const perGb = (ticks: number) => ticks / clockTicksPerSecond / gigabytes;
  return Object.fromEntries(
    variants.map((variant): [Variant, VariantResult] => {
      const list = runs[variant];
      const all = sumTicks(list);
      const worker = sumTicks(list, workerPids);
      return [
        variant,
        {
          bytes: list[0]!.bytes,
          mbPerSecond: median(list.map((run) => workload.payloadBytes / run.seconds / 1e6)),
          ticks: all,
          userPerGb: perGb(all.user),
          totalPerGb: perGb(all.user + all.system),
          workerPerGb: perGb(worker.user + worker.system),
        },
      ];
    }),
  ) as Record<Variant, VariantResult>;
}

async function memoryGrowth(pids: number[], url: string, expectedBytes: number) {
  // A short settle so the previous transfer's buffers are not counted as this one's baseline.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const sampler = sampleResident(pids, 50);
  await expectOk(url, expectedBytes);
  const { baseline, peak, samples } = sampler.stop();
  const each = new Map(pids.map((pid) => [pid, { baseline: baseline.each.get(pid), peak: peak.each.get(pid) }]));
  return { baseline: baseline.sum, peak: peak.sum, growth: peak.sum - baseline.sum, each, samples };
}

function printWorkload(workload: SeededWorkload, results: Record<Variant, VariantResult>): void {
  const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(2)}×` : 'n/a');
  const floor = results.passthrough;
  console.log(
    `\n${label(workload)}: ${mb(workload.payloadBytes)} MB of objects, our bundle ${mb(workload.bundle.bytes)} MB; throughput median of ${rounds} rounds, CPU summed over them`,
  );
  const columns: [string, number][] = [
    ['bytes sent', 11],
    ['MB/s', 7],
    ['÷direct', 7],
    ['ticks u+s', 9],
    ['user s/GB', 9],
    ['÷floor', 7],
    ['u+s s/GB', 8],
    ['÷floor', 7],
    ['Worker u+s', 10],
    ['÷floor', 7],
  ];
  console.log(`${'variant'.padEnd(11)}${columns.map(([name, width]) => ` ${name.padStart(width)}`).join('')}`);
  for (const variant of variants) {
    const r = results[variant];
    const cells: (string | number)[] =
      variant === 'direct'
        ? [r.bytes, r.mbPerSecond.toFixed(1), '1.00×', '-', '-', '-', '-', '-', '-', '-']
        : [
            r.bytes,
            r.mbPerSecond.toFixed(1),
            ratio(r.mbPerSecond, results.direct.mbPerSecond),
            `${r.ticks.user}+${r.ticks.system}`,
            r.userPerGb.toFixed(3),
            ratio(r.userPerGb, floor.userPerGb),
            r.totalPerGb.toFixed(3),
            ratio(r.totalPerGb, floor.totalPerGb),
            r.workerPerGb.toFixed(3),
            ratio(r.workerPerGb, floor.workerPerGb),
          ];
    console.log(`${variant.padEnd(11)}${cells.map((cell, i) => ` ${String(cell).padStart(columns[i]![1])}`).join('')}`);
  }
  const ours = results.ours;
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  const throughput = ours.mbPerSecond / results.direct.mbPerSecond;
  const overFloor = ours.totalPerGb / floor.totalPerGb;
  const overFloorUser = ours.userPerGb / floor.userPerGb;
  console.log(
    `target throughput ≥ ${targets.throughput}× direct: ${throughput.toFixed(2)}× — ${verdict(throughput >= targets.throughput)}`,
  );
  console.log(
    `target CPU ≤ ${targets.cpuOverFloor}× pass-through floor (CRCs known): user ${overFloorUser.toFixed(2)}×, user+sys ${overFloor.toFixed(2)}× (Worker process alone ${(ours.workerPerGb / floor.workerPerGb).toFixed(2)}×) — ${verdict(overFloor <= targets.cpuOverFloor && overFloorUser <= targets.cpuOverFloor)}`,
  );
  for (const library of ['fflate', 'client-zip'] as const) {
    const cpu = results[library].totalPerGb / ours.totalPerGb;
    const cpuUser = results[library].userPerGb / ours.userPerGb;
    const speed = ours.mbPerSecond / results[library].mbPerSecond;
    console.log(
      `target CPU ≥ ${targets.librariesCpu}× lower than ${library}: it uses ${cpuUser.toFixed(1)}× our user CPU, ${cpu.toFixed(1)}× our user+sys (Worker process alone ${(results[library].workerPerGb / ours.workerPerGb).toFixed(1)}×); our throughput ${speed.toFixed(2)}× its — ${verdict(cpu >= targets.librariesCpu && cpuUser >= targets.librariesCpu)}`,
    );
  }
}

const adminTokenFor = (auth: LocalAuth) =>
  signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers.admin, lifetimeSeconds: 6 * 3600 }),
  );

const storedBytes =
  workloads.reduce((sum, w) => sum + w.count * w.size, 0) +
  memorySmall.count * memorySmall.size +
  Math.max(0, memoryBigCount - workloads[0]!.count) * workloads[0]!.size;
const { bavail, bsize } = statfsSync(tmpdir());
if (bavail * bsize < storedBytes * 1.2 + 2 * 1024 * MiB) {
  throw new Error(
    `${tmpdir()} has ${mb(bavail * bsize)} MB free; the objects need ${mb(storedBytes)} MB plus headroom (lower BENCH_SCALE or BENCH_MEMORY_MEMBERS)`,
  );
}

const port = await freePort();
const stack = createStack({ port, entrypoint: 'bench/zip-worker.ts', log: (line) => log(`[stack] ${line}`) });
let sql: postgres.Sql | undefined;
try {
  const { url: api, s3, auth, databaseUrl } = await stack.start();
  const database = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  sql = database;
  const adminToken = await adminTokenFor(auth);

  log(`seeding ${mb(storedBytes)} MB of objects into s3rver (${tmpdir()})`);
  const seeded: Seeded[][] = [];
  const seededWorkloads: SeededWorkload[] = [];
  for (const [tag, workload] of workloads.entries()) {
    const members = await seedInParallel(database, s3, syntheticObjects(workload.count, workload.size, tag));
    seeded.push(members);
    const bundle = await createBundle(api, adminToken, members);
    const directUrls = await Promise.all(members.map((member) => presignedGet(s3, member.objectKey)));
    seededWorkloads.push({ ...workload, bundle, directUrls, payloadBytes: workload.count * workload.size });
  }
  const smallMembers = await seedInParallel(database, s3, syntheticObjects(memorySmall.count, memorySmall.size, 2));
  const extraBig = memoryBigCount - seeded[0]!.length;
  const bigMembers = [
    ...seeded[0]!.slice(0, memoryBigCount),
    ...(extraBig > 0 ? await seedInParallel(database, s3, syntheticObjects(extraBig, workloads[0]!.size, 3)) : []),
  ];
  const smallBundle = await createBundle(api, adminToken, smallMembers);
  const bigBundle = await createBundle(api, adminToken, bigMembers);

  // wrangler starts the Worker's own workerd once the proxy's is up; both exist after a request.
  await expectOk(smallBundle.url, smallBundle.bytes);
  const pids = findWorkerdPids();
  const roles = new Map(pids.map((pid) => [pid, workerdRole(pid, port)]));
  const workerPids = pids.filter((pid) => roles.get(pid) === 'Worker');
  if (workerPids.length === 0)
    throw new Error(`no Worker workerd among the processes under this one: ${pids.join(', ')}`);
  const workerd = { pids, workerPids };
  const processes = pids.map((pid) => `${pid} (${roles.get(pid)})`).join(', ');

  console.log(
    `bench:zip — wrangler unstable_startWorker (inspector off) + s3rver + PostgreSQL on 127.0.0.1; workerd ${processes}; ${clockTicksPerSecond} ticks/s`,
  );
  console.log(
    'MB/s: bytes of the member objects ÷ wall time of the whole transfer, for every variant (ZIP framing is not counted as payload).',
  );
  console.log(
    'direct: this process GETs each object from s3rver in sequence over one keep-alive connection (presigned, body discarded).',
  );
  console.log(
    's/GB: CPU seconds per GB (1e9 bytes) of member objects, from utime and stime in /proc/<pid>/stat of both workerd',
  );
  console.log(
    'processes (wrangler\'s proxy and the Worker); "Worker u+s" counts the Worker\'s process alone. floor = passthrough.',
  );
  // Memory first: fflate and client-zip grow the Worker's heap, and pages they leave mapped would
  // hide growth of ours behind a baseline that already includes them.
  const small = await memoryGrowth(pids, smallBundle.url, smallBundle.bytes);
  const big = await memoryGrowth(pids, bigBundle.url, bigBundle.bytes);
  for (const workload of seededWorkloads) printWorkload(workload, await runWorkload(api, workerd, workload));

  const growthDifference = big.growth - small.growth;
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  const perProcess = (result: Awaited<ReturnType<typeof memoryGrowth>>) =>
    [...result.each].map(([pid, r]) => `${roles.get(pid)} ${mib(r.baseline!)} → ${mib(r.peak!)}`).join(', ');
  console.log(
    '\nmemory: summed VmRSS of both workerd processes sampled every 50 ms during one download of our bundle (baseline = just before the request)',
  );
  console.log(
    `  ${label(memorySmall)} bundle (${mb(smallBundle.bytes)} MB): baseline ${mib(small.baseline)}, peak ${mib(small.peak)}, growth ${mib(small.growth)} (${small.samples} samples; ${perProcess(small)})`,
  );
  console.log(
    `  ${label({ count: memoryBigCount, size: workloads[0]!.size })} bundle (${mb(bigBundle.bytes)} MB): baseline ${mib(big.baseline)}, peak ${mib(big.peak)}, growth ${mib(big.growth)} (${big.samples} samples; ${perProcess(big)})`,
  );
  console.log(
    `target growth difference < ${mib(targets.memoryGrowthBytes)}: ${mib(growthDifference)} — ${growthDifference < targets.memoryGrowthBytes ? 'met' : 'MISSED'}`,
  );
  const after = findWorkerdPids();
  if (after.join() !== pids.join())
    console.log(
      `warning: the workerd processes changed during the run (${pids.join(', ')} → ${after.join(', ')}); CPU and RSS cover only the first set`,
    );
} finally {
  await sql?.end();
  await stack.stop();
}
