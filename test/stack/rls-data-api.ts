import { ids, roles, type Role } from './rls-fixtures';
import { tables, type Table } from './rls-statements';

// The Data API column of the RLS matrix: the writes a user might send to Supabase's Data API
// (PostgREST) for every table, as PostgREST turns them into SQL, and what each must meet. Users
// write nothing in `public` (supabase/migrations/20261130021000_data_api_read_only.sql), so every
// cell is `denied`: no privilege (42501), whatever the payload and whatever the policies say.
//
// PostgREST runs a request in one transaction: set_config of `role` (the key's or token's role),
// `request.jwt.claims`, `request.method`, `request.path` and `request.headers`, then one
// statement. A POST, PATCH or DELETE becomes a data-modifying CTE whose body comes from the
// request's JSON bound as $1 (PostgREST's `json_populate_recordset` / `json_populate_record`;
// bound as text here, so that postgres.js sends it as it is rather than as a JSON string),
// with the query string's filters as the WHERE clause, and an outer SELECT that counts and
// returns the affected rows.

/** The issue's hostile values: a 2 MB content type, a 9-million-character file name. */
export const hostile = {
  contentType: `audio/${'x'.repeat(2 * 1024 * 1024)}`,
  filename: `${'a'.repeat(9_000_000)}\u202Egpj.exe\n<script>alert(document.cookie)</script>.webm`,
  activeType: 'image/svg+xml',
};

/** The users PostgREST serves: the anon key and signed-in users (service_role is the matrix's own row). */
export const dataApiRoles = roles.filter((role): role is Exclude<Role, 'service'> => role !== 'service');

type Filter = readonly [column: string, operator: 'eq' | 'in', value: string | readonly string[]];

interface DataApiWrites {
  /** POST /rest/v1/<table>: the rows of each request's JSON body, by what the request tries. */
  post: Record<string, Record<string, unknown>[]>;
  /** PATCH /rest/v1/<table>?<filters>: the JSON body. */
  patch: { body: Record<string, unknown>; filters: Filter[] };
  /** DELETE /rest/v1/<table>?<filters>. */
  delete: Filter[];
}

const submissionRow = (change: Record<string, unknown> = {}) => ({
  task_id: ids.taskA,
  contributor_id: ids.contributorA,
  content_type: 'audio/webm',
  declared_size: 1000,
  original_filename: 'take.webm',
  ...change,
});

export const dataApiWrites: Record<Table, DataApiWrites> = {
  companies: {
    post: { '': [{ name: 'Rogue Ltd' }] },
    patch: { body: { name: 'Renamed' }, filters: [['id', 'eq', ids.companyA]] },
    delete: [['id', 'eq', ids.companyB]],
  },
  profiles: {
    post: { '': [{ id: ids.noProfile, role: 'admin' }] },
    patch: {
      body: { role: 'admin', company_id: ids.companyB },
      filters: [['id', 'in', [ids.contributorA, ids.companyUserA]]],
    },
    delete: [['id', 'eq', ids.contributorB]],
  },
  tasks: {
    post: { '': [{ title: 'rogue', allowed_content_types: ['*/*'], max_bytes: 1e12 }] },
    patch: { body: { allowed_content_types: ['text/html'], max_bytes: 1e12 }, filters: [['id', 'eq', ids.taskA]] },
    delete: [['id', 'eq', ids.taskUnassigned]],
  },
  task_assignments: {
    post: { '': [{ task_id: ids.taskB, user_id: ids.contributorA }] },
    patch: {
      body: { task_id: ids.taskUnassigned },
      filters: [
        ['task_id', 'eq', ids.taskA],
        ['user_id', 'eq', ids.contributorA],
      ],
    },
    delete: [['user_id', 'eq', ids.contributorB]],
  },
  submissions: {
    // The issue's attack, each row one the old insert policy admitted (task A admits audio/* and
    // image/*), and the ordinary row POST /v1/uploads opens.
    post: {
      'the row POST /v1/uploads opens': [submissionRow()],
      'a 2 MB content type': [submissionRow({ content_type: hostile.contentType })],
      'a 9-million-character file name': [submissionRow({ original_filename: hostile.filename })],
      'image/svg+xml': [submissionRow({ content_type: hostile.activeType })],
    },
    patch: {
      body: { status: 'approved', reviewed_by: ids.contributorA, content_type: hostile.activeType },
      filters: [['id', 'in', [ids.uploadedA, ids.uploadedB]]],
    },
    delete: [['id', 'in', [ids.rejectedA, ids.rejectedB]]],
  },
  access_log: {
    post: { '': [{ user_id: ids.contributorB, action: 'submission.view', submission_id: ids.approvedB }] },
    patch: { body: { user_id: ids.validator, ip: '203.0.113.9' }, filters: [['action', 'eq', 'dataset.download']] },
    delete: [['action', 'eq', 'dataset.download']],
  },
  bundles: {
    post: { '': [{ created_by: ids.admin, company_id: ids.companyA }] },
    patch: {
      body: { created_by: ids.companyUserA, company_id: ids.companyA },
      filters: [['id', 'eq', ids.bundleOfAdmin]],
    },
    delete: [['id', 'eq', ids.bundleOfCompanyB]],
  },
  bundle_members: {
    post: { '': [{ bundle_id: ids.bundleOfCompanyA, position: 9, submission_id: ids.pendingB }] },
    patch: { body: { submission_id: ids.uploadedB }, filters: [['bundle_id', 'eq', ids.bundleOfCompanyA]] },
    delete: [['bundle_id', 'eq', ids.bundleOfAdmin]],
  },
  datasets: {
    post: { '': [{ name: 'rogue', created_by: ids.admin }] },
    patch: { body: { status: 'ready', failure_reason: null }, filters: [['id', 'eq', ids.datasetFailed]] },
    delete: [['id', 'eq', ids.datasetBuilding]],
  },
  dataset_members: {
    post: { '': [{ dataset_id: ids.datasetGranted, position: 9, submission_id: ids.approvedB }] },
    patch: { body: { submission_id: ids.approvedB }, filters: [['dataset_id', 'eq', ids.datasetGranted]] },
    delete: [['dataset_id', 'eq', ids.datasetGranted]],
  },
  dataset_grants: {
    post: { '': [{ dataset_id: ids.datasetBuilding, company_id: ids.companyA }] },
    patch: { body: { company_id: ids.companyA }, filters: [['dataset_id', 'eq', ids.datasetOfB]] },
    delete: [['company_id', 'eq', ids.companyB]],
  },
  dataset_build_parts: {
    post: { '': [{ dataset_id: ids.datasetBuilding, part_number: 2, etag: '"forged"', size: 5242880 }] },
    patch: { body: { etag: '"forged"' }, filters: [['dataset_id', 'eq', ids.datasetBuilding]] },
    delete: [['dataset_id', 'eq', ids.datasetBuilding]],
  },
  dataset_shards: {
    post: {
      '': [
        { dataset_id: ids.datasetBuilding, shard_index: 1, first_position: 1, last_position: 1, object_key: 'raw/x' },
      ],
    },
    patch: { body: { status: 'ready', etag: '"forged"' }, filters: [['dataset_id', 'eq', ids.datasetBuilding]] },
    delete: [['dataset_id', 'eq', ids.datasetGranted]],
  },
};

