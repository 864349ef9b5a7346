import { openDatabase } from '../db/client';
import type { Bindings } from '../env';
import { isolateFor } from '../isolate';
import { log } from '../log';
import { sweepStalledBuilds } from './sweep';

/** The Cron Trigger (wrangler.toml [triggers]): sweeps dataset builds nobody is working on. */
export async function runScheduledSweep(env: Bindings): Promise<void> {
  const { config, objectStore } = isolateFor(env);
  const database = openDatabase(config.databaseUrl);
  const started = Date.now();
  try {
    const outcome = await sweepStalledBuilds({
      store: objectStore,
      database,
      processedBucket: config.buckets.processed,
      queue: env.DATASET_BUILDS,
      stalledSeconds: config.datasets.stallMinutes * 60,
      maxRequeues: config.datasets.requeues,
      subrequestBudget: config.datasets.subrequestBudget,
    });
    const level = outcome.failed.length > 0 ? 'error' : outcome.requeued.length > 0 ? 'warn' : 'info';
    log(level, 'dataset build sweep', { ms: Date.now() - started, ...outcome });
  } finally {
    await database.close();
  }
}
