import type { Transaction } from './client';
import type { AdminClient } from './users';

// Companies, tasks and assignments as admins change them. Each call is one security-definer
// function of schema `gateway`, which re-checks that the caller is an admin and writes the
// access-log row in the same transaction
// (supabase/migrations/20261129030000_accounts_and_administration.sql).

/** The new company's id; null when the name is taken. */
export async function createCompany(tx: Transaction, name: string, client: AdminClient): Promise<string | null> {
  const [row] = await tx<
    { id: string | null }[]
  >`select gateway.admin_create_company(${name}, ${client.ip}, ${client.userAgent}) as id`;
  return row!.id;
}

export interface NewTask {
  title: string;
  description: string | null;
  allowedContentTypes: string[];
  maxBytes: number;
}

// Sent as JSON, in order: with fetch_types off (Hyperdrive) postgres.js cannot serialise a text[].
const textArray = (tx: Transaction, values: string[] | undefined) =>
  values === undefined
    ? tx`null::text[]`
    : tx`array(select value from jsonb_array_elements_text(${tx.json(values)}) with ordinality as items(value, position) order by position)`;

export async function createTask(tx: Transaction, task: NewTask, client: AdminClient): Promise<string> {
  const [row] = await tx<{ id: string | null }[]>`
    select gateway.admin_create_task(${task.title}, ${task.description}, ${textArray(tx, task.allowedContentTypes)},
      ${task.maxBytes}::bigint, ${client.ip}, ${client.userAgent}) as id`;
  if (!row?.id) throw new Error('gateway.admin_create_task refused an admin');
  return row.id;
}

export interface TaskChange {
  title?: string;
  description?: string;
  allowedContentTypes?: string[];
  maxBytes?: number;
  status?: 'open' | 'closed';
}

export type TaskChangeOutcome = 'forbidden' | 'not_found' | 'unchanged' | 'updated';

export async function updateTask(
  tx: Transaction,
  taskId: string,
  change: TaskChange,
  client: AdminClient,
): Promise<TaskChangeOutcome> {
  const [row] = await tx<{ outcome: TaskChangeOutcome }[]>`
    select gateway.admin_update_task(${taskId}, ${change.title ?? null}, ${change.description ?? null},
      ${textArray(tx, change.allowedContentTypes)}, ${change.maxBytes ?? null}::bigint, ${change.status ?? null}::public.task_status,
      ${client.ip}, ${client.userAgent}) as outcome`;
  return row!.outcome;
}

export type AssignOutcome = 'forbidden' | 'no_task' | 'no_user' | 'deleted' | 'not_contributor' | 'exists' | 'created';

export async function assignTask(
  tx: Transaction,
  taskId: string,
  userId: string,
  client: AdminClient,
): Promise<AssignOutcome> {
  const [row] = await tx<
    { outcome: AssignOutcome }[]
  >`select gateway.admin_assign(${taskId}, ${userId}, ${client.ip}, ${client.userAgent}) as outcome`;
  return row!.outcome;
}

export type UnassignOutcome = 'forbidden' | 'none' | 'removed';

export async function unassignTask(
  tx: Transaction,
  taskId: string,
  userId: string,
  client: AdminClient,
): Promise<UnassignOutcome> {
  const [row] = await tx<
    { outcome: UnassignOutcome }[]
  >`select gateway.admin_unassign(${taskId}, ${userId}, ${client.ip}, ${client.userAgent}) as outcome`;
  return row!.outcome;
}
