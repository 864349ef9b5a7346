import type { Row, Transaction } from './client';
import { raw, sql } from './sql-text';

export interface Task {
  id: string;
  title: string;
  description: string | null;
  status: 'open' | 'closed';
  allowedContentTypes: string[];
  maxBytes: number;
  createdAt: string;
}

interface TaskRow {
  id: string;
  title: string;
  description: string | null;
  status: 'open' | 'closed';
  allowed_content_types: string[];
  max_bytes: string;
  created_at: Date;
}

// Arrays come back as JSON: with fetch_types off (Hyperdrive), postgres.js cannot parse text[].
const taskColumns =
  'id, title, description, status, to_json(allowed_content_types) as allowed_content_types, max_bytes, created_at';

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    allowedContentTypes: row.allowed_content_types,
    maxBytes: Number(row.max_bytes),
    createdAt: row.created_at.toISOString(),
  };
}

/** Open tasks the caller is assigned to: the ones they may submit to. */
export const submittableTasksStatement = sql`
  select ${raw(taskColumns)} from public.tasks t
  where t.status = 'open'
    and exists (select 1 from public.task_assignments a where a.task_id = t.id and a.user_id = auth.uid())
  order by t.created_at, t.id`;

/** Every task the caller may see under RLS (all of them for staff), newest first. */
export const allTasksStatement = sql`
  select ${raw(taskColumns)} from public.tasks t order by t.created_at desc, t.id desc`;

/** The rows of either statement above as tasks. */
export const toTasks = (rows: readonly Row[]): Task[] => (rows as unknown as TaskRow[]).map(toTask);

export interface TaskForUpload extends Task {
  assignedToCaller: boolean;
}

/** The task as the caller sees it under RLS, and whether it is assigned to them; null if hidden. */
export async function findTaskForUpload(tx: Transaction, taskId: string): Promise<TaskForUpload | null> {
  const rows = await tx<(TaskRow & { assigned: boolean })[]>`
    select ${tx.unsafe(taskColumns)},
      exists (select 1 from public.task_assignments a where a.task_id = t.id and a.user_id = auth.uid()) as assigned
    from public.tasks t where t.id = ${taskId}`;
  const row = rows[0];
  return row ? { ...toTask(row), assignedToCaller: row.assigned } : null;
}

/** The task as the caller sees it under RLS; null if hidden or missing. */
export async function findTask(tx: Transaction, taskId: string): Promise<Task | null> {
  const rows = await tx<TaskRow[]>`select ${tx.unsafe(taskColumns)} from public.tasks t where t.id = ${taskId}`;
  return rows[0] ? toTask(rows[0]) : null;
}

/** Users assigned to the task, as the caller sees them under RLS. */
export async function listAssignees(tx: Transaction, taskId: string): Promise<string[]> {
  const rows = await tx<
    { user_id: string }[]
  >`select user_id from public.task_assignments where task_id = ${taskId} order by user_id`;
  return rows.map((row) => row.user_id);
}
