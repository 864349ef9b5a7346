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
  };
}

/** Visible datasets, newest first, RLS deciding which; `before` is a keyset position. */
export async function listDatasets(
  tx: Transaction,
  query: { limit: number; before?: { createdAt: string; id: string }; id?: string },
): Promise<Dataset[]> {
  const rows = await tx<DatasetRow[]>`
    select d.id, d.name, d.description, d.status, d.created_at, d.bytes, d.entries, d.etag, d.finished_at,
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

export async function readDataset(tx: Transaction, id: string): Promise<Dataset | null> {
  return (await listDatasets(tx, { limit: 1, id }))[0] ?? null;
}

/**
 * Records a dataset and freezes its members (gateway.create_dataset): the given approved
 * submissions in order, or the task's approved submissions. Null when the caller is not an
 * admin, a submission is missing or not approved, or the selection is empty.
 */
export async function createDataset(
  tx: Transaction,
  input: { name: string; description: string; submissionIds?: string[]; taskId?: string },
): Promise<string | null> {
  const rows = await tx<{ id: string | null }[]>`
    select gateway.create_dataset(${input.name}, ${input.description},
      ${
        input.submissionIds
          ? tx`array(select value::uuid from jsonb_array_elements_text(${tx.json(input.submissionIds)}) with ordinality as ids(value, position) order by position)`
          : tx`null::uuid[]`
      },
      ${input.taskId ?? null}::uuid) as id`;
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
  objectKey: string;
  /** Known once ready; the access-log row is written only for a ready dataset. */
  bytes: number | null;
}

/**
 * Writes the `dataset.download` access-log row and returns what the URL needs, in one call
 * (gateway.record_dataset_download). Null when the caller may not see the dataset.
 */
export async function recordDatasetDownload(
  tx: Transaction,
  datasetId: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<DatasetDownload | null> {
  const rows = await tx<{ name: string; status: DatasetStatus; object_key: string; bytes: string | null }[]>`
    select * from gateway.record_dataset_download(${datasetId}, ${client.ip}, ${client.userAgent})`;
  const row = rows[0];
  if (!row) return null;
  return {
    name: row.name,
    status: row.status,
    objectKey: row.object_key,
    bytes: row.bytes === null ? null : Number(row.bytes),
  };
}
