import { toDatasetMemberRecord, type DatasetMemberRecord, type DatasetMemberRow } from './archive-members';
import type { Transaction } from './client';
import type { DatasetStatus } from './datasets';

/** The formats a dataset may be packaged in. */
export type DatasetFormat = 'zip' | 'parquet' | 'webdataset';

// What the build job reads and records for one shard. It runs as service_role (asService), which
// is granted exactly these tables. Every record of progress also stamps the dataset's
// `progressed_at` (and clears the sweep's re-queue count), so src/datasets/sweep.ts can tell a
// build that moves from one nobody is working on.

export interface ShardBuild {
  datasetId: string;
  datasetName: string;
  shardIndex: number;
  shardCount: number;
  format: DatasetFormat;
  status: DatasetStatus;
  objectKey: string;
  uploadId: string | null;
  /** The shard's members, in archive order: at most the dataset's shard_max_members. */
  members: DatasetMemberRecord[];
  /** Parts S3 has accepted in earlier attempts, by part number. */
  finishedParts: Map<number, { etag: string; size: number }>;
}

/** The shard with its frozen members and recorded progress; null when there is no such shard. */
export async function readShardBuild(
  tx: Transaction,
  datasetId: string,
  shardIndex: number,
): Promise<ShardBuild | null> {
  const [shard] = await tx<
    {
      name: string;
      shard_count: number;
      format: DatasetFormat;
      status: DatasetStatus;
      object_key: string;
      upload_id: string | null;
      first_position: number;
      last_position: number;
    }[]
  >`
    select d.name, d.shard_count, d.format, s.status, s.object_key, s.upload_id, s.first_position, s.last_position
    from public.dataset_shards s join public.datasets d on d.id = s.dataset_id
    where s.dataset_id = ${datasetId} and s.shard_index = ${shardIndex}`;
  if (!shard) return null;
  const members = await tx<DatasetMemberRow[]>`
    select s.id as submission_id, s.task_id, p.pseudonym as contributor_pseudonym, s.content_type, s.size, s.crc32,
      s.sha256, s.uploaded_at, s.object_key, s.created_at, s.reviewed_at
    from public.dataset_members m
    join public.submissions s on s.id = m.submission_id
    join public.profiles p on p.id = s.contributor_id
    where m.dataset_id = ${datasetId} and m.position between ${shard.first_position} and ${shard.last_position}
    order by m.position`;
  const parts = await tx<{ part_number: number; etag: string; size: string }[]>`
    select part_number, etag, size from public.dataset_build_parts
    where dataset_id = ${datasetId} and shard_index = ${shardIndex}`;
  return {
    datasetId,
    datasetName: shard.name,
    shardIndex,
    shardCount: shard.shard_count,
    format: shard.format,
    status: shard.status,
    objectKey: shard.object_key,
    uploadId: shard.upload_id,
    members: members.map(toDatasetMemberRecord),
    finishedParts: new Map(parts.map((part) => [part.part_number, { etag: part.etag, size: Number(part.size) }])),
  };
}

/** A statement fragment: the dataset moved, so the sweep leaves it alone. */
function stampProgress(tx: Transaction, datasetId: string) {
  return tx`update public.datasets set progressed_at = now(), build_requeues = 0 where id = ${datasetId}`;
}

/**
 * Records the shard's multipart upload, unless another delivery of the same message (Queues
 * delivers at least once) recorded one first: then that one is returned, and the caller aborts
 * its own.
 */
export async function recordUploadId(
  tx: Transaction,
  datasetId: string,
  shardIndex: number,
  uploadId: string,
): Promise<string | null> {
  const [recorded] = await tx<{ upload_id: string }[]>`
    update public.dataset_shards set upload_id = ${uploadId}
    where dataset_id = ${datasetId} and shard_index = ${shardIndex} and status = 'building' and upload_id is null
    returning upload_id`;
  if (recorded) {
    await stampProgress(tx, datasetId);
    return recorded.upload_id;
  }
  const [existing] = await tx<{ upload_id: string | null }[]>`
    select upload_id from public.dataset_shards where dataset_id = ${datasetId} and shard_index = ${shardIndex}`;
  return existing?.upload_id ?? null;
}

