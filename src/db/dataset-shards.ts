import type { MemberSize, ShardRange } from '../datasets/shard-cut';
import type { Transaction } from './client';
import type { DatasetFormat } from './dataset-builds';
import type { DatasetStatus } from './datasets';

// What cutting a dataset into shards reads and records, as service_role (src/datasets/cut.ts).

export interface CutInput {
  id: string;
  name: string;
  format: DatasetFormat;
  status: DatasetStatus;
  /** Null until the dataset has been cut. */
  shardCount: number | null;
  maxMembers: number;
  maxBytes: number;
}

export async function readCutInput(tx: Transaction, datasetId: string): Promise<CutInput | null> {
  const [row] = await tx<
    {
      id: string;
      name: string;
      format: DatasetFormat;
      status: DatasetStatus;
      shard_count: number | null;
      shard_max_members: number;
      shard_max_bytes: string;
    }[]
  >`select id, name, format, status, shard_count, shard_max_members, shard_max_bytes from public.datasets where id = ${datasetId}`;
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    status: row.status,
    shardCount: row.shard_count,
    maxMembers: row.shard_max_members,
    maxBytes: Number(row.shard_max_bytes),
  };
}

/** One keyset page of members after `afterPosition`, in archive order, with what sizes them. */
export async function readMemberSizes(
  tx: Transaction,
  datasetId: string,
  afterPosition: number,
  limit: number,
): Promise<MemberSize[]> {
  const rows = await tx<{ position: number; size: string; text_bytes: number }[]>`
    select m.position, s.size, octet_length(s.content_type) + octet_length(p.pseudonym) as text_bytes
    from public.dataset_members m
    join public.submissions s on s.id = m.submission_id
    join public.profiles p on p.id = s.contributor_id
    where m.dataset_id = ${datasetId} and m.position > ${afterPosition}
    order by m.position
    limit ${limit}`;
  return rows.map((row) => ({ position: row.position, size: Number(row.size), textBytes: row.text_bytes }));
}

/**
 * Records the cut: the shard rows and the dataset's shard count, unless another delivery of the
 * same message recorded one first (then false, and the caller queues nothing). Stamps progress.
 */
export async function recordShards(
  tx: Transaction,
  dataset: Pick<CutInput, 'id'>,
  shards: readonly (ShardRange & { objectKey: string })[],
): Promise<boolean> {
  const [claimed] = await tx<{ id: string }[]>`
    update public.datasets set shard_count = ${shards.length}, progressed_at = now(), build_requeues = 0
    where id = ${dataset.id} and status = 'building' and shard_count is null
    returning id`;
  if (!claimed) return false;
  // As JSON, since with fetch_types off (Hyperdrive) postgres.js cannot send typed arrays.
  const rows = shards.map((shard) => ({
    shard_index: shard.index,
    first_position: shard.firstPosition,
    last_position: shard.lastPosition,
    object_key: shard.objectKey,
  }));
  await tx`
    insert into public.dataset_shards (dataset_id, shard_index, first_position, last_position, object_key)
    select ${dataset.id}, shard_index, first_position, last_position, object_key
    from jsonb_to_recordset(${tx.json(rows)}) as cut(shard_index integer, first_position integer, last_position integer, object_key text)`;
  return true;
}

/** Fails a dataset that cannot be cut (too many shards) before any shard exists. */
export async function markCutFailed(tx: Transaction, datasetId: string, reason: string): Promise<void> {
  await tx`
    update public.datasets set status = 'failed', failure_reason = ${reason}, finished_at = now()
    where id = ${datasetId} and status = 'building' and shard_count is null`;
}

/** The shards still building, to queue (the sweep re-queues a stalled dataset's shards). */
export async function buildingShards(tx: Transaction, datasetId: string): Promise<number[]> {
  const rows = await tx<{ shard_index: number }[]>`
    select shard_index from public.dataset_shards where dataset_id = ${datasetId} and status = 'building' order by shard_index`;
  return rows.map((row) => row.shard_index);
}

/** One member as the dataset manifest lists it: where in the archive order, and in which shard. */
export interface ManifestMember {
  position: number;
  submissionId: string;
  taskId: string;
  contentType: string;
  shardIndex: number;
}

/** One keyset page of the dataset's members after `afterPosition`, each with its shard. */
export async function readManifestPage(
  tx: Transaction,
  datasetId: string,
  afterPosition: number,
  limit: number,
): Promise<ManifestMember[]> {
  const rows = await tx<
    { position: number; submission_id: string; task_id: string; content_type: string; shard_index: number }[]
  >`
    select m.position, s.id as submission_id, s.task_id, s.content_type, h.shard_index
    from public.dataset_members m
    join public.submissions s on s.id = m.submission_id
    join public.dataset_shards h on h.dataset_id = m.dataset_id and m.position between h.first_position and h.last_position
    where m.dataset_id = ${datasetId} and m.position > ${afterPosition}
    order by m.position
    limit ${limit}`;
  return rows.map((row) => ({
    position: row.position,
    submissionId: row.submission_id,
    taskId: row.task_id,
    contentType: row.content_type,
    shardIndex: row.shard_index,
  }));
}
