import type { Row } from './client';
import { raw, type SqlText, sql } from './sql-text';

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

/** The task as the caller sees it under RLS, and whether it is assigned to them; no row if hidden. */
export const taskForUploadStatement = (taskId: string): SqlText => sql`
  select ${raw(taskColumns)},
    exists (select 1 from public.task_assignments a where a.task_id = t.id and a.user_id = auth.uid()) as assigned
  from public.tasks t where t.id = ${taskId}::uuid`;

/** The first row of taskForUploadStatement's answer, or null. */
export function firstTaskForUpload(rows: readonly Row[] | undefined): TaskForUpload | null {
  const row = rows?.[0] as (TaskRow & { assigned: boolean }) | undefined;
  return row ? { ...toTask(row), assignedToCaller: row.assigned } : null;
}

/** The task as the caller sees it under RLS (`id` an expression of the flight); no row if hidden or missing. */
export const taskStatement = (id: SqlText): SqlText =>
  sql`select ${raw(taskColumns)} from public.tasks t where t.id = (${id})::uuid`;

/** The first row of a task statement's answer, or null. */
export function firstTask(rows: readonly Row[] | undefined): Task | null {
  const row = rows?.[0] as TaskRow | undefined;
  return row ? toTask(row) : null;
}

/** Users assigned to the task, as the caller sees them under RLS. */
export const assigneesStatement = (taskId: string): SqlText =>
  sql`select user_id from public.task_assignments where task_id = ${taskId}::uuid order by user_id`;
