import type { ArchiveMemberRecord } from './archive-members';
import { toMemberRecord, type ArchiveMemberRow } from './archive-members';
import type { Transaction } from './client';
import type { DatasetStatus } from './datasets';

// What the build job reads and records. It runs as service_role (asService), which is granted
// exactly these tables. Every record of progress also stamps `progressed_at` (and clears the
// sweep's re-queue count), so src/datasets/sweep.ts can tell a build that moves from one nobody
// is working on.

export interface DatasetBuild {
  id: string;
  status: DatasetStatus;
  objectKey: string;
  uploadId: string | null;
  members: ArchiveMemberRecord[];
  /** Parts S3 has accepted in earlier attempts, by part number. */
  finishedParts: Map<number, { etag: string; size: number }>;
}

/** The dataset with its frozen members and recorded progress; null when there is no such dataset. */
export async function readBuild(tx: Transaction, datasetId: string): Promise<DatasetBuild | null> {
  const [dataset] = await tx<{ id: string; status: DatasetStatus; object_key: string; upload_id: string | null }[]>`
    select id, status, object_key, upload_id from public.datasets where id = ${datasetId}`;
  if (!dataset) return null;
  const members = await tx<ArchiveMemberRow[]>`
    select s.id as submission_id, s.task_id, p.pseudonym as contributor_pseudonym, s.content_type, s.size, s.crc32,
      s.sha256, s.uploaded_at, s.object_key
    from public.dataset_members m
    join public.submissions s on s.id = m.submission_id
    join public.profiles p on p.id = s.contributor_id
    where m.dataset_id = ${datasetId}
    order by m.position`;
  const parts = await tx<{ part_number: number; etag: string; size: string }[]>`
    select part_number, etag, size from public.dataset_build_parts where dataset_id = ${datasetId}`;
  return {
    id: dataset.id,
    status: dataset.status,
    objectKey: dataset.object_key,
    uploadId: dataset.upload_id,
    members: members.map(toMemberRecord),
    finishedParts: new Map(parts.map((part) => [part.part_number, { etag: part.etag, size: Number(part.size) }])),
  };
}

/**
 * Records the archive's multipart upload, unless another delivery of the same message (Queues
 * delivers at least once) recorded one first: then that one is returned, and the caller aborts
 * its own.
 */
export async function recordUploadId(tx: Transaction, datasetId: string, uploadId: string): Promise<string | null> {
  const [recorded] = await tx<{ upload_id: string }[]>`
    update public.datasets set upload_id = ${uploadId}, progressed_at = now(), build_requeues = 0
    where id = ${datasetId} and status = 'building' and upload_id is null
    returning upload_id`;
  if (recorded) return recorded.upload_id;
  const [existing] = await tx<
    { upload_id: string | null }[]
  >`select upload_id from public.datasets where id = ${datasetId}`;
  return existing?.upload_id ?? null;
}

/** Drops a multipart upload S3 no longer knows, and its parts: the next attempt starts over. */
export async function forgetUpload(tx: Transaction, datasetId: string): Promise<void> {
  await tx`update public.datasets set upload_id = null, progressed_at = now(), build_requeues = 0 where id = ${datasetId} and status = 'building'`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${datasetId}`;
}

/** One statement, so recording a part costs the build one round trip as before. */
export async function recordFinishedPart(
  tx: Transaction,
  datasetId: string,
  partNumber: number,
  etag: string,
  size: number,
): Promise<void> {
  await tx`
    with recorded as (
      insert into public.dataset_build_parts (dataset_id, part_number, etag, size) values (${datasetId}, ${partNumber}, ${etag}, ${size})
      on conflict (dataset_id, part_number) do update set etag = excluded.etag, size = excluded.size
      returning dataset_id
    )
    update public.datasets set progressed_at = now(), build_requeues = 0 where id in (select dataset_id from recorded)`;
}

/** Counts a failed attempt and returns how many there have been. */
export async function recordFailedAttempt(tx: Transaction, datasetId: string): Promise<number> {
  const [row] = await tx<{ failed_attempts: number }[]>`
    update public.datasets set failed_attempts = failed_attempts + 1, progressed_at = now(), build_requeues = 0 where id = ${datasetId} returning failed_attempts`;
  return row?.failed_attempts ?? 0;
}

export async function markDatasetReady(
  tx: Transaction,
  datasetId: string,
  result: { bytes: number; entries: number; etag: string },
): Promise<void> {
  await tx`
    update public.datasets
    set status = 'ready', bytes = ${result.bytes}, entries = ${result.entries}, etag = ${result.etag}, finished_at = now(), failure_reason = null
    where id = ${datasetId} and status = 'building'`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${datasetId}`;
}

export async function markDatasetFailed(tx: Transaction, datasetId: string, reason: string): Promise<void> {
  await tx`
    update public.datasets set status = 'failed', failure_reason = ${reason}, finished_at = now()
    where id = ${datasetId} and status = 'building'`;
  await tx`delete from public.dataset_build_parts where dataset_id = ${datasetId}`;
}
