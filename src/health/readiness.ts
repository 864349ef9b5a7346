import postgres from 'postgres';
import { openDatabase } from '../db/client';
import type { Isolate } from '../isolate';
import { headBucket } from '../s3/objects';
import { ObjectStoreError } from '../s3/send';

/**
 * Readiness: can this Worker serve requests? Its configuration parses, Postgres answers a query
 * through the configured connection, and each bucket answers a signed request with these
 * credentials. Knows nothing of HTTP; src/routes/health/get-readyz.ts answers for it.
 */
export const checkNames = ['config', 'database', 'raw', 'processed', 'assets'] as const;
export type CheckName = (typeof checkNames)[number];
/** `skipped`: not tried, because the configuration it needs did not parse. */
export type CheckOutcome = 'ok' | 'failed' | 'timeout' | 'skipped';
export type Checks = Record<CheckName, CheckOutcome>;

export interface Readiness {
  ready: boolean;
  checks: Checks;
  /** Why each failing check failed, for the log only: error names and codes, never messages from upstream. */
  failures: { check: CheckName; outcome: CheckOutcome; detail: string }[];
}

/**
 * Each check must answer within this, so a probe (load balancers wait 5-10 s) gets an answer even
 * when a dependency hangs; Postgres' own connect timeout (5 s) and S3's (30 s) are longer.
 */
export const checkTimeoutMs = 3000;
/**
 * /readyz is public, and every call would otherwise cost one Postgres connection and three S3
 * requests: an answer is reused per isolate for a few seconds, so a flood of probes costs one
 * check per window. A ready answer for 5 s: an outage shows at most that late. A failed one for
 * 2 s only, since it is what keeps an instance out of rotation once the dependency is back; 2 s
 * still turns a storm of probes against a degraded backend (each check then lasting up to
 * `checkTimeoutMs`) into one check per window. Only settled results are kept (workerd does not let
 * one request wait on another request's I/O), and each window starts when its answer settled.
 */
export const reuseReadyMs = 5000;
export const reuseFailedMs = 2000;

type Outcome = { outcome: 'ok' } | { outcome: 'failed' | 'timeout'; detail: string };

async function bounded(
  work: (signal: AbortSignal) => Promise<unknown>,
  describe: (error: unknown) => string,
): Promise<Outcome> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException('readiness check timeout', 'TimeoutError'));
      resolve({ outcome: 'timeout', detail: `no answer within ${checkTimeoutMs} ms` });
    }, checkTimeoutMs);
  });
  const attempt = work(controller.signal).then(
    (): Outcome => ({ outcome: 'ok' }),
    (error: unknown): Outcome => ({ outcome: 'failed', detail: describe(error) }),
  );
  try {
    return await Promise.race([attempt, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function describeDatabaseError(error: unknown): string {
  if (error instanceof postgres.PostgresError) return `PostgresError ${error.code}`;
  const code = (error as { code?: unknown })?.code;
  return `${(error as Error)?.name ?? 'unknown'}${typeof code === 'string' ? ` ${code}` : ''}`;
}

function describeObjectStoreError(error: unknown): string {
  if (error instanceof ObjectStoreError)
    return `${error.kind}${error.status ? ` ${error.status}` : ''}${error.code ? ` ${error.code}` : ''}`;
  return (error as Error)?.name ?? 'unknown';
}

/**
 * Runs the checks in parallel. `isolate` is the isolate's context, or the ConfigError that
 * building it raised; `defer` keeps the database's closing alive after the answer (ctx.waitUntil).
 */
export async function checkReadiness(
  isolate: Isolate | Error,
  defer: (promise: Promise<unknown>) => void,
  now = Date.now(),
): Promise<Readiness> {
  if (isolate instanceof Error) {
    return {
      ready: false,
      checks: { config: 'failed', database: 'skipped', raw: 'skipped', processed: 'skipped', assets: 'skipped' },
      failures: [{ check: 'config', outcome: 'failed', detail: isolate.message }],
    };
  }
  const previous = isolate.lastReadiness;
  if (previous && now - previous.at < (previous.readiness.ready ? reuseReadyMs : reuseFailedMs))
    return previous.readiness;

  const { config, objectStore: store } = isolate;
  const database = openDatabase(config.databaseUrl);
  const [databaseOutcome, ...bucketOutcomes] = await Promise.all([
    bounded(() => database.sql`select 1`, describeDatabaseError),
    ...(['raw', 'processed', 'assets'] as const).map((bucket) =>
      bounded((signal) => headBucket(store, config.buckets[bucket], signal), describeObjectStoreError),
    ),
  ]);
  defer(database.close().catch(() => {}));

  const outcomes: Record<Exclude<CheckName, 'config'>, Outcome> = {
    database: databaseOutcome!,
    raw: bucketOutcomes[0]!,
    processed: bucketOutcomes[1]!,
    assets: bucketOutcomes[2]!,
  };
  const checks: Checks = { config: 'ok', database: 'ok', raw: 'ok', processed: 'ok', assets: 'ok' };
  const failures: Readiness['failures'] = [];
  for (const [check, result] of Object.entries(outcomes) as [Exclude<CheckName, 'config'>, Outcome][]) {
    checks[check] = result.outcome;
    if (result.outcome !== 'ok') failures.push({ check, outcome: result.outcome, detail: result.detail });
  }
  const readiness: Readiness = { ready: failures.length === 0, checks, failures };
  isolate.lastReadiness = { at: Date.now(), readiness };
  return readiness;
}
