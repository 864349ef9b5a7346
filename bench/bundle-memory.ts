// `npm run bench:bundle-memory`: what a bundle of many small members costs the Worker's memory.
//  1. In this Node process (run with --expose-gc): the JavaScript heap one download holds for its
//     whole life, for BENCH_BUNDLE_MEMBERS members: the plan, and the segments the writer is given
//     (every header encoded up front, `container.slice`, against `sliceInWindows`); and the most
//     abort listeners any one signal collects while the production writer streams every member
//     from a source that, like workerd's AbortSignal.any in src/s3/send.ts, listens on the signal
//     it is given until that signal aborts.
//  2. Against the local stack (the production Worker under wrangler, s3rver): a bundle of
//     BENCH_BUNDLE_MEMBERS × BENCH_MEMBER_KIB (5,000 × 16 KiB) downloaded by 1 client, then
//     BENCH_CONCURRENT_ROUNDS (2) times by BENCH_DOWNLOADS (20) at once, every body checked, while
//     the VmRSS of both workerd processes is sampled every 50 ms; the Worker's VmHWM after each.
//     BENCH_STACK=0 skips this part.
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import postgres from 'postgres';
import { demoUsers, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { freePort } from '../scripts/lib/ports';
import { createStack } from '../scripts/lib/stack';
import type { ArchiveMemberRecord } from '../src/db/archive-members';
import { type ContainerSegment, sliceInWindows } from '../src/containers/layout';
import { layOutPackage } from '../src/formats/package-layout';
import { type MemberSource, streamSegments } from '../src/streams/archive-writer';
import { type CreatedBundle, createBundle, seedInParallel, syntheticObjects } from './lib/bundles';
import { type Download, downloadMany } from './lib/download-many';
import { findWorkerdPids, peakResidentBytes, residentBytes, sampleResident, workerdRole } from './lib/workerd';

const MiB = 1024 * 1024;
const memberCount = Number(process.env.BENCH_BUNDLE_MEMBERS ?? 5000);
const memberSize = Number(process.env.BENCH_MEMBER_KIB ?? 16) * 1024;
const downloads = Number(process.env.BENCH_DOWNLOADS ?? 20);
const concurrentRounds = Number(process.env.BENCH_CONCURRENT_ROUNDS ?? 2);
// What Cloudflare gives one isolate, which may serve many requests at once (Workers limits).
const isolateBytes = 128 * MiB;

const log = (line: string) => process.stderr.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pad = (cells: (string | number)[], widths: number[]) =>
  cells.map((cell, i) => String(cell)[i === 0 ? 'padEnd' : 'padStart'](widths[i]!)).join(' ');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:bundle-memory does)');

