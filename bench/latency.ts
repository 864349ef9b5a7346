// `npm run bench:latency`: the API's latency as a user far from the database sees it. One local
// stack (PostgreSQL, S3, the Worker under wrangler) with the Worker's database connection behind
// test/support/pg-flight-proxy.ts, which delays each direction by half the round-trip time (RTT).
// For each RTT (0, 25, 50, 100 ms) and two proxy modes it walks test/stack/api-tour.ts
// BENCH_ROUNDS times (every route once per walk) and prints p50 and p99 per route and p50 / RTT:
//  - "every byte": connection startup is delayed too, as a Worker connecting straight to the
//    database would pay it;
//  - "after startup": startup passes undelayed, as Hyperdrive's warm pool answers it next to the
//    Worker; only the queries cross the distance.
// Target, "after startup" column: every database-only route at most 1.5 × RTT + 15 ms at p50 when
// the RTT is 50 ms or more. BENCH_LATENCY_JSON=<file> also writes the numbers as JSON.
import { writeFileSync } from 'node:fs';
import { apiTour } from '../test/stack/api-tour';
import { startHarness } from '../test/support/harness';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const rtts = (process.env.BENCH_RTTS ?? '0,25,50,100').split(',').map(Number);
const modes = [
  { name: 'every byte', delayStartup: true },
  { name: 'after startup', delayStartup: false },
] as const;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

const harness = await startHarness({
  postgresFlights: { delayMs: 0, delayStartup: true },
  // The smallest threshold S3's 5 MiB part minimum allows, so the multipart call moves little data.
  workerBindings: { MULTIPART_THRESHOLD_BYTES: String(5 * 1024 * 1024) },
});
type Row = { route: string; objectStorage: boolean; rtt: number; mode: string; p50: number; p99: number };
const results: Row[] = [];
const failures: string[] = [];
try {
  const flights = harness.flights!;
  const [contributor, validator, admin, company] = await Promise.all([
    harness.tokenFor('contributor'),
    harness.tokenFor('validator'),
    harness.tokenFor('admin'),
    harness.tokenFor('company'),
  ]);
  const tokens = { contributor, validator, admin, company };
  // One unmeasured walk: the Worker's first requests compile and warm its caches.
  for (const step of apiTour(harness, tokens)) {
    await step.setup?.();
    await step.call();
  }

  for (const rtt of rtts) {
    for (const mode of modes) {
      flights.configure({ delayMs: rtt / 2, delayStartup: mode.delayStartup });
      const samples = new Map<string, { objectStorage: boolean; times: number[] }>();
      for (let round = 0; round < rounds; round++) {
        for (const step of apiTour(harness, tokens)) {
          await step.setup?.();
          const started = performance.now();
          const answer = await step.call();
          const elapsed = performance.now() - started;
          const entry = samples.get(step.route) ?? { objectStorage: step.objectStorage ?? false, times: [] };
          samples.set(step.route, entry);
          // A wrong answer is reported, not timed; the walk goes on (later steps may fail with it).
          if (answer.status !== step.status) {
            failures.push(`RTT ${rtt} ms, ${mode.name}: ${step.route} answered ${answer.status}`);
            continue;
          }
          entry.times.push(elapsed);
        }
      }
      for (const [route, { objectStorage, times }] of samples)
        if (times.length > 0)
          results.push({
            route,
            objectStorage,
            rtt,
            mode: mode.name,
            p50: percentile(times, 0.5),
            p99: percentile(times, 0.99),
          });
      log(`RTT ${rtt} ms, ${mode.name}: done`);
    }
  }
} finally {
  await harness.stop();
}

const ms = (value: number) => value.toFixed(0).padStart(5);
const ratio = (value: number, rtt: number) => (rtt === 0 ? '    –' : (value / rtt).toFixed(1).padStart(5));
const routes = [...new Set(results.map((row) => row.route))];
console.log(
  `Latency per route, p50 and p99 in ms over ${rounds} calls each; ×RTT = p50 / RTT. "every byte": the proxy delays connection startup too; "after startup": as through Hyperdrive's warm pool. S3 = also talks to S3 (local, undelayed).`,
);
const misses: string[] = [];
for (const rtt of rtts) {
  console.log(
    `\nRTT ${rtt} ms${rtt >= 50 ? ` (target after startup, database-only: p50 ≤ ${1.5 * rtt + 15} ms)` : ''}`,
  );
  console.log(`${'route'.padEnd(46)}  S3 | every byte: p50   p99  ×RTT | after startup: p50   p99  ×RTT`);
  for (const route of routes) {
    const [all, warm] = modes.map(
      (mode) => results.find((r) => r.route === route && r.rtt === rtt && r.mode === mode.name)!,
    );
    const target = rtt >= 50 && !all!.objectStorage ? 1.5 * rtt + 15 : undefined;
    const met = target === undefined ? ' ' : warm!.p50 <= target ? '✓' : '✗';
    if (met === '✗') misses.push(`${route} at ${rtt} ms: ${warm!.p50.toFixed(0)} ms > ${target} ms`);
    console.log(
      `${route.padEnd(46)}  ${all!.objectStorage ? 'S3' : '  '} |            ${ms(all!.p50)} ${ms(all!.p99)} ${ratio(all!.p50, rtt)} |               ${ms(warm!.p50)} ${ms(warm!.p99)} ${ratio(warm!.p50, rtt)} ${met}`,
    );
  }
}
if (failures.length > 0) console.log(`\nWrong answers (not timed):\n${failures.join('\n')}`);
console.log(misses.length === 0 ? '\nEvery database-only route meets the target.' : `\nMissed:\n${misses.join('\n')}`);
if (process.env.BENCH_LATENCY_JSON) writeFileSync(process.env.BENCH_LATENCY_JSON, JSON.stringify(results, null, 2));
