import { shardFileName } from '../datasets/shard-names';
import type { Transaction } from './client';

export type DatasetStatus = 'building' | 'ready' | 'failed';

export interface Dataset {
  id: string;
  name: string;
  description: string;
  status: DatasetStatus;
  createdAt: string;
  members: number;
  bytes: number | null;
  entries: number | null;
  etag: string | null;
  failureReason: string | null;
  finishedAt: string | null;
  /** Companies the caller can see grants for: all for admins, their own for company users. */
  grantedTo: string[];
  /** Null until the member list has been cut into shards. */
  shardCount: number | null;
  progress: { shardsReady: number; shards: number | null; bytesReady: number };
}

export interface DatasetShard {
  index: number;
  name: string;
  status: DatasetStatus;
  bytes: number | null;
  entries: number | null;
  etag: string | null;
}

interface DatasetRow {
  id: string;
  name: string;
  description: string;
  status: DatasetStatus;
  created_at: Date;
  members: string;
  bytes: string | null;
  entries: number | null;
  etag: string | null;
  failure_reason: string | null;
  finished_at: Date | null;
  granted_to: string[] | null;
  shard_count: number | null;
  shards_ready: number;
  bytes_ready: string;
}

function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    members: Number(row.members),
    bytes: row.bytes === null ? null : Number(row.bytes),
    entries: row.entries,
    etag: row.etag,
    failureReason: row.failure_reason,
    finishedAt: row.finished_at?.toISOString() ?? null,
    grantedTo: row.granted_to ?? [],
    shardCount: row.shard_count,
    progress: { shardsReady: row.shards_ready, shards: row.shard_count, bytesReady: Number(row.bytes_ready) },
  };
}

/** Visible datasets, newest first, RLS deciding which; `before` is a keyset position. */
export async function listDatasets(
  tx: Transaction,
  query: { limit: number; before?: { createdAt: string; id: string }; id?: string },
): Promise<Dataset[]> {
  const rows = await tx<DatasetRow[]>`
    select d.id, d.name, d.description, d.status, d.created_at, d.bytes, d.entries, d.etag, d.finished_at, d.shard_count,
      (select count(*)::integer from public.dataset_shards s where s.dataset_id = d.id and s.status = 'ready') as shards_ready,
      (select coalesce(sum(s.bytes), 0) from public.dataset_shards s where s.dataset_id = d.id and s.status = 'ready') as bytes_ready,
      -- The detail is for admins; company users get a generic reason (and cannot select the column).
      gateway.visible_failure_reason(d.id) as failure_reason,
      (select count(*) from public.dataset_members m where m.dataset_id = d.id) as members,
      -- Arrays come back as JSON: with fetch_types off (Hyperdrive) postgres.js cannot parse uuid[].
      (select to_json(coalesce(array_agg(g.company_id order by g.company_id), '{}')) from public.dataset_grants g where g.dataset_id = d.id) as granted_to
    from public.datasets d
    where true
      ${query.id ? tx`and d.id = ${query.id}` : tx``}
      ${query.before ? tx`and (d.created_at, d.id) < (${query.before.createdAt}::timestamptz, ${query.before.id}::uuid)` : tx``}
    order by d.created_at desc, d.id desc
    limit ${query.limit}`;
  return rows.map(toDataset);
}

export async function readDataset(tx: Transaction, id: string): Promise<(Dataset & { shards: DatasetShard[] }) | null> {
  const dataset = (await listDatasets(tx, { limit: 1, id }))[0];
  if (!dataset) return null;
  const rows = await tx<
    { shard_index: number; status: DatasetStatus; bytes: string | null; entries: number | null; etag: string | null }[]
  >`select shard_index, status, bytes, entries, etag from public.dataset_shards where dataset_id = ${id} order by shard_index`;
  const shards = rows.map((row) => ({
    index: row.shard_index,
    name: shardFileName(dataset.name, row.shard_index, rows.length),
    status: row.status,
    bytes: row.bytes === null ? null : Number(row.bytes),
    entries: row.entries,
    etag: row.etag,
  }));
  return { ...dataset, shards };
}

/**
 * Records a dataset and freezes its members (gateway.create_dataset): the given approved
 * submissions in order, or the task's approved submissions. Null when the caller is not an
 * admin, a submission is missing or not approved, or the selection is empty.
 */
