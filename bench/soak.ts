// `npm run soak -- --minutes N [--seed S]`: issue 21's soak. Contributors, validators, admins and
// a company drive every journey against the local stack (the Worker under wrangler, PostgreSQL,
// s3rver or Ceph RGW with STORAGE_MANAGER_S3=rgw) while a seeded fault injector restarts
// PostgreSQL and makes S3 refuse, cut and fail requests. Then it checks that nothing was lost,
// corrupted or orphaned, prints the table, and exits 1 if any check broke.
import postgres from 'postgres';
import { demoUsers, type DemoRole, signJwt, supabaseClaims } from '../scripts/lib/jwt';
import { type LocalS3, withS3Profile } from '../scripts/lib/local-s3';
import { freePort } from '../scripts/lib/ports';
import { startPostgres } from '../scripts/lib/postgres';
import { startRgw } from '../scripts/lib/rgw';
import { startS3rver } from '../scripts/lib/s3rver';
import { createStack } from '../scripts/lib/stack';
import { startPgProxy } from '../test/support/pg-proxy';
import { startS3Proxy } from '../test/support/s3-proxy';
import { admin } from './soak/admins';
import { closeDatabaseSocketsOnError } from './soak/database-sockets';
import { company } from './soak/companies';
import { contributor, MiB } from './soak/contributors';
import { startFaults } from './soak/faults';
import { type Check, checkAccessLog, checkDatasets, checkDownloads, checkStorage } from './soak/invariants';
import { startRestartablePostgres } from './soak/postgres';
import { seededRandom } from './soak/random';
import { checkTraffic, printTable } from './soak/report';
import { settleBuilds } from './soak/settle';
import { createTraffic, sleep } from './soak/traffic';
import { validator } from './soak/validators';
import { createWorld } from './soak/world';

process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

function parseArguments(argv: string[]) {
  const value = (name: string) => {
    const at = argv.indexOf(name);
    return at === -1 ? undefined : argv[at + 1];
  };
  const minutes = Number(value('--minutes') ?? 10);
  const seed = Number(value('--seed') ?? Math.floor(Math.random() * 2 ** 31));
  if (!(minutes > 0) || !Number.isInteger(seed)) throw new Error('usage: npm run soak -- [--minutes N] [--seed S]');
  return { minutes, seed };
}

const { minutes, seed } = parseArguments(process.argv.slice(2));
const began = Date.now();
const log = (line: string) => process.stderr.write(`[soak +${((Date.now() - began) / 1000).toFixed(1)}s] ${line}\n`);
// Everything started is stopped here, last started first, by its own handle.
const stops: (() => Promise<unknown>)[] = [];
async function stopAll() {
  while (stops.length > 0) {
    try {
      await stops.pop()!();
    } catch (error) {
      log(`stop failed: ${(error as Error).message}`);
    }
  }
}
process.once('SIGINT', () => {
  log('interrupted: stopping everything started');
  void stopAll().then(() => process.exit(130));
});

async function startS3(): Promise<LocalS3> {
  const prefer = process.env.STORAGE_MANAGER_S3 ?? 's3rver';
  if (prefer !== 's3rver' && prefer !== 'rgw')
    throw new Error(`STORAGE_MANAGER_S3 must be s3rver or rgw, not ${prefer}`);
  return withS3Profile(prefer === 'rgw' ? await startRgw() : await startS3rver());
}

