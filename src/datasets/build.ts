import { layOutPackage, packageFormats } from '../formats/package-layout';
import { asService, type Database } from '../db/client';
import {
  everyShardReady,
  forgetUpload,
  markShardFailed,
  markShardReady,
  readShardBuild,
  recordFailedAttempt,
  recordFinishedPart,
  recordUploadId,
} from '../db/dataset-builds';
import type { ObjectStore } from '../s3/store';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload } from '../s3/multipart';
import { headObject, type ObjectHead } from '../s3/objects';
import { ObjectStoreError } from '../s3/send';
import { partSubrequests } from './part-cost';
import { PartPlanError, planUploadParts, type PlannedPart } from './part-plan';
import {
  deleteComposedParts,
  MemberReadError,
  releaseArchiveUpload,
  uploadPlannedPart,
  type ArchiveTarget,
} from './upload-part';

export interface BuildSettings {
  store: ObjectStore;
  database: Database;
  rawBucket: string;
  processedBucket: string;
  /** Parts in flight at once; each holds at most one connection waiting for headers. */
  concurrency: number;
  /**
   * No part is started after this moment (ms since 1970), except one per lane so that every
   * invocation makes progress; the build continues in a new invocation.
   */
  deadline: number;
  /** Failed attempts of a shard after which it, and so the dataset, is marked failed. */
  maxFailedAttempts: number;
  /**
   * Subrequests the parts of one invocation may use (src/datasets/part-cost.ts): no part is
   * started that would pass it, except the first, so every invocation makes progress. A part
   * that alone needs more can never be uploaded, and fails the build.
   */
  subrequestBudget: number;
}

/** A failure no retry can mend: a member gone from the raw bucket, an archive S3 cannot hold. */
export class PermanentBuildError extends Error {
  override name = 'PermanentBuildError';
}

export type BuildOutcome =
  /**
   * The shard is ready; `lastShard` when every shard of the dataset now is, so the dataset's
   * message is to be queued to finish it (src/datasets/cut.ts).
   */
  | { kind: 'ready'; bytes: number; uploadedParts: number; lastShard: boolean }
  | { kind: 'continue'; uploadedParts: number }
  /** `failedAttempts` is absent when the attempt did not count as a failure. */
  | { kind: 'retry'; reason: string; failedAttempts?: number }
  | { kind: 'failed'; reason: string }
  /** No such shard: its dataset not committed or cut yet (messages are sent inside the transaction), or never. */
  | { kind: 'missing' }
  | { kind: 'skipped' };

/**
 * One attempt at packaging one shard of a dataset: plans its archive exactly as a bundle of the
 * shard's members, uploads the parts no earlier attempt finished (each recorded as S3 accepts it),
 * completes the upload and marks the shard ready; when it is the last, the dataset's message is
 * queued to finish the dataset. A transient failure leaves the progress for the next attempt; a permanent
 * one, or too many failures, aborts the upload and marks the shard and the dataset failed.
 */
