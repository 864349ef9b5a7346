// `npm run bench:load`: the load half of issue 10's proof, against the local stack (the production
// Worker under wrangler without its inspector, PostgreSQL, s3rver unless STORAGE_MANAGER_S3=rgw):
//  1. BENCH_ROUNDS bursts of BENCH_PRESIGNS (200) simultaneous POST /v1/uploads, each request on a
//     connection of its own, all written before the first answer; every answer must be a 201
//     with a presigned URL.
//  2. One bundle of BENCH_BUNDLE_MEMBERS × 16 MiB (64 → 1 GiB) downloaded by one client, then
//     BENCH_CONCURRENT_ROUNDS (2) times by BENCH_DOWNLOADS (20) at once, while the VmRSS of both
//     workerd processes is sampled every 50 ms: the growth for 1 and for 20 side by side in the
//     same run, every body checked against the SHA-256 of an unmeasured first download.
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import postgres from 'postgres';
import { demoTaskId, demoUsers, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { freePort } from '../scripts/lib/ports';
import type { LocalS3 } from '../scripts/lib/local-s3';
import { createStack } from '../scripts/lib/stack';
import { type CreatedBundle, createBundle, seedInParallel, syntheticObjects } from './lib/bundles';
import { type BurstResult, burst, percentile } from './lib/burst';
import { type Download, downloadMany } from './lib/download-many';
import { findWorkerdPids, residentBytes, sampleResident, workerdRole } from './lib/workerd';

const MiB = 1024 * 1024;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const presigns = Number(process.env.BENCH_PRESIGNS ?? 200);
const downloads = Number(process.env.BENCH_DOWNLOADS ?? 20);
// A second concurrent round tells a heap that grows once and is reused from one that keeps growing.
const concurrentRounds = Number(process.env.BENCH_CONCURRENT_ROUNDS ?? 2);
// BENCH_MEMBER_KIB makes the same bundle of many small members instead (e.g. 5000 × 16 KiB).
const members = {
  count: Number(process.env.BENCH_BUNDLE_MEMBERS ?? 64),
  size: Number(process.env.BENCH_MEMBER_KIB ?? 16 * 1024) * 1024,
};
// "Flat": 20 concurrent downloads of 1 GiB grow the Worker by less than 64 MiB in all, i.e. no
// download holds more than a few MiB, let alone a 16 MiB member or the bundle; and later rounds
// reuse that memory rather than add to it (16 MiB of slack: RSS moves by a few MiB between
// identical rounds as the allocator and V8 return and retake pages).
const targets = { memoryGrowthBytes: 64 * MiB, laterRoundSlackBytes: 16 * MiB };
const uploadBody = JSON.stringify({ taskId: demoTaskId, contentType: 'audio/webm', size: 48213 });

const log = (line: string) => process.stderr.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const sizeLabel = (bytes: number) => (bytes >= MiB ? mib(bytes) : `${(bytes / 1024).toFixed(0)} KiB`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
const pad = (cells: (string | number)[], widths: number[]) =>
  cells.map((cell, i) => String(cell)[i === 0 ? 'padEnd' : 'padStart'](widths[i]!)).join(' ');

/** Peak count of client connections to PostgreSQL (this bench's included) until stopped. */
function sampleConnections(sql: postgres.Sql, intervalMs = 25) {
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [{ n }] = await sql<
        [{ n: number }]
      >`select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'`;
      peak = Math.max(peak, n);
      await sleep(intervalMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return peak;
    },
  };
}

/** What one POST /v1/uploads answer was: 'ok' (201 with a presigned URL), or why not. */
function classify(result: BurstResult, s3: LocalS3): string {
  if ('error' in result) return `error ${result.error}`;
  // biome-ignore lint/suspicious/noExplicitAny: the answer's shape is what this function checks
  let body: any;
  try {
    body = JSON.parse(result.body);
  } catch {
    return `${result.status} (not JSON)`;
  }
  if (result.status !== 201) return `${result.status} ${body?.error?.code ?? ''}`.trim();
  const url = typeof body.url === 'string' ? body.url : '';
  const presigned = url.startsWith(`${s3.endpoint}/${s3.buckets.raw}/`) && url.includes('X-Amz-Signature=');
  return presigned && typeof body.submissionId === 'string' ? 'ok' : '201 without a presigned URL';
}

async function presignBursts(api: string, s3: LocalS3, sql: postgres.Sql, token: string): Promise<boolean> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const widths = [7, 8, 9, 8, 7, 6, 7, 7, 7, 8, 6];
  console.log(
    `\n1. ${rounds} burst${rounds === 1 ? '' : 's'} of ${presigns} simultaneous POST /v1/uploads (contributor, demo task, audio/webm 48,213 bytes), a new connection each`,
  );
  console.log(
    pad(
      [
        'round',
        'requests',
        'in flight',
        '201+URL',
        'non-2xx',
        'errors',
        'p50 ms',
        'p99 ms',
        'max ms',
        'PG conns',
        'wall s',
      ],
      widths,
    ),
  );
  const failures = new Map<string, number>();
  let totalBad = 0;
  for (let round = 1; round <= rounds; round++) {
    const connections = sampleConnections(sql);
    const { results, seconds, inFlightAtFirstAnswer } = await burst({
      url: `${api}/v1/uploads`,
      headers,
      body: uploadBody,
      count: presigns,
    });
    const peakConnections = await connections.stop();
    const outcomes = results.map((result) => classify(result, s3));
    for (const outcome of outcomes) if (outcome !== 'ok') failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
    const ok = outcomes.filter((outcome) => outcome === 'ok').length;
    const errors = results.filter((result) => 'error' in result).length;
    const non2xx = results.filter(
      (result) => !('error' in result) && (result.status! < 200 || result.status! > 299),
    ).length;
    totalBad += presigns - ok;
    const ms = results.map((result) => result.ms).sort((a, b) => a - b);
    console.log(
      pad(
        [
          round,
          presigns,
          inFlightAtFirstAnswer,
          ok,
          non2xx,
          errors,
          percentile(ms, 0.5).toFixed(0),
          percentile(ms, 0.99).toFixed(0),
          ms.at(-1)!.toFixed(0),
          peakConnections,
          seconds.toFixed(2),
        ],
        widths,
      ),
    );
    await sleep(1000);
  }
  console.log(
    "in flight: requests fully sent and unanswered when the first answer arrived. PG conns: peak client backends in pg_stat_activity (25 ms samples, this bench's own included).",
  );
  if (failures.size > 0) console.log(`failures: ${[...failures].map(([what, n]) => `${what} × ${n}`).join(', ')}`);
  console.log(
    `target ${rounds * presigns} presigns, every one a 201 with a URL, zero errors: ${totalBad} failed — ${verdict(totalBad === 0)}`,
  );
  return totalBad === 0;
}

