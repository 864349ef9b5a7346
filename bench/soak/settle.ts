// After the load: the dataset builds still running are given a bounded time to finish.
//
// The Cron Trigger's sweep (src/datasets/cron.ts) is not run: it only re-queues builds that have
// recorded nothing for DATASET_BUILD_STALL_MINUTES, at least 5 (src/env.ts), so within this wait
// it would find none; and under wrangler 4.86's unstable_startWorker, /cdn-cgi/handler/scheduled
// answers 500 (DataCloneError: ScheduledController cannot be serialised) before the handler
// runs. Builds retry themselves through the queue (DATASET_BUILD_RETRY_DELAY_SECONDS is 1 here);
// any still building after the bound is named as broken.
import type postgres from 'postgres';
import { sleep } from './traffic';

export async function settleBuilds(sql: postgres.Sql, log: (line: string) => void, boundMs = 180_000) {
  const started = Date.now();
  for (;;) {
    const building = await sql<{ id: string }[]>`select id from public.datasets where status = 'building'`;
    if (building.length === 0 || Date.now() - started > boundMs) {
      log(`builds settled in ${((Date.now() - started) / 1000).toFixed(1)} s, ${building.length} still building`);
      return { ms: Date.now() - started, building: building.map((row) => row.id) };
    }
    await sleep(500);
  }
}