async function main(): Promise<boolean> {
  log(`seed ${seed} (replay the fault schedule with --seed ${seed}), ${minutes} min`);
  const s3 = await startS3();
  stops.push(() => s3.stop());
  const s3Proxy = await startS3Proxy(s3.endpoint);
  stops.push(() => s3Proxy.stop());
  const restartable = await startRestartablePostgres();
  const database = restartable ?? (await startPostgres());
  stops.push(() => database.stop());
  const pg = await startPgProxy(database.url);
  stops.push(() => pg.stop());
  log(
    `s3 ${s3.kind} ${s3.endpoint} behind ${s3Proxy.url}; postgres ${database.url} (${restartable ? 'restartable' : 'PGlite: refusals, no restarts'}) behind ${pg.url}`,
  );
  const databaseSockets = closeDatabaseSocketsOnError(Number(new URL(pg.url).port));
  const stack = createStack({
    port: await freePort(),
    env: {
      S3_ENDPOINT: s3Proxy.url,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: 'true',
      DATABASE_URL: pg.url,
    },
    // Multipart from 5 MiB, so multipart uploads are cheap; builds retried after 1 s, not 30.
    workerBindings: { MULTIPART_THRESHOLD_BYTES: String(5 * MiB), DATASET_BUILD_RETRY_DELAY_SECONDS: '1' },
    log,
  });
  stops.push(() => stack.stop());
  const { url: api, auth } = await stack.start();
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  stops.push(() => sql.end({ timeout: 5 }));
  const lifetimeSeconds = Math.ceil(minutes * 60) + 3600;
  const token = (role: DemoRole) =>
    signJwt(auth.privateJwk, supabaseClaims({ supabaseUrl: auth.supabaseUrl, lifetimeSeconds, ...demoUsers[role] }));
  const [contributorToken, validatorToken, adminToken, companyToken] = await Promise.all(
    (['contributor', 'validator', 'admin', 'company'] as const).map(token),
  );
  log(`stack ready at ${api} in ${((Date.now() - began) / 1000).toFixed(1)} s`);

  const random = seededRandom(seed);
  const traffic = createTraffic();
  const world = createWorld(api, traffic);
  const faults = startFaults({ random: random.fork(0), s3: s3Proxy, pg, postgres: restartable, log });
  stops.push(() => faults.stop());
  const loadStarted = Date.now();
  const actors = [
    ...[1, 2, 3].map((n) => contributor(world, random.fork(n), contributorToken!)),
    ...[0, 1].map((lane) => validator(world, random.fork(10 + lane), validatorToken!, lane, 2)),
    admin(world, random.fork(20), adminToken!, seed),
    company(world, random.fork(30), companyToken!),
  ];
  await sleep(minutes * 60_000);
  world.stop();
  await faults.stop();
  const loadEnded = Date.now();
  log('load over, faults off: waiting for the journeys in flight');
  // Journeys still retrying after this are left unfinished: what they were not answered is not in the ledger.
  await Promise.race([Promise.all(actors), sleep(45_000)]);
  const settled = await settleBuilds(sql, log);

  const checks: Check[] = [
    ...checkTraffic(traffic.exchanges, faults.windows, { began, from: loadStarted, to: loadEnded }),
    ...(await checkStorage(world, sql, s3)),
    ...(await checkDatasets(sql, settled.ms, settled.building)),
    ...(await checkAccessLog(world, sql)),
    ...checkDownloads(world),
  ];
  const gaveUp = [...world.gaveUp].map(([step, n]) => `${step} ×${n}`);
  checks.push({
    name: 'journeys a client gave up after retrying',
    value: gaveUp.join(', ') || '0',
    ok: gaveUp.length === 0 ? null : 'note',
    details: world.gaveUpExamples,
  });
  log(`database connections closed on an unhandled socket error: ${databaseSockets.closed}`);
  const restarts = restartable ? `${restartable.restarts} Postgres restarts by PID` : 'PGlite: no restarts';
  printTable(
    `soak: ${minutes} min, seed ${seed}, S3 ${s3.kind}${s3.profile ? ` (${s3.profile})` : ''}, ${restarts}, wall ${((Date.now() - began) / 1000).toFixed(0)} s`,
    checks,
    (line) => process.stdout.write(`${line}\n`),
  );
  return checks.every((check) => check.ok !== false);
}

main()
  .then(async (passed) => {
    await stopAll();
    process.exit(passed ? 0 : 1);
  })
  .catch(async (error: unknown) => {
    log(`failed: ${(error as Error).stack ?? error}`);
    await stopAll();
    process.exit(1);
  });
