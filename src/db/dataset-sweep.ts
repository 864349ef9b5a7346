import type { Transaction } from './client';

// What the Cron Trigger's sweep (src/datasets/sweep.ts) reads and records, as service_role: the
// building datasets whose `progressed_at` is older than the stall bound. Rows are claimed with
// FOR UPDATE SKIP LOCKED, so overlapping runs never take the same dataset twice.

export interface StallBound {
  stalledSeconds: number;
  maxRequeues: number;
}

/**
 * Counts up to `limit` stalled builds with re-queues left as re-queued now and returns their ids;
 * the caller queues their messages in the same transaction, so a failed send counts nothing.
 */
export async function claimStalledForRequeue(tx: Transaction, bound: StallBound, limit: number): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    update public.datasets set build_requeues = build_requeues + 1, progressed_at = now()
    where id in (
      select id from public.datasets
      where status = 'building' and progressed_at < now() - make_interval(secs => ${bound.stalledSeconds})
        and build_requeues < ${bound.maxRequeues}
      order by progressed_at
      limit ${limit}
      for update skip locked
    )
    returning id`;
  return rows.map((row) => row.id);
}

export interface AbandonedShard {
  shardIndex: number;
  objectKey: string;
  uploadId: string | null;
}

export interface AbandonedBuild {
  id: string;
  /** Its shards that were still building, now failed; their uploads are the caller's to abort. */
  shards: AbandonedShard[];
}

/**
 * Marks the longest-stalled build that has used all its re-queues failed, with `reason`, and with
 * it every shard still building, and drops their recorded parts; returns it, or null when there
 * is none. The uploads are the caller's to abort, after the commit.
 */
export async function failOneStalled(
  tx: Transaction,
  bound: StallBound,
  reason: string,
): Promise<AbandonedBuild | null> {
  const [row] = await tx<{ id: string }[]>`
    update public.datasets set status = 'failed', failure_reason = ${reason}, finished_at = now()
    where id = (
      select id from public.datasets
      where status = 'building' and progressed_at < now() - make_interval(secs => ${bound.stalledSeconds})
        and build_requeues >= ${bound.maxRequeues}
      order by progressed_at
      limit 1
      for update skip locked
    )
    returning id`;
  if (!row) return null;
  const shards = await tx<{ shard_index: number; object_key: string; upload_id: string | null }[]>`
    update public.dataset_shards set status = 'failed', failure_reason = ${reason}, finished_at = now()
    where dataset_id = ${row.id} and status = 'building'
    returning shard_index, object_key, upload_id`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${row.id}`;
  return {
    id: row.id,
    shards: shards
      .map((shard) => ({ shardIndex: shard.shard_index, objectKey: shard.object_key, uploadId: shard.upload_id }))
      .sort((a, b) => a.shardIndex - b.shardIndex),
  };
}