export async function buildShard(
  datasetId: string,
  shardIndex: number,
  settings: BuildSettings,
): Promise<BuildOutcome> {
  const build = await asService(settings.database, (tx) => readShardBuild(tx, datasetId, shardIndex));
  if (!build) return { kind: 'missing' };
  // A delivery that finds its shard ready may be the one whose finishing message was never sent.
  if (build.status === 'ready') {
    const lastShard = await asService(settings.database, (tx) => everyShardReady(tx, datasetId));
    return lastShard ? { kind: 'ready', bytes: 0, uploadedParts: 0, lastShard } : { kind: 'skipped' };
  }
  if (build.status !== 'building') return { kind: 'skipped' };
  let uploadId = build.uploadId;
  let parts: PlannedPart[] = [];
  // Deleted once per invocation at most, so its count is bounded by the parts (wrangler.toml [limits]).
  let composedDeleted = false;
  const archive = { store: settings.store, processedBucket: settings.processedBucket, objectKey: build.objectKey };
  try {
    const layout = layOutPackage(build.members, build.format);
    parts = planUploadParts(layout.container).parts;
    const costs = new Map(
      parts.map((part) => [part.partNumber, partSubrequests(layout.container, part, settings.store.copySupport.mode)]),
    );
    for (const [partNumber, cost] of costs) {
      if (cost > settings.subrequestBudget) {
        throw new PermanentBuildError(
          `part ${partNumber} needs up to ${cost} subrequests (4 per member it holds), more than one invocation may make: ${settings.subrequestBudget} (DATASET_BUILD_SUBREQUESTS)`,
        );
      }
    }
    if (!uploadId) {
      const created = await createMultipartUpload(
        settings.store,
        settings.processedBucket,
        build.objectKey,
        packageFormats[build.format].contentType,
      );
      uploadId = await asService(settings.database, (tx) => recordUploadId(tx, datasetId, shardIndex, created));
      if (uploadId !== created) {
        await abortMultipartUpload(settings.store, settings.processedBucket, build.objectKey, created).catch(() => {});
        if (!uploadId) return { kind: 'skipped' };
        return { kind: 'retry', reason: 'another attempt started the upload' };
      }
    }
    const target: ArchiveTarget = {
      store: settings.store,
      rawBucket: settings.rawBucket,
      processedBucket: settings.processedBucket,
      objectKey: build.objectKey,
      uploadId,
      layout,
    };
    const etags = new Map<number, string>();
    for (const part of parts) {
      const finished = build.finishedParts.get(part.partNumber);
      if (finished && finished.size === part.archiveEnd - part.archiveStart) etags.set(part.partNumber, finished.etag);
    }
    const remaining = parts.filter((part) => !etags.has(part.partNumber));
    const uploaded = await uploadParts(
      remaining,
      (part) => costs.get(part.partNumber)!,
      settings,
      async (part) => {
        const etag = await uploadPlannedPart(target, part).catch((error: unknown) =>
          explainPartFailure(target, part, error),
        );
        await asService(settings.database, (tx) =>
          recordFinishedPart(tx, datasetId, shardIndex, {
            partNumber: part.partNumber,
            etag,
            size: part.archiveEnd - part.archiveStart,
          }),
        );
        etags.set(part.partNumber, etag);
      },
    );
    if (etags.size < parts.length) return { kind: 'continue', uploadedParts: uploaded };

    const stored = await completeArchive(
      settings,
      { datasetId, shardIndex },
      build.objectKey,
      uploadId,
      parts.map((part) => ({ partNumber: part.partNumber, etag: etags.get(part.partNumber)! })),
    );
    if (stored.size !== layout.container.totalLength) {
      throw new PermanentBuildError(
        `the stored shard has ${stored.size} bytes, the plan ${layout.container.totalLength}`,
      );
    }
    composedDeleted = true;
    await deleteComposedParts(archive, parts);
    const notReady = await asService(settings.database, (tx) =>
      markShardReady(tx, datasetId, shardIndex, {
        bytes: stored.size,
        entries: layout.entries,
        etag: stored.etag ?? '',
      }),
    );
    return { kind: 'ready', bytes: stored.size, uploadedParts: uploaded, lastShard: notReady === 0 };
  } catch (error) {
    const permanent = error instanceof PermanentBuildError || error instanceof PartPlanError;
    const reason = describeFailure(error);
    const failedAttempts = permanent
      ? settings.maxFailedAttempts
      : await asService(settings.database, (tx) => recordFailedAttempt(tx, datasetId, shardIndex));
    if (failedAttempts < settings.maxFailedAttempts) return { kind: 'retry', reason, failedAttempts };
    // Composed parts exist only once the upload has started.
    if (uploadId) await releaseArchiveUpload(archive, uploadId, composedDeleted ? [] : parts);
    await asService(settings.database, (tx) => markShardFailed(tx, datasetId, shardIndex, reason));
    return { kind: 'failed', reason };
  }
}

/**
 * CompleteMultipartUpload, then a HEAD of what S3 stored. An attempt that completed the upload
 * and died before recording it leaves an upload S3 no longer knows (404); the HEAD then decides
 * whether the archive is there. When it is not, the upload is dropped and the next attempt
 * starts over.
 */
