import { ids, roles, type Role } from './rls-fixtures';
import { tables, type Table } from './rls-statements';

// The security policy of schema `public` as Supabase's Data API exposes it: who may read and
// write which rows of every table, per caller. This is the intended policy, written down before
// looking at what the migrations do; rls-matrix.test.ts runs each cell against the migrated
// database the way PostgREST runs a request.
//
// select:  denied  no privilege (SQLSTATE 42501)
//          none    0 rows visible, though the table has rows
//          own     exactly the rows `own[table]` selects for the caller (at least one, not all)
//          all     every row
// writes:  denied  42501: no privilege, or a row-level-security check refused the new row
//          none    0 rows affected, though the statement's target rows exist
//          allowed the statement succeeded and affected at least one row
//
// Writes use the canonical statements of rls-statements.ts. Users write nothing in `public`
// directly: every write they may make goes through the gateway's security-definer functions
// (supabase/migrations/20261130021000_data_api_read_only.sql), so each of their write cells is
// `denied` (no privilege), for admins too; service_role (which RLS does not restrain) may touch
// only what the dataset build job touches.
//
// Administration (roles, companies, tasks, assignments) goes through the gateway's API and its
// security-definer functions (supabase/migrations/20261129030000_accounts_and_administration.sql),
// so admins too are denied every write on those tables here. `deleted` is a user whose account
// Supabase Auth deleted while their token is still valid: they keep no role and no assignment.

export type SelectOutcome = 'denied' | 'none' | 'own' | 'all';
export type WriteOutcome = 'denied' | 'none' | 'allowed';
export type Operation = 'select' | 'insert' | 'update' | 'delete';
type Row = readonly [onSelect: SelectOutcome, onInsert: WriteOutcome, onUpdate: WriteOutcome, onDelete: WriteOutcome];

const nothing: Row = ['denied', 'denied', 'denied', 'denied'];