export async function createDataset(
  tx: Transaction,
  input: {
    name: string;
    description: string;
    submissionIds?: string[];
    taskId?: string;
    shardMaxMembers?: number;
    shardMaxBytes?: number;
  },
): Promise<string | null> {
  const rows = await tx<{ id: string | null }[]>`
    select gateway.create_dataset(${input.name}, ${input.description},
      ${
        input.submissionIds
          ? tx`array(select value::uuid from jsonb_array_elements_text(${tx.json(input.submissionIds)}) with ordinality as ids(value, position) order by position)`
          : tx`null::uuid[]`
      },
      ${input.taskId ?? null}::uuid, ${input.shardMaxMembers ?? null}::integer, ${input.shardMaxBytes ?? null}::bigint) as id`;
  return rows[0]?.id ?? null;
}

/** Grants through RLS (admins only). False when the grant already existed. */
export async function grantDataset(tx: Transaction, datasetId: string, companyId: string): Promise<boolean> {
  const rows = await tx`
    insert into public.dataset_grants (dataset_id, company_id) values (${datasetId}, ${companyId})
    on conflict do nothing returning company_id`;
  return rows.length > 0;
}

/** Revokes through RLS (admins only). False when there was no such grant. */
export async function revokeDatasetGrant(tx: Transaction, datasetId: string, companyId: string): Promise<boolean> {
  const rows =
    await tx`delete from public.dataset_grants where dataset_id = ${datasetId} and company_id = ${companyId} returning company_id`;
  return rows.length > 0;
}

export interface DatasetDownload {
  name: string;
  status: DatasetStatus;
  shardCount: number | null;
  /** The shards asked for, once the dataset is ready; each was written to the access log. */
  shards: { index: number; objectKey: string; bytes: number; etag: string }[];
}

/**
 * Writes one `dataset.download` access-log row per shard asked for (all when `shards` is absent)
 * and returns what their URLs need, in one call (gateway.record_dataset_shard_downloads). Null
 * when the caller may not see the dataset; no shards (and no rows) when it is not ready.
 */
export async function recordDatasetDownload(
  tx: Transaction,
  datasetId: string,
  shards: number[] | undefined,
  client: { ip: string | null; userAgent: string | null },
): Promise<DatasetDownload | null> {
  const rows = await tx<
    {
      name: string;
      status: DatasetStatus;
      shard_count: number | null;
      shard_index: number | null;
      object_key: string | null;
      bytes: string | null;
      etag: string | null;
    }[]
  >`
    select * from gateway.record_dataset_shard_downloads(${datasetId},
      ${shards ? tx`array(select value::integer from jsonb_array_elements_text(${tx.json(shards)}))` : tx`null::integer[]`},
      ${client.ip}, ${client.userAgent})`;
  const first = rows[0];
  if (!first) return null;
  return {
    name: first.name,
    status: first.status,
    shardCount: first.shard_count,
    shards: rows
      .filter((row) => row.shard_index !== null)
      .map((row) => ({
        index: row.shard_index!,
        objectKey: row.object_key!,
        bytes: Number(row.bytes),
        etag: row.etag ?? '',
      })),
  };
}

export type RetriedDataset =
  | { kind: 'not_found' }
  | { kind: 'not_failed'; status: DatasetStatus }
  /** `shards` null: the dataset failed before it was cut, and is cut again. */
  | { kind: 'retried'; shards: number[] | null };

/** Sets a failed dataset's failed shards building again (gateway.retry_dataset; admins only). */
export async function retryDataset(tx: Transaction, datasetId: string): Promise<RetriedDataset> {
  const [dataset] = await tx<{ status: DatasetStatus }[]>`select status from public.datasets where id = ${datasetId}`;
  if (!dataset) return { kind: 'not_found' };
  if (dataset.status !== 'failed') return { kind: 'not_failed', status: dataset.status };
  const rows = await tx<{ shard_index: number }[]>`select shard_index from gateway.retry_dataset(${datasetId})`;
  const shards = rows.map((row) => row.shard_index).sort((a, b) => a - b);
  return { kind: 'retried', shards: shards.includes(-1) ? null : shards };
}