/** Drops a multipart upload S3 no longer knows, and its parts: the next attempt starts over. */
export async function forgetUpload(tx: Transaction, datasetId: string, shardIndex: number): Promise<void> {
  await tx`update public.dataset_shards set upload_id = null where dataset_id = ${datasetId} and shard_index = ${shardIndex} and status = 'building'`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${datasetId} and shard_index = ${shardIndex}`;
  await stampProgress(tx, datasetId);
}

/** One statement, so recording a part costs the build one round trip. */
export async function recordFinishedPart(
  tx: Transaction,
  datasetId: string,
  shardIndex: number,
  part: { partNumber: number; etag: string; size: number },
): Promise<void> {
  await tx`
    with recorded as (
      insert into public.dataset_build_parts (dataset_id, shard_index, part_number, etag, size)
      values (${datasetId}, ${shardIndex}, ${part.partNumber}, ${part.etag}, ${part.size})
      on conflict (dataset_id, shard_index, part_number) do update set etag = excluded.etag, size = excluded.size
      returning dataset_id
    )
    update public.datasets set progressed_at = now(), build_requeues = 0 where id in (select dataset_id from recorded)`;
}

/**
 * Counts a failed attempt of the shard and returns how many it has had; the dataset's
 * failed_attempts counts those of all its shards.
 */
export async function recordFailedAttempt(tx: Transaction, datasetId: string, shardIndex: number): Promise<number> {
  const [row] = await tx<{ failed_attempts: number }[]>`
    with counted as (
      update public.dataset_shards set failed_attempts = failed_attempts + 1
      where dataset_id = ${datasetId} and shard_index = ${shardIndex}
      returning failed_attempts
    ), stamped as (
      update public.datasets set failed_attempts = failed_attempts + 1, progressed_at = now(), build_requeues = 0
      where id = ${datasetId}
    )
    select failed_attempts from counted`;
  return row?.failed_attempts ?? 0;
}

/**
 * Marks the shard ready and returns how many of the dataset's shards are not. The dataset's row
 * is locked first, so of shards finishing at once exactly one sees none left.
 */
export async function markShardReady(
  tx: Transaction,
  datasetId: string,
  shardIndex: number,
  result: { bytes: number; entries: number; etag: string },
): Promise<number> {
  await tx`select id from public.datasets where id = ${datasetId} for update`;
  await tx`
    update public.dataset_shards
    set status = 'ready', bytes = ${result.bytes}, entries = ${result.entries}, etag = ${result.etag}, finished_at = now(),
      failure_reason = null
    where dataset_id = ${datasetId} and shard_index = ${shardIndex} and status = 'building'`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${datasetId} and shard_index = ${shardIndex}`;
  await stampProgress(tx, datasetId);
  const [row] = await tx<{ remaining: number }[]>`
    select count(*)::integer as remaining from public.dataset_shards where dataset_id = ${datasetId} and status <> 'ready'`;
  return row?.remaining ?? 0;
}

/** Fails the shard for good, and with it the dataset, whose reason names the shard. */
export async function markShardFailed(
  tx: Transaction,
  datasetId: string,
  shardIndex: number,
  reason: string,
): Promise<void> {
  await tx`
    update public.dataset_shards set status = 'failed', failure_reason = ${reason}, finished_at = now()
    where dataset_id = ${datasetId} and shard_index = ${shardIndex} and status = 'building'`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${datasetId} and shard_index = ${shardIndex}`;
  await tx`
    update public.datasets
    set status = 'failed', finished_at = now(),
      failure_reason = case when shard_count = 1 then ${reason} else 'shard ' || ${shardIndex}::text || ': ' || ${reason} end
    where id = ${datasetId} and status = 'building'`;
}

/** Whether the dataset is building with every shard ready: only its finishing is left. */
export async function everyShardReady(tx: Transaction, datasetId: string): Promise<boolean> {
  const [row] = await tx<{ ready: boolean }[]>`
    select d.status = 'building' and not exists (
      select 1 from public.dataset_shards s where s.dataset_id = d.id and s.status <> 'ready'
    ) as ready
    from public.datasets d where d.id = ${datasetId}`;
  return row?.ready ?? false;
}

export interface ShardSummary {
  index: number;
  objectKey: string;
  bytes: number;
  entries: number;
  etag: string;
  firstMember: string;
  lastMember: string;
}

/** Every shard of a dataset whose shards are all ready, with its first and last member. */
export async function readReadyShards(tx: Transaction, datasetId: string): Promise<ShardSummary[]> {
  const rows = await tx<
    {
      shard_index: number;
      object_key: string;
      bytes: string;
      entries: number;
      etag: string;
      first_member: string;
      last_member: string;
    }[]
  >`
    select s.shard_index, s.object_key, s.bytes, s.entries, s.etag,
      (select m.submission_id from public.dataset_members m where m.dataset_id = s.dataset_id and m.position = s.first_position) as first_member,
      (select m.submission_id from public.dataset_members m where m.dataset_id = s.dataset_id and m.position = s.last_position) as last_member
    from public.dataset_shards s
    where s.dataset_id = ${datasetId} and s.status = 'ready'
    order by s.shard_index`;
  return rows.map((row) => ({
    index: row.shard_index,
    objectKey: row.object_key,
    bytes: Number(row.bytes),
    entries: row.entries,
    etag: row.etag,
    firstMember: row.first_member,
    lastMember: row.last_member,
  }));
}

/**
 * Marks the dataset ready once every shard is: its bytes and entries are the shards' sums; its
 * ETag is the one archive's for a single shard, else the index object's.
 */
export async function markDatasetReady(tx: Transaction, datasetId: string, etag: string): Promise<boolean> {
  const rows = await tx`
    update public.datasets d
    set status = 'ready', etag = ${etag}, finished_at = now(), failure_reason = null,
      bytes = (select sum(s.bytes) from public.dataset_shards s where s.dataset_id = d.id),
      entries = (select sum(s.entries) from public.dataset_shards s where s.dataset_id = d.id)
    where d.id = ${datasetId} and d.status = 'building'
      and not exists (select 1 from public.dataset_shards s where s.dataset_id = d.id and s.status <> 'ready')
    returning d.id`;
  return rows.length > 0;
}
