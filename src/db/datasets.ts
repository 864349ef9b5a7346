import type { Row } from './client';
import type { DatasetFormat } from './dataset-builds';
import { array, type SqlText, sql } from './sql-text';

export type DatasetStatus = 'building' | 'ready' | 'failed';

export interface Dataset {
  id: string;
  name: string;
  description: string;
  format: DatasetFormat;
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
  format: DatasetFormat;
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
    format: row.format,
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

/**
 * Visible datasets, newest first, RLS deciding which; `before` is a keyset position, `id` one
 * dataset. Rows for `toDatasets`.
 */
export function listDatasetsStatement(query: {
  limit: number;
  before?: { createdAt: string; id: string };
  id?: string;
}): SqlText {
  return sql`
    select d.id, d.name, d.description, d.format, d.status, d.created_at, d.bytes, d.entries, d.etag, d.finished_at, d.shard_count,
      (select count(*)::integer from public.dataset_shards s where s.dataset_id = d.id and s.status = 'ready') as shards_ready,
      (select coalesce(sum(s.bytes), 0) from public.dataset_shards s where s.dataset_id = d.id and s.status = 'ready') as bytes_ready,
      -- The detail is for admins; company users get a generic reason (and cannot select the column).
      gateway.visible_failure_reason(d.id) as failure_reason,
      (select count(*) from public.dataset_members m where m.dataset_id = d.id) as members,
      -- Arrays come back as JSON: with fetch_types off (Hyperdrive) postgres.js cannot parse uuid[].
      (select to_json(coalesce(array_agg(g.company_id order by g.company_id), '{}')) from public.dataset_grants g where g.dataset_id = d.id) as granted_to
    from public.datasets d
    where true
      ${query.id === undefined ? sql`` : sql`and d.id = ${query.id}::uuid`}
      ${query.before ? sql`and (d.created_at, d.id) < (${query.before.createdAt}::timestamptz, ${query.before.id}::uuid)` : sql``}
    order by d.created_at desc, d.id desc
    limit ${query.limit}::integer`;
}

export const toDatasets = (rows: readonly Row[]): Dataset[] => (rows as unknown as DatasetRow[]).map(toDataset);

/** The shards of a dataset the caller can see (RLS), in order; rows for `toDatasetWithShards`. */
export const datasetShardsStatement = (id: string): SqlText => sql`
  select shard_index, object_key, status, bytes, entries, etag from public.dataset_shards where dataset_id = ${id}::uuid order by shard_index`;

/** listDatasetsStatement({ id }) and datasetShardsStatement's rows, read on one snapshot; null when not visible. */
export function toDatasetWithShards(
  datasetRows: readonly Row[],
  shardRows: readonly Row[],
): (Dataset & { shards: DatasetShard[] }) | null {
  const dataset = toDatasets(datasetRows)[0];
  if (!dataset) return null;
  const rows = shardRows as unknown as {
    shard_index: number;
    object_key: string;
    status: DatasetStatus;
    bytes: string | null;
    entries: number | null;
    etag: string | null;
  }[];
  const shards = rows.map((row) => ({
    index: row.shard_index,
    name: fileNameOf(row.object_key),
    status: row.status,
    bytes: row.bytes === null ? null : Number(row.bytes),
    entries: row.entries,
    etag: row.etag,
  }));
  return { ...dataset, shards };
}

/**
 * A shard's file name: its object key's last segment, named once when the dataset was cut
 * (src/datasets/shard-names.ts), so every listing and download says the same.
 */
function fileNameOf(objectKey: string): string {
  return objectKey.slice(objectKey.lastIndexOf('/') + 1);
}

/** Integers as an `integer[]` constant; callers pass validated integers only. */
const integerArray = (values: readonly number[]): SqlText => sql`${`{${values.join(',')}}`}::integer[]`;

/**
 * Records a dataset and freezes its members (gateway.create_dataset): the given approved
 * submissions in order, or the task's approved submissions. The row's `id` is null when a
 * submission is missing or not approved, or the selection is empty; then `oversized_member`
 * names the first member larger than `largestMember`, if one is.
 */
export function createDatasetStatement(input: {
  name: string;
  description: string;
  submissionIds?: string[];
  taskId?: string;
  shardMaxMembers?: number;
  shardMaxBytes?: number;
  format: DatasetFormat;
  /** The largest member the format holds; null when only S3's own limits apply. */
  largestMember: number | null;
}): SqlText {
  return sql`
    select id, oversized_member, oversized_bytes from gateway.create_dataset(${input.name}::text, ${input.description}::text,
      ${input.submissionIds ? array(input.submissionIds, 'uuid') : sql`null::uuid[]`},
      ${input.taskId ?? null}::uuid, ${input.shardMaxMembers ?? null}::integer, ${input.shardMaxBytes ?? null}::bigint,
      ${input.format}::text, ${input.largestMember}::bigint)`;
}

/**
 * Grants a dataset to a company (gateway.grant_dataset: admins only), in one statement on one
 * snapshot: whether the dataset and the company exist, and whether the grant is new. Nothing is
 * inserted unless both exist.
 */
export const grantDatasetStatement = (datasetId: string, companyId: string): SqlText =>
  sql`select gateway.grant_dataset(${datasetId}::uuid, ${companyId}::uuid) as outcome`;

export type GrantOutcome = 'forbidden' | 'dataset_not_found' | 'company_not_found' | 'created' | 'existed';

export const toGrantOutcome = (rows: readonly Row[]): GrantOutcome => (rows[0] as { outcome: GrantOutcome }).outcome;

/** Revokes a company's grant (gateway.revoke_dataset_grant: admins only); no row when there was no such grant. */
export const revokeDatasetGrantStatement = (datasetId: string, companyId: string): SqlText => sql`
  select company_id from gateway.revoke_dataset_grant(${datasetId}::uuid, ${companyId}::uuid) as revoked(company_id)`;

export interface DatasetDownload {
  name: string;
  status: DatasetStatus;
  shardCount: number | null;
  /** The shards asked for, once the dataset is ready; each was written to the access log. */
  shards: { index: number; name: string; objectKey: string; bytes: number; etag: string }[];
}

/**
 * Writes one `dataset.download` access-log row per shard asked for (all when `shards` is absent)
 * and returns what their URLs need (gateway.record_dataset_shard_downloads). No row when the
 * caller may not see the dataset; no shards (and no log rows) when it is not ready.
 */
export const recordDatasetDownloadStatement = (
  datasetId: string,
  shards: readonly number[] | undefined,
  client: { ip: string | null; userAgent: string | null },
): SqlText => sql`
  select * from gateway.record_dataset_shard_downloads(${datasetId}::uuid,
    ${shards ? integerArray(shards) : sql`null::integer[]`}, ${client.ip}::text, ${client.userAgent}::text)`;

export function toDatasetDownload(rows: readonly Row[]): DatasetDownload | null {
  const typed = rows as unknown as {
    name: string;
    status: DatasetStatus;
    shard_count: number | null;
    shard_index: number | null;
    object_key: string | null;
    bytes: string | null;
    etag: string | null;
  }[];
  const first = typed[0];
  if (!first) return null;
  return {
    name: first.name,
    status: first.status,
    shardCount: first.shard_count,
    shards: typed
      .filter((row) => row.shard_index !== null)
      .map((row) => ({
        index: row.shard_index!,
        name: fileNameOf(row.object_key!),
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

/**
 * Sets a failed dataset's failed shards building again (gateway.retry_dataset; admins only), in
 * one statement: the status it had on the statement's snapshot, and the shards set building. The
 * function locks the row and checks the status again, so it changes nothing unless it has failed.
 */
export const retryDatasetStatement = (datasetId: string): SqlText => sql`
  with found as (select status from public.datasets where id = ${datasetId}::uuid),
    retried as (
      select r.shard_index from found, gateway.retry_dataset(${datasetId}::uuid) as r(shard_index)
      where found.status = 'failed')
  select (select status from found) as status,
    (select to_json(coalesce(array_agg(shard_index order by shard_index), '{}')) from retried) as shards`;

export function toRetriedDataset(rows: readonly Row[]): RetriedDataset {
  const row = rows[0] as { status: DatasetStatus | null; shards: number[] };
  if (row.status === null) return { kind: 'not_found' };
  if (row.status !== 'failed') return { kind: 'not_failed', status: row.status };
  return { kind: 'retried', shards: row.shards.includes(-1) ? null : row.shards };
}