async function completeArchive(
  settings: BuildSettings,
  shard: { datasetId: string; shardIndex: number },
  objectKey: string,
  uploadId: string,
  parts: { partNumber: number; etag: string }[],
): Promise<ObjectHead> {
  const isNotFound = (error: unknown) => error instanceof ObjectStoreError && error.kind === 'not_found';
  await completeMultipartUpload(settings.store, settings.processedBucket, objectKey, uploadId, parts).catch(
    (error: unknown) => {
      if (!isNotFound(error)) throw error;
    },
  );
  return headObject(settings.store, settings.processedBucket, objectKey).catch(async (error: unknown) => {
    if (!isNotFound(error)) throw error;
    // Aborted too, in case S3 does know it after all: nothing may keep paying for its parts.
    await abortMultipartUpload(settings.store, settings.processedBucket, objectKey, uploadId).catch(() => {});
    await asService(settings.database, (tx) => forgetUpload(tx, shard.datasetId, shard.shardIndex));
    throw new ObjectStoreError('unavailable', 'the multipart upload is gone and no archive was stored; starting over');
  });
}

/**
 * Uploads parts in order with bounded concurrency until all are done, one fails, the deadline
 * passes or the next part would overspend the subrequest budget. After a failure no new part
 * starts, but parts in flight finish and are recorded, so the next attempt does not send them
 * again. Returns how many parts were uploaded.
 */
async function uploadParts(
  parts: PlannedPart[],
  cost: (part: PlannedPart) => number,
  settings: BuildSettings,
  upload: (part: PlannedPart) => Promise<void>,
): Promise<number> {
  let next = 0;
  let uploaded = 0;
  let spent = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    for (
      let first = true;
      failure === null && next < parts.length && (first || Date.now() < settings.deadline);
      first = false
    ) {
      const part = parts[next]!;
      if (spent > 0 && spent + cost(part) > settings.subrequestBudget) return;
      next++;
      spent += cost(part);
      try {
        await upload(part);
        uploaded++;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, parts.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return uploaded;
}

/**
 * A copy that S3 answers with 404 names a missing source or a missing upload, and Ceph calls
 * both NoSuchKey; the member's object settles which. A missing member is permanent.
 */
async function explainPartFailure(target: ArchiveTarget, part: PlannedPart, error: unknown): Promise<never> {
  if (error instanceof MemberReadError) {
    const cause = error.cause;
    if (cause instanceof ObjectStoreError && cause.kind === 'not_found') {
      throw new PermanentBuildError(
        error.memberIndex === undefined
          ? `a member of part ${part.partNumber} is missing from the raw bucket`
          : `member ${memberNameOf(target, error.memberIndex)} is missing from the raw bucket`,
      );
    }
    throw cause instanceof ObjectStoreError ? cause : error;
  }
  if (error instanceof ObjectStoreError && error.kind === 'not_found') {
    for (const piece of part.pieces) {
      if (piece.kind !== 'copy') continue;
      const key = target.layout.objectKeys[piece.memberIndex]!;
      const present = await headObject(target.store, target.rawBucket, key).then(
        () => true,
        (headError: unknown) => !(headError instanceof ObjectStoreError && headError.kind === 'not_found'),
      );
      if (!present)
        throw new PermanentBuildError(
          `member ${memberNameOf(target, piece.memberIndex)} is missing from the raw bucket`,
        );
    }
  }
  if (error instanceof ObjectStoreError && error.kind === 'rejected' && error.status !== 403) {
    throw new PermanentBuildError(
      `the object store refused part ${part.partNumber}: ${error.code ?? error.status ?? 'unknown'}`,
    );
  }
  throw error;
}

/** A reason safe to show admins: our own typed messages, never an upstream body or a stack. */
function describeFailure(error: unknown): string {
  if (error instanceof PermanentBuildError || error instanceof PartPlanError || error instanceof ObjectStoreError)
    return error.message;
  return 'internal error';
}

function memberNameOf(target: ArchiveTarget, memberIndex: number): string {
  return target.layout.container.storedBodies.find((body) => body.index === memberIndex)?.name ?? `#${memberIndex}`;
}
