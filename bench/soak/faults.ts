// The fault injector: at seeded random moments, one fault for a seeded random while. S3 faults go
// through test/support/s3-proxy.ts (which every S3 request passes, the Worker's and the clients'
// presigned ones); a Postgres restart stops the server by its PID and starts it again, while
// test/support/pg-proxy.ts in front of it answers new connections as a PostgreSQL shutting down does.
import type { PgProxy } from '../../test/support/pg-proxy';
import type { Fault, SeenRequest } from '../../test/support/s3-proxy';
import type { RestartablePostgres } from './postgres';
import type { Random } from './random';
import { sleep } from './traffic';

export interface FaultWindow {
  kind: string;
  started: number;
  ended: number;
  /** Requests the fault was applied to (S3), or 1 for a restart. */
  hits: number;
}

interface S3Proxy {
  inject(matches: (request: SeenRequest) => boolean, fault: Fault, times?: number): void;
  clear(): void;
}

const s3Faults: { kind: string; fault: (random: Random) => Fault }[] = [
  { kind: 'S3 500', fault: () => ({ kind: 'status', status: 500, code: 'InternalError' }) },
  { kind: 'S3 503', fault: () => ({ kind: 'status', status: 503, code: 'SlowDown' }) },
  { kind: 'S3 refuse', fault: () => ({ kind: 'refuse' }) },
  { kind: 'S3 drop answer', fault: (random) => ({ kind: 'drop', afterBytes: random.int(0, 64 * 1024) }) },
  { kind: 'S3 cut request', fault: (random) => ({ kind: 'cut-request', afterBytes: random.int(0, 64 * 1024) }) },
  { kind: 'S3 lose answer', fault: () => ({ kind: 'lose-answer', status: 500, code: 'InternalError' }) },
];

const methods = ['any', 'GET', 'PUT', 'POST', 'HEAD'] as const;

export function startFaults({
  random,
  s3,
  pg,
  postgres,
  log,
}: {
  random: Random;
  s3: S3Proxy;
  pg: PgProxy;
  postgres: RestartablePostgres | undefined;
  log: (line: string) => void;
}) {
  const windows: FaultWindow[] = [];
  let stopped = false;

  async function s3Fault() {
    const { kind, fault } = random.pick(s3Faults);
    const method = random.pick(methods);
    const times = random.int(1, 6);
    const lasting = random.int(1000, 4000);
    const window: FaultWindow = { kind, started: Date.now(), ended: 0, hits: 0 };
    s3.inject(
      (request) => {
        const hit = method === 'any' || request.method === method;
        if (hit) window.hits += 1;
        return hit;
      },
      fault(random),
      times,
    );
    await pause(lasting);
    s3.clear();
    window.ended = Date.now();
    windows.push(window);
    log(`fault ${kind} on ${method} ×${times} for ${lasting} ms: ${window.hits} hit`);
  }

  async function postgresRestart() {
    const downMs = random.int(200, 2500);
    const window: FaultWindow = { kind: 'Postgres restart', started: Date.now(), ended: 0, hits: 1 };
    pg.refuse(true);
    try {
      await postgres!.restart(downMs);
    } finally {
      pg.refuse(false);
      window.ended = Date.now();
      windows.push(window);
    }
    log(`fault Postgres restart: down ${downMs} ms, back in ${window.ended - window.started} ms, pid ${postgres!.pid}`);
  }

  /** Without restartable binaries (PGlite), new connections are refused for a while instead. */
  async function postgresRefusal() {
    const window: FaultWindow = { kind: 'Postgres refusing', started: Date.now(), ended: 0, hits: 1 };
    pg.refuse(true);
    await pause(random.int(500, 2500));
    pg.refuse(false);
    window.ended = Date.now();
    windows.push(window);
  }

  /** Sleeps `ms`, or less once stopped, so that stopping does not wait out a long gap. */
  const pause = async (ms: number) => {
    for (const until = Date.now() + ms; !stopped && Date.now() < until; )
      await sleep(Math.min(100, until - Date.now()));
  };

  const loop = (async () => {
    while (!stopped) {
      await pause(random.int(1500, 5000));
      if (stopped) break;
      if (random.chance(0.2)) await (postgres ? postgresRestart() : postgresRefusal());
      else await s3Fault();
    }
  })();

  return {
    windows,
    /** Ends the current fault, and injects no more. */
    async stop() {
      stopped = true;
      await loop;
      s3.clear();
      pg.clear();
    },
  };
}