/** Growth over the baseline at the end of each tenth of the transfer: a plateau, or a climb. */
function timeline(series: { ms: number; sum: number }[], baseline: number): number[] {
  const end = series.at(-1)!.ms;
  return Array.from(
    { length: 10 },
    (_, tenth) => series.findLast((s) => s.ms <= ((tenth + 1) * end) / 10)!.sum - baseline,
  );
}

/** Downloads the bundle `count` times at once while sampling workerd's RSS; checks every body. */
async function measuredDownloads(pids: number[], bundle: CreatedBundle, count: number, reference: Download) {
  // A settle so the previous transfer's buffers are not counted in this one's baseline.
  await sleep(1000);
  const sampler = sampleResident(pids, 50);
  const { results, seconds } = await downloadMany(bundle.url, count);
  const { baseline, peak, samples, series } = sampler.stop();
  await sleep(1000);
  const after = pids.reduce((sum, pid) => sum + residentBytes(pid), 0);
  const problems = results.flatMap((r, i) => {
    const found: string[] = [];
    if (r.status !== 200 || !r.complete || r.error)
      found.push(`status ${r.status}, complete ${r.complete}${r.error ? `, ${r.error}` : ''}`);
    if (r.contentLength !== bundle.bytes || r.bytes !== bundle.bytes)
      found.push(`Content-Length ${r.contentLength}, received ${r.bytes}, bundle ${bundle.bytes}`);
    if (r.sha256 !== reference.sha256) found.push(`SHA-256 ${r.sha256?.slice(0, 16)}… differs`);
    // A ZIP starts with a local file header and ends with the 22-byte end of central directory.
    if (r.head !== '504b0304' || !r.tail?.startsWith('504b0506')) found.push(`starts ${r.head}, ends ${r.tail}`);
    return found.map((problem) => `download ${i + 1}: ${problem}`);
  });
  const each = results.map((r) => r.seconds).sort((a, b) => a - b);
  return {
    count,
    seconds,
    samples,
    problems,
    each,
    after,
    timeline: timeline(series, baseline.sum),
    baseline: baseline.sum,
    peak: peak.sum,
    growth: peak.sum - baseline.sum,
    perProcess: pids.map((pid) => ({ pid, baseline: baseline.each.get(pid), peak: peak.each.get(pid) })),
    megabytesPerSecond: (bundle.bytes * results.filter((r) => r.bytes === bundle.bytes).length) / seconds / 1e6,
  };
}

