import { layOutPackage } from '../formats/package-layout';
import { asService, type Database } from '../db/client';
import { readShardBuild } from '../db/dataset-builds';
import { claimStalledForRequeue, failOneStalled, type AbandonedShard } from '../db/dataset-sweep';
import type { DatasetBuildMessage } from '../env';
import type { ObjectStore } from '../s3/store';
import { planUploadParts, type PlannedPart } from './part-plan';
import { releaseArchiveUpload } from './upload-part';

// A build whose queue message is gone (dropped, or dead-lettered after too many deliveries) or
// whose consumer dies before recording anything would stay `building` for ever. The Cron
// Trigger finds such builds by their `progressed_at`, queues a new message for each (the build
// continues from its recorded parts), and once re-queuing has not helped `maxRequeues` times,
// fails the dataset with a reason and aborts its multipart upload, so its parts stop costing
// storage before the bucket's 7-day lifecycle rule would remove them.

export interface SweepSettings {
  store: ObjectStore;
  database: Database;
  processedBucket: string;
  queue: Queue<DatasetBuildMessage>;
  /** No progress for this long makes a build stalled. */
  stalledSeconds: number;
  /** Re-queues of a stalled build before it is failed. */
  maxRequeues: number;
  /** Subrequests the failures of one run may use; at least one build is failed if any is due. */
  subrequestBudget: number;
}

export interface SweepOutcome {
  requeued: string[];
  /** `uploadAborted` is null when no shard had started its upload, else whether every abort succeeded. */
  failed: { id: string; uploadAborted: boolean | null }[];
}

// Queues: one sendBatch carries at most 100 messages; more stalled builds wait for the next run.
const requeueBatch = 100;

// The two transactions of a failure (the claim, then the read of its members), counted as
// statements (src/datasets/part-cost.ts counts the same way).
const failureStatements = 12;

export async function sweepStalledBuilds(settings: SweepSettings): Promise<SweepOutcome> {
  const bound = { stalledSeconds: settings.stalledSeconds, maxRequeues: settings.maxRequeues };
  const reason = `the build stalled: nothing recorded for ${Math.round(settings.stalledSeconds / 60)} minutes, even after ${settings.maxRequeues} re-queues`;
  const failed: SweepOutcome['failed'] = [];
  for (let spent = 0; spent < settings.subrequestBudget; ) {
    const abandoned = await asService(settings.database, (tx) => failOneStalled(tx, bound, reason));
    if (!abandoned) break;
    let aborted: boolean | null = null;
    spent += failureStatements;
    for (const shard of abandoned.shards) {
      // Past the budget, uploads are left to the bucket's 7-day lifecycle rule for incomplete uploads.
      if (spent >= settings.subrequestBudget) break;
      const released = await releaseUpload(settings, abandoned.id, shard);
      if (released.aborted !== null) aborted = (aborted ?? true) && released.aborted;
      spent += failureStatements + released.subrequests;
    }
    failed.push({ id: abandoned.id, uploadAborted: aborted });
  }
  const requeued = await asService(settings.database, async (tx) => {
    const ids = await claimStalledForRequeue(tx, bound, requeueBatch);
    // Sent inside the transaction, as POST /v1/datasets does: if queuing fails, no re-queue is
    // counted. A dataset's message queues its building shards (src/datasets/cut.ts).
    if (ids.length > 0) await settings.queue.sendBatch(ids.map((datasetId) => ({ body: { datasetId } })));
    return ids;
  });
  return { requeued, failed };
}

/**
 * Releases a failed shard's upload (releaseArchiveUpload), as a failing build does itself.
 * Returns whether the abort succeeded and the subrequests it took.
 */
async function releaseUpload(
  settings: SweepSettings,
  datasetId: string,
  build: AbandonedShard,
): Promise<{ aborted: boolean | null; subrequests: number }> {
  if (!build.uploadId) return { aborted: null, subrequests: 0 };
  let parts: PlannedPart[] = [];
  const recorded = await asService(settings.database, (tx) => readShardBuild(tx, datasetId, build.shardIndex));
  try {
    parts = recorded ? planUploadParts(layOutPackage(recorded.members, recorded.format).container).parts : [];
  } catch {
    // No plan, no composed parts: a build that cannot be planned never uploaded any.
  }
  const target = { store: settings.store, processedBucket: settings.processedBucket, objectKey: build.objectKey };
  const aborted = await releaseArchiveUpload(target, build.uploadId, parts);
  return { aborted, subrequests: 1 + parts.filter((part) => part.kind === 'composed').length };
}