export type DataApiMethod = 'POST' | 'PATCH' | 'DELETE';

/** One Data API request: its method and path, the SQL PostgREST runs, and the JSON body it binds as $1. */
export interface DataApiRequest {
  method: DataApiMethod;
  path: string;
  statement: string;
  body?: string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

function where(table: Table, filters: readonly Filter[]): string {
  return filters
    .map(([column, operator, value]) => {
      const qualified = `"public".${ident(table)}.${ident(column)}`;
      return operator === 'eq'
        ? `${qualified} = ${literal(value as string)}`
        : `${qualified} in (${(value as readonly string[]).map(literal).join(', ')})`;
    })
    .join(' and ');
}

const columnsOf = (rows: readonly Record<string, unknown>[]) => [...new Set(rows.flatMap((row) => Object.keys(row)))];

// The outer SELECT of every mutation: PostgREST counts the affected rows into page_total.
const counted = (mutation: string) =>
  `with pgrst_source as (${mutation}) select '' as total_result_set, pg_catalog.count(_postgrest_t) as page_total,
    coalesce(json_agg(_postgrest_t), '[]') as body from (select 1 from pgrst_source) _postgrest_t`;

/** The request of a cell; `variant` names one of the table's POST bodies. */
export function dataApiRequest(table: Table, method: DataApiMethod, variant = ''): DataApiRequest {
  const writes = dataApiWrites[table];
  const target = `"public".${ident(table)}`;
  const path = `/${table}`;
  if (method === 'POST') {
    const rows = writes.post[variant]!;
    const columns = columnsOf(rows).map(ident);
    return {
      method,
      path,
      body: JSON.stringify(rows),
      statement: counted(`insert into ${target} (${columns.join(', ')})
        select ${columns.map((column) => `pgrst_body.${column}`).join(', ')}
        from (select $1::text::json as json_data) pgrst_payload,
          lateral (select case when json_typeof(pgrst_payload.json_data) = 'array' then pgrst_payload.json_data
            else json_build_array(pgrst_payload.json_data) end as val) pgrst_uniform_json,
          lateral (select * from json_populate_recordset(null::${target}, pgrst_uniform_json.val)) pgrst_body
        returning 1`),
    };
  }
  if (method === 'PATCH') {
    const columns = Object.keys(writes.patch.body).map(ident);
    return {
      method,
      path,
      body: JSON.stringify(writes.patch.body),
      statement: counted(`update ${target} set ${columns.map((column) => `${column} = pgrst_body.${column}`).join(', ')}
        from (select $1::text::json as json_data) pgrst_payload,
          lateral (select ${columns.join(', ')} from json_populate_record(null::${target}, pgrst_payload.json_data)) pgrst_body
        where ${where(table, writes.patch.filters)}
        returning 1`),
    };
  }
  return { method, path, statement: counted(`delete from ${target} where ${where(table, writes.delete)} returning 1`) };
}

export interface DataApiCell {
  role: Exclude<Role, 'service'>;
  table: Table;
  method: DataApiMethod;
  /** Which POST body; '' where the table has one. */
  variant: string;
  name: string;
}

export const dataApiCells: DataApiCell[] = tables.flatMap((table) =>
  dataApiRoles.flatMap((role) =>
    [
      ...Object.keys(dataApiWrites[table].post).map((variant) => ({ method: 'POST' as const, variant })),
      { method: 'PATCH' as const, variant: '' },
      { method: 'DELETE' as const, variant: '' },
    ].map(({ method, variant }) => ({
      role,
      table,
      method,
      variant,
      name: `${method} /${table}${variant ? ` (${variant})` : ''}`,
    })),
  ),
);