export const matrix: Record<Table, Record<Role, Row>> = {
  //                 select    insert     update     delete
  companies: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  profiles: {
    anon: nothing,
    contributor: ['own', 'denied', 'denied', 'denied'],
    validator: ['own', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    // Their anonymised tombstone (no name, role or company) until the token expires.
    deleted: ['own', 'denied', 'denied', 'denied'],
    // Contributor pseudonyms for the archive's manifest.
    service: ['all', 'denied', 'denied', 'denied'],
  },
  tasks: {
    anon: nothing,
    contributor: ['own', 'denied', 'denied', 'denied'],
    validator: ['all', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['none', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  task_assignments: {
    anon: nothing,
    contributor: ['own', 'denied', 'denied', 'denied'],
    validator: ['all', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['none', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  submissions: {
    anon: nothing,
    // Opening a submission is gateway.open_submission's (the probes below).
    contributor: ['own', 'denied', 'denied', 'denied'],
    // Staff review through gateway.review_submission, never by updating the row.
    validator: ['all', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    // Companies reach submissions only as members of granted datasets, through the gateway.
    company: ['none', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    // What they made is kept, and stays readable to them until the token expires; the gateway
    // refuses them at once (a deleted profile counts as none), and no insert policy admits them.
    deleted: ['own', 'denied', 'denied', 'denied'],
    service: ['all', 'denied', 'denied', 'denied'],
  },
  access_log: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['none', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  bundles: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  bundle_members: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  datasets: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    // The build job records progress and the outcome in the build columns.
    service: ['all', 'denied', 'allowed', 'denied'],
  },
  dataset_members: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: ['all', 'denied', 'denied', 'denied'],
  },
  // Granting and revoking are gateway.grant_dataset's and gateway.revoke_dataset_grant's.
  dataset_grants: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: nothing,
  },
  dataset_build_parts: {
    anon: nothing,
    contributor: nothing,
    validator: nothing,
    admin: nothing,
    company: nothing,
    noProfile: nothing,
    deleted: nothing,
    service: ['all', 'allowed', 'allowed', 'allowed'],
  },
  // Shards are read like their datasets; the build job records the cut and each shard's build.
  dataset_shards: {
    anon: nothing,
    contributor: ['none', 'denied', 'denied', 'denied'],
    validator: ['none', 'denied', 'denied', 'denied'],
    admin: ['all', 'denied', 'denied', 'denied'],
    company: ['own', 'denied', 'denied', 'denied'],
    noProfile: ['none', 'denied', 'denied', 'denied'],
    deleted: ['none', 'denied', 'denied', 'denied'],
    service: ['all', 'allowed', 'allowed', 'denied'],
  },
};

// What "own" means, as the superuser computes it (auth.uid() is the caller's sub). Written
// without the gateway's helper functions, so a policy that calls them wrongly is caught.
const callerCompany = `(select p.company_id from public.profiles p where p.id = auth.uid())`;
const grantedToCaller = `(select g.dataset_id from public.dataset_grants g where g.company_id = ${callerCompany})`;

export const own: Partial<Record<Table, string>> = {
  companies: `id = ${callerCompany}`,
  profiles: `id = auth.uid()`,
  tasks: `id in (select a.task_id from public.task_assignments a where a.user_id = auth.uid())`,
  task_assignments: `user_id = auth.uid()`,
  submissions: `contributor_id = auth.uid()`,
  bundles: `created_by = auth.uid()`,
  bundle_members: `bundle_id in (select b.id from public.bundles b where b.created_by = auth.uid())`,
  datasets: `id in ${grantedToCaller}`,
  dataset_members: `dataset_id in ${grantedToCaller}`,
  dataset_shards: `dataset_id in ${grantedToCaller}`,
  dataset_grants: `company_id = ${callerCompany}`,
};

/**
 * Columns a role reads where it may not read them all (a column grant): a company user reads the
 * datasets granted to it but not why a build failed (member names, S3 codes) nor the build's
 * upload id; `gateway.visible_failure_reason` gives each caller what it may see.
 */
export const readableColumns: Partial<Record<Table, string>> = {
  datasets:
    'id, name, description, status, created_by, created_at, object_key, bytes, entries, etag, finished_at, shard_max_members, shard_max_bytes, shard_count',
  dataset_shards:
    'dataset_id, shard_index, first_position, last_position, object_key, status, bytes, entries, etag, finished_at',
};

export interface Cell {
  role: Role;
  table: Table;
  operation: Operation;
  expected: SelectOutcome | WriteOutcome;
}

const operations: Operation[] = ['select', 'insert', 'update', 'delete'];

export const cells: Cell[] = tables.flatMap((table) =>
  roles.flatMap((role) =>
    operations.map((operation, index) => ({ role, table, operation, expected: matrix[table][role][index]! })),
  ),
);

/**
 * Statements beside the canonical ones, for rules a single statement per cell cannot show: the
 * columns a role may read, and the conditions of the gateway functions that make users' writes.
 */
export interface Probe {
  name: string;
  role: Role;
  statement: string;
  expected: WriteOutcome;
  /** For 'none': a query counting the rows the statement aims at, which must exist. */
  target?: string;
}

const q = (id: string) => `'${id}'`;
/** A row per submission opened: none when the function refuses. */
const openSubmission = (task: string, type: string, bytes: number) =>
  `select * from gateway.open_submission(${q(task)}, '${type}', ${bytes}, 'take.webm')`;
/** A row only when the grant is new: 'forbidden', a missing dataset or company, or an existing grant give none. */
const grantDataset = (dataset: string, company: string) =>
  `select outcome from gateway.grant_dataset(${q(dataset)}, ${q(company)}) as outcome where outcome = 'created'`;
const revokeGrant = (dataset: string, company: string) =>
  `select * from gateway.revoke_dataset_grant(${q(dataset)}, ${q(company)})`;

export const probes: Probe[] = [
  {
    name: 'company reads the failure detail of a dataset granted to it',
    role: 'company',
    statement: `select failure_reason from public.datasets`,
    expected: 'denied',
  },
  {
    name: "admin selects a build's upload id and failed attempts, which no API caller needs",
    role: 'admin',
    statement: `select upload_id, failed_attempts from public.datasets`,
    expected: 'denied',
  },
  // The checks of the insert policy that opening a submission had, now gateway.open_submission's.
  // Through the Data API the same insert is refused outright (the matrix's insert cells).
  {
    name: 'contributor opens a submission on its open, assigned task (gateway.open_submission)',
    role: 'contributor',
    statement: openSubmission(ids.taskA, 'audio/webm', 10),
    expected: 'allowed',
  },
  {
    name: 'contributor opens a submission on a task not assigned to it',
    role: 'contributor',
    statement: openSubmission(ids.taskB, 'audio/webm', 10),
    expected: 'none',
  },
  {
    name: 'contributor declares more bytes than the task allows',
    role: 'contributor',
    statement: openSubmission(ids.taskA, 'audio/webm', 1000001),
    expected: 'none',
  },
  {
    name: 'contributor declares a type the task does not allow',
    role: 'contributor',
    statement: openSubmission(ids.taskA, 'video/webm', 10),
    expected: 'none',
  },
  {
    name: 'validator, once a contributor and still assigned to task A, opens a submission there',
    role: 'validator',
    statement: openSubmission(ids.taskA, 'audio/webm', 10),
    expected: 'none',
  },
  {
    name: 'admin, once a contributor and still assigned to task A, opens a submission there',
    role: 'admin',
    statement: openSubmission(ids.taskA, 'audio/webm', 10),
    expected: 'none',
  },
  {
    name: 'deleted user opens a submission on the task it was assigned',
    role: 'deleted',
    statement: openSubmission(ids.taskA, 'audio/webm', 10),
    expected: 'none',
  },
  // Grants, now gateway.grant_dataset's and gateway.revoke_dataset_grant's: admins only.
  {
    name: 'admin grants a dataset to a company (gateway.grant_dataset)',
    role: 'admin',
    statement: grantDataset(ids.datasetBuilding, ids.companyA),
    expected: 'allowed',
  },
  {
    name: 'company grants itself a dataset through gateway.grant_dataset',
    role: 'company',
    statement: grantDataset(ids.datasetBuilding, ids.companyA),
    expected: 'none',
  },
  {
    name: 'validator grants a dataset through gateway.grant_dataset',
    role: 'validator',
    statement: grantDataset(ids.datasetBuilding, ids.companyA),
    expected: 'none',
  },
  {
    name: 'admin revokes a grant (gateway.revoke_dataset_grant)',
    role: 'admin',
    statement: revokeGrant(ids.datasetOfB, ids.companyB),
    expected: 'allowed',
  },
  {
    name: "company revokes its own company's grant through gateway.revoke_dataset_grant",
    role: 'company',
    statement: revokeGrant(ids.datasetGranted, ids.companyA),
    expected: 'none',
    target: `select count(*)::int as count from public.dataset_grants where dataset_id = ${q(ids.datasetGranted)} and company_id = ${q(ids.companyA)}`,
  },
  {
    name: 'service role rewrites a dataset description',
    role: 'service',
    statement: `update public.datasets set description = 'rewritten' where id = ${q(ids.datasetGranted)}`,
    expected: 'denied',
  },
  // Build progress (20261129020000_dataset_progress.sql): the build job's and the cron sweep's.
  {
    name: "admin selects a build's progress time and re-queue count, which no API caller needs",
    role: 'admin',
    statement: `select progressed_at, build_requeues from public.datasets`,
    expected: 'denied',
  },
  {
    name: 'admin postpones the sweep of a stalled build',
    role: 'admin',
    statement: `update public.datasets set progressed_at = now(), build_requeues = 0 where id = ${q(ids.datasetBuilding)}`,
    expected: 'denied',
  },
  {
    name: 'service role records build progress and counts a re-queue',
    role: 'service',
    statement: `update public.datasets set progressed_at = now(), build_requeues = build_requeues + 1 where id = ${q(ids.datasetBuilding)}`,
    expected: 'allowed',
  },
];