/** Heap and array buffers after two full collections. */
function heldBytes(): number {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Records as src/db/bundles.ts returns them, with ids and keys of production length. */
function records(count: number): ArchiveMemberRecord[] {
  const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  return Array.from({ length: count }, (_, n) => ({
    submissionId: id(n),
    taskId: id(1_000_000 + (n % 7)),
    contributorPseudonym: `contributor-${n % 97}`,
    contentType: 'audio/webm',
    size: memberSize,
    crc32: (n * 2_654_435_761) >>> 0,
    sha256: n.toString(16).padStart(64, '0'),
    uploadedAt: new Date(1_790_000_000_000 + n * 1000),
    objectKey: `raw/${id(1_000_000 + (n % 7))}/${id(n)}`,
  }));
}

/** Part 1: bytes of JavaScript heap one download holds, measured in Node. */
function heapHeld(format: 'zip' | 'tar') {
  // A first run compiles the code and fills lazy caches, which are no download's.
  const warm = layOutPackage(records(memberCount), format).container;
  [...sliceInWindows(warm, 0, warm.totalLength - 1)];
  const base = heldBytes();
  // What a download's stream holds after the handler returns: the container and the object keys.
  const { container, objectKeys } = layOutPackage(records(memberCount), format);
  const planned = heldBytes() - base;
  let eager: ContainerSegment[] | null = container.slice(0, container.totalLength - 1);
  const segments = eager.length;
  const eagerBytes = heldBytes() - base - planned;
  eager = null;
  // The windowed writer holds one window's segments at a time: the first window's, here.
  const windows = sliceInWindows(container, 0, container.totalLength - 1);
  const window: ContainerSegment[] = [];
  for (let next = windows.next(); !next.done && window.length < 64; next = windows.next()) window.push(next.value);
  const windowBytes = heldBytes() - base - planned;
  // Returned so that nothing measured is collected before the last reading.
  return { planned, segments, eagerBytes, windowBytes, kept: [container, objectKeys, window] };
}

/** Part 1: the most abort listeners one signal held while the writer streamed every member. */
async function listenersPerSignal(): Promise<{ signals: number; most: number }> {
  const layout = layOutPackage(records(memberCount), 'zip');
  const listeners = new Map<AbortSignal, number>();
  const source: MemberSource = {
    async open(_index, start, end, signal) {
      // As AbortSignal.any does in workerd: a listener that stays until the signal aborts.
      signal.addEventListener('abort', () => {}, { once: true });
      listeners.set(signal, (listeners.get(signal) ?? 0) + 1);
      return new Blob([new Uint8Array(end - start + 1)]).stream();
    },
  };
  const { container } = layout;
  const stream = streamSegments(container.slice(0, container.totalLength - 1), container.totalLength, source, {
    channel: () => new TransformStream<Uint8Array, Uint8Array>(),
  });
  await stream.pipeTo(new WritableStream());
  return { signals: listeners.size, most: Math.max(...listeners.values()) };
}

interface Round {
  clients: number;
  baseline: number;
  peak: number;
  after: number;
  workerBaseline: number;
  workerPeak: number;
  workerAfter: number;
  workerHighWater: number;
  seconds: number;
  problems: string[];
  exited: number[];
}

async function measuredDownloads(
  pids: number[],
  workerPid: number,
  bundle: CreatedBundle,
  clients: number,
  reference: Download,
): Promise<Round> {
  await sleep(1000);
  const sampler = sampleResident(pids, 50);
  const { results, seconds } = await downloadMany(bundle.url, clients);
  const { baseline, peak } = sampler.stop();
  await sleep(1000);
  const problems = results.flatMap((r, i) => {
    const ok = r.status === 200 && r.complete && !r.error && r.bytes === bundle.bytes && r.sha256 === reference.sha256;
    return ok ? [] : [`download ${i + 1}: status ${r.status}, ${r.bytes} bytes, ${r.error ?? 'SHA-256 differs'}`];
  });
  return {
    clients,
    baseline: baseline.sum,
    peak: peak.sum,
    after: pids.reduce((sum, pid) => sum + residentBytes(pid), 0),
    workerBaseline: baseline.each.get(workerPid)!,
    workerPeak: peak.each.get(workerPid)!,
    workerAfter: residentBytes(workerPid),
    workerHighWater: peakResidentBytes(workerPid),
    seconds,
    problems,
    exited: pids.filter((pid) => residentBytes(pid) === 0),
  };
}

console.log(`bench:bundle-memory — ${memberCount.toLocaleString('en')} members of ${memberSize / 1024} KiB`);
console.log('\n1. JavaScript heap one download holds for its whole life, in Node (heapUsed + arrayBuffers after gc)');
for (const format of ['zip', 'tar'] as const) {
  const held = heapHeld(format);
  const per = (bytes: number) => `${(bytes / memberCount).toFixed(0)} B/member`;
  console.log(
    `  ${format}: plan and object keys ${mib(held.planned)} (${per(held.planned)}); every header encoded up front (slice of the whole, ${held.segments.toLocaleString('en')} segments) ${mib(held.eagerBytes)} (${per(held.eagerBytes)}); one window of sliceInWindows ${mib(Math.max(0, held.windowBytes))}`,
  );
  const fits = (bytes: number) => Math.floor(isolateBytes / bytes);
  console.log(
    `    ${isolateBytes / MiB} MiB holds the state of ${fits(held.planned + Math.max(0, held.windowBytes))} such downloads with windows, ${fits(held.planned + held.eagerBytes)} with every header up front (abort listeners not counted)`,
  );
}
const listened = await listenersPerSignal();
console.log(
  `  abort listeners: streaming ${memberCount.toLocaleString('en')} members gave the source ${listened.signals.toLocaleString('en')} signal(s); the most listeners one signal held: ${listened.most.toLocaleString('en')}`,
);

// BENCH_STACK=0 stops here: part 1 needs no stack and takes seconds.
if (process.env.BENCH_STACK === '0') process.exit();

const { bavail, bsize } = statfsSync(tmpdir());
if (bavail * bsize < memberCount * memberSize * 1.2 + 1024 * MiB)
  throw new Error(`${tmpdir()} has ${mib(bavail * bsize)} free; the objects need ${mib(memberCount * memberSize)}`);

const port = await freePort();
const stack = createStack({ port, log: (line) => log(`[stack] ${line}`) });
let sql: postgres.Sql | undefined;
try {
  const { url: api, s3, auth, databaseUrl } = await stack.start();
  const database = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  sql = database;
  const adminToken = await signJwt(
    auth.privateJwk,
    supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...demoUsers.admin, lifetimeSeconds: 3600 }),
  );
  log(`seeding ${memberCount} × ${memberSize / 1024} KiB into ${s3.kind}`);
  const seeded = await seedInParallel(database, s3, syntheticObjects(memberCount, memberSize, 5));
  const bundle = await createBundle(api, adminToken, seeded);
  // Unmeasured: starts the Worker's own workerd and gives the SHA-256 every download must match.
  log(`reference download of the ${mib(bundle.bytes)} bundle`);
  const reference = (await downloadMany(bundle.url, 1)).results[0]!;
  if (reference.status !== 200 || reference.bytes !== bundle.bytes)
    throw new Error(`reference download: status ${reference.status}, ${reference.bytes} of ${bundle.bytes} bytes`);
  const pids = findWorkerdPids();
  const roles = new Map(pids.map((pid) => [pid, workerdRole(pid, port)]));
  const workerPid = pids.find((pid) => roles.get(pid) === 'Worker');
  if (workerPid === undefined) throw new Error(`no Worker workerd among ${pids.join(', ')}`);

  log(`1 download, then ${concurrentRounds} round(s) of ${downloads} at once`);
  const rounds = [await measuredDownloads(pids, workerPid, bundle, 1, reference)];
  for (let round = 0; round < concurrentRounds; round++)
    rounds.push(await measuredDownloads(pids, workerPid, bundle, downloads, reference));

  console.log(
    `\n2. bundle of ${memberCount.toLocaleString('en')} × ${memberSize / 1024} KiB (${bundle.bytes.toLocaleString('en')} bytes, ZIP, every CRC known) on ${s3.kind}: 1 client, then ${concurrentRounds}× ${downloads} at once`,
  );
  console.log(
    `RSS: VmRSS of both workerd processes (wrangler's proxy and the Worker, pid ${workerPid}), sampled every 50 ms; baseline just before the requests, after = 1 s after the last byte; HWM = the Worker's VmHWM then`,
  );
  const widths = [7, 10, 10, 9, 12, 10, 10, 10, 10, 7];
  console.log(
    pad(
      ['clients', 'baseline', 'peak', 'growth', 'per member', 'after', 'Worker', 'W. peak', 'W. HWM', 'wall s'],
      widths,
    ),
  );
  for (const r of rounds) {
    const growth = r.peak - r.baseline;
    console.log(
      pad(
        [
          r.clients,
          mib(r.baseline),
          mib(r.peak),
          mib(growth),
          `${(growth / r.clients / memberCount / 1024).toFixed(2)} KiB`,
          mib(r.after),
          mib(r.workerBaseline),
          mib(r.workerPeak),
          mib(r.workerHighWater),
          r.seconds.toFixed(1),
        ],
        widths,
      ),
    );
  }
  const problems = rounds.flatMap((r) => r.problems);
  for (const problem of problems.slice(0, 10)) console.log(`  ${problem}`);
  const exited = [...new Set(rounds.flatMap((r) => r.exited))];
  if (exited.length > 0) console.log(`  workerd exited during the run: ${exited.join(', ')} (its RSS reads 0 after)`);
  console.log(
    `check: every body ${bundle.bytes.toLocaleString('en')} bytes with the reference SHA-256: ${problems.length === 0 ? `all ${rounds.reduce((sum, r) => sum + r.clients, 0)} pass` : `${problems.length} problem(s)`}`,
  );
  const first = rounds[1] ?? rounds[0]!;
  const perDownload = (first.peak - first.baseline) / first.clients;
  console.log(
    `per download (first round of ${first.clients}): ${mib(perDownload)}; ${isolateBytes / MiB} MiB ÷ that = ${perDownload > 0 ? Math.floor(isolateBytes / perDownload) : 'n/a'} concurrent ${memberCount.toLocaleString('en')}-member downloads (RSS, so an upper bound on heap per download)`,
  );
  if (problems.length > 0 || exited.length > 0) process.exitCode = 1;
} finally {
  await sql?.end();
  await stack.stop();
}
