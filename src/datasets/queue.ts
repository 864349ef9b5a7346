import { openDatabase } from '../db/client';
import type { Bindings, DatasetBuildMessage } from '../env';
import { uuidPattern } from '../ids';
import { isolateFor } from '../isolate';
import { log } from '../log';
import { buildShard, type BuildOutcome } from './build';
import { cutDataset, cutPageSize, type CutOutcome } from './cut';

// Deliveries of a message whose dataset cannot be found before it is dropped.
const missingDatasetAttempts = 5;

/**
 * The dataset build queue's consumer. A message without a shard cuts the dataset into shards and
 * queues one message per shard; each shard message is one attempt at one shard; the outcome
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
      const shard = message.body?.shard;
      if (
        typeof datasetId !== 'string' ||
        !uuidPattern.test(datasetId) ||
        (shard !== undefined && !(Number.isInteger(shard) && shard >= 0))
      ) {
        log('error', 'dataset build: malformed message', { messageId: message.id });
        message.ack();
        continue;
      }
      const started = Date.now();
      const attempt: Promise<BuildOutcome | CutOutcome> =
        shard === undefined
          ? cutDataset(datasetId, {
              database,
              store: objectStore,
              processedBucket: config.buckets.processed,
              queue: env.DATASET_BUILDS,
              pageSize: cutPageSize,
            })
          : buildShard(datasetId, shard, {
              store: objectStore,
              database,
              rawBucket: config.buckets.raw,
              processedBucket: config.buckets.processed,
              concurrency: config.datasets.buildConcurrency,
              deadline: started + config.datasets.sliceSeconds * 1000,
              maxFailedAttempts: config.datasets.failedAttempts,
              subrequestBudget: config.datasets.subrequestBudget,
            });
      const outcome = await attempt.catch((error: unknown) => ({
        kind: 'retry' as const,
        reason: error instanceof Error ? error.name : 'unknown',
      }));
      log(outcome.kind === 'failed' ? 'error' : 'info', 'dataset build', {
        datasetId,
        shard,
        ms: Date.now() - started,
        ...outcome,
      });
      if (outcome.kind === 'continue') {
        await env.DATASET_BUILDS.send({ datasetId, shard });
        message.ack();
      } else if (outcome.kind === 'ready' && 'lastShard' in outcome && outcome.lastShard) {
        // The dataset's own message finishes it (manifest, index, ready) with a fresh budget.
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
