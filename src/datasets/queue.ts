import { openDatabase } from '../db/client';
import type { Bindings, DatasetBuildMessage } from '../env';
import { uuidPattern } from '../ids';
import { isolateFor } from '../isolate';
import { log } from '../log';
import { buildDataset } from './build';

// Deliveries of a message whose dataset cannot be found before it is dropped.
const missingDatasetAttempts = 5;

/**
 * The dataset build queue's consumer. Each message is one attempt at one dataset; the outcome
 * decides what happens to the message: done (ack), continue in a fresh invocation (a new message,
 * so a long build is not counted as failing), or retry later (Queues redelivers; progress is in
 * the database). A consumer that dies mid-attempt never acks, so Queues redelivers then too.
 */
export async function consumeDatasetBuilds(batch: MessageBatch<DatasetBuildMessage>, env: Bindings): Promise<void> {
  const { config, objectStore } = isolateFor(env);
  const database = openDatabase(config.databaseUrl);
  try {
    for (const message of batch.messages) {
      const datasetId = message.body?.datasetId;
      if (typeof datasetId !== 'string' || !uuidPattern.test(datasetId)) {
        log('error', 'dataset build: malformed message', { messageId: message.id });
        message.ack();
        continue;
      }
      const started = Date.now();
      const outcome = await buildDataset(datasetId, {
        store: objectStore,
        database,
        rawBucket: config.buckets.raw,
        processedBucket: config.buckets.processed,
        concurrency: config.datasets.buildConcurrency,
        deadline: started + config.datasets.sliceSeconds * 1000,
        maxFailedAttempts: config.datasets.failedAttempts,
        subrequestBudget: config.datasets.subrequestBudget,
      }).catch((error: unknown) => ({
        kind: 'retry' as const,
        reason: error instanceof Error ? error.name : 'unknown',
      }));
      log(outcome.kind === 'failed' ? 'error' : 'info', 'dataset build', {
        datasetId,
        ms: Date.now() - started,
        ...outcome,
      });
      if (outcome.kind === 'continue') {
        await env.DATASET_BUILDS.send({ datasetId });
        message.ack();
      } else if (outcome.kind === 'missing' && message.attempts < missingDatasetAttempts) {
        // The message is sent inside the transaction that records the dataset, so it can arrive
        // before the commit; after a few tries the commit has evidently failed.
        message.retry({ delaySeconds: 1 });
      } else if (outcome.kind === 'retry') {
        message.retry({ delaySeconds: config.datasets.retryDelaySeconds });
      } else {
        message.ack();
      }
    }
  } finally {
    await database.close();
  }
}