async function bundleDownloads(
  api: string,
  s3: LocalS3,
  sql: postgres.Sql,
  adminToken: string,
  port: number,
): Promise<boolean> {
  log(`seeding ${members.count} × ${sizeLabel(members.size)} into ${s3.kind}`);
  const seeded = await seedInParallel(sql, s3, syntheticObjects(members.count, members.size, 4));
  const bundle = await createBundle(api, adminToken, seeded);
  // Unmeasured: starts the Worker's own workerd (wrangler starts it on first use), warms it, and
  // gives the SHA-256 every measured download must match.
  log(`reference download of the ${mib(bundle.bytes)} bundle`);
  const reference = (await downloadMany(bundle.url, 1)).results[0]!;
  if (reference.status !== 200 || reference.bytes !== bundle.bytes)
    throw new Error(`reference download: status ${reference.status}, ${reference.bytes} of ${bundle.bytes} bytes`);
  const pids = findWorkerdPids();
  const roles = new Map(pids.map((pid) => [pid, workerdRole(pid, port)]));
  if (!pids.some((pid) => roles.get(pid) === 'Worker'))
    throw new Error(`no Worker workerd among the processes under this one: ${pids.join(', ')}`);

  log(`1 download, then ${concurrentRounds} round(s) of ${downloads} at once`);
  const single = await measuredDownloads(pids, bundle, 1, reference);
  const concurrent: Awaited<ReturnType<typeof measuredDownloads>>[] = [];
  for (let round = 0; round < concurrentRounds; round++)
    concurrent.push(await measuredDownloads(pids, bundle, downloads, reference));
  const first = concurrent[0]!;
  const runs = [single, ...concurrent];

  console.log(
    `\n2. bundle of ${members.count} × ${sizeLabel(members.size)} (${bundle.bytes.toLocaleString('en')} bytes, STORED, every CRC known) downloaded by 1 client, then ${concurrentRounds}× by ${downloads} at once`,
  );
  console.log(
    "RSS: VmRSS summed over both workerd processes (wrangler's proxy and the Worker), sampled every 50 ms; baseline just before the requests, after = 1 s after the last byte",
  );
  const widths = [8, 9, 9, 9, 8, 9, 7, 8, 9, 11];
  console.log(
    pad(
      ['clients', 'baseline', 'peak', 'growth', '÷client', 'after', 'samples', 'wall s', 'MB/s all', 'client s'],
      widths,
    ),
  );
  for (const r of runs) {
    const perClient = r.count === 1 ? r.each[0]!.toFixed(1) : `${r.each[0]!.toFixed(1)}–${r.each.at(-1)!.toFixed(1)}`;
    console.log(
      pad(
        [
          r.count,
          mib(r.baseline),
          mib(r.peak),
          mib(r.growth),
          mib(r.growth / r.count),
          mib(r.after),
          r.samples,
          r.seconds.toFixed(1),
          r.megabytesPerSecond.toFixed(0),
          perClient,
        ],
        widths,
      ),
    );
  }
  for (const r of runs)
    console.log(
      `  ${r.count} client(s), per process: ${r.perProcess.map((p) => `${roles.get(p.pid)} ${mib(p.baseline!)} → ${mib(p.peak!)}`).join(', ')}`,
    );
  for (const r of runs)
    console.log(
      `  ${r.count} client(s), growth (MiB) at the end of each tenth of the transfer: ${r.timeline.map((bytes) => (bytes / MiB).toFixed(1)).join(' ')}`,
    );
  const problems = runs.flatMap((r) => r.problems);
  for (const problem of problems.slice(0, 10)) console.log(`  ${problem}`);
  const checked = runs.reduce((sum, r) => sum + r.count, 0);
  console.log(
    `check: every body ${bundle.bytes.toLocaleString('en')} bytes = Content-Length, the reference download's SHA-256 (${reference.sha256!.slice(0, 16)}…), starts PK\\3\\4, ends with the end record: ${problems.length === 0 ? `all ${checked} pass` : `${problems.length} problem(s)`}`,
  );
  const ratio = single.growth > 0 ? `${(first.growth / single.growth).toFixed(1)}×` : 'n/a';
  console.log(
    `first ${downloads}-client round ÷ 1 client: growth ${ratio}, aggregate throughput ${(first.megabytesPerSecond / single.megabytesPerSecond).toFixed(2)}×`,
  );
  // Judged on the first concurrent round, which pays for any heap the Worker had not grown yet.
  const flat = first.growth < targets.memoryGrowthBytes;
  console.log(
    `target growth for ${downloads} concurrent < ${mib(targets.memoryGrowthBytes)} (a member is ${sizeLabel(members.size)}, the bundle ${mib(bundle.bytes)}): ${mib(first.growth)} — ${verdict(flat)}`,
  );
  let reused = true;
  if (concurrent.length > 1) {
    const above = Math.max(...concurrent.slice(1).map((r) => r.peak)) - first.peak;
    reused = above < targets.laterRoundSlackBytes;
    console.log(
      `target later ${downloads}-client rounds peak < ${mib(targets.laterRoundSlackBytes)} above the first's: ${mib(above)} — ${verdict(reused)}`,
    );
  }
  const after = findWorkerdPids();
  if (after.join() !== pids.join())
    console.log(
      `warning: the workerd processes changed during the run (${pids.join(', ')} → ${after.join(', ')}); RSS covers only the first set`,
    );
  return flat && reused && problems.length === 0;
}

const { bavail, bsize } = statfsSync(tmpdir());
if (bavail * bsize < members.count * members.size * 1.2 + 1024 * MiB) {
  throw new Error(
    `${tmpdir()} has ${mib(bavail * bsize)} free; the objects need ${mib(members.count * members.size)} plus headroom (lower BENCH_BUNDLE_MEMBERS)`,
  );
}

const port = await freePort();
const stack = createStack({ port, log: (line) => log(`[stack] ${line}`) });
let sql: postgres.Sql | undefined;
try {
  const { url: api, s3, auth, databaseUrl } = await stack.start();
  const database = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  sql = database;
  const tokenFor = (user: { userId: string; email: string }) =>
    signJwt(auth.privateJwk, supabaseClaims({ supabaseUrl: auth.supabaseUrl, ...user, lifetimeSeconds: 3600 }));
  const contributorToken = await tokenFor(demoUsers.contributor);
  const adminToken = await tokenFor(demoUsers.admin);
  const warm = await fetch(`${api}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${contributorToken}`, 'content-type': 'application/json' },
    body: uploadBody,
  });
  if (warm.status !== 201) throw new Error(`POST /v1/uploads answered ${warm.status}: ${await warm.text()}`);
  const [{ max_connections: maxConnections }] = await database<
    [{ max_connections: string }]
  >`select current_setting('max_connections') as max_connections`;

  console.log(
    `bench:load — the Worker under wrangler (workerd, no inspector) + PostgreSQL (max_connections ${maxConnections}) + ${s3.kind}, all on 127.0.0.1`,
  );
  const presignsHeld = await presignBursts(api, s3, database, contributorToken);
  const memoryFlat = await bundleDownloads(api, s3, database, adminToken, port);
  if (!presignsHeld || !memoryFlat) process.exitCode = 1;
} finally {
  await sql?.end();
  await stack.stop();
}
