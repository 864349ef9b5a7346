import { type SqlText, array, flightValue, sql } from './sql-text';
import type { AdminClient } from './users';

// Companies, tasks and assignments as admins change them. Each call is one security-definer
// function of schema `gateway`, which re-checks that the caller is an admin and writes the
// access-log row in the same transaction
// (supabase/migrations/20261129030000_accounts_and_administration.sql).

/** The new company's id, null when the name is taken. */
export const createCompanyStatement = (name: string, client: AdminClient): SqlText =>
  sql`select gateway.admin_create_company(${name}, ${client.ip}, ${client.userAgent}) as id`;

export interface NewTask {
  title: string;
  description: string | null;
  allowedContentTypes: string[];
  maxBytes: number;
}

/** The id of the task it creates is kept for `createdTask.value`, a later statement of the flight. */
export const createdTask = flightValue('created_task');

export const createTaskStatement = (task: NewTask, client: AdminClient): SqlText =>
  sql`select ${createdTask.keep(
    sql`gateway.admin_create_task(${task.title}, ${task.description}, ${array(task.allowedContentTypes, 'text')},
      ${task.maxBytes}::bigint, ${client.ip}, ${client.userAgent})`,
  )} as id`;

export interface TaskChange {
  title?: string;
  description?: string;
  allowedContentTypes?: string[];
  maxBytes?: number;
  status?: 'open' | 'closed';
}

export type TaskChangeOutcome = 'forbidden' | 'not_found' | 'unchanged' | 'updated';

export const updateTaskStatement = (taskId: string, change: TaskChange, client: AdminClient): SqlText => sql`
  select gateway.admin_update_task(${taskId}::uuid, ${change.title ?? null}, ${change.description ?? null},
    ${change.allowedContentTypes === undefined ? sql`null::text[]` : array(change.allowedContentTypes, 'text')},
    ${change.maxBytes ?? null}::bigint, ${change.status ?? null}::public.task_status,
    ${client.ip}, ${client.userAgent}) as outcome`;

export type AssignOutcome = 'forbidden' | 'no_task' | 'no_user' | 'deleted' | 'not_contributor' | 'exists' | 'created';

export const assignTaskStatement = (taskId: string, userId: string, client: AdminClient): SqlText =>
  sql`select gateway.admin_assign(${taskId}::uuid, ${userId}::uuid, ${client.ip}, ${client.userAgent}) as outcome`;

export type UnassignOutcome = 'forbidden' | 'none' | 'removed';

export const unassignTaskStatement = (taskId: string, userId: string, client: AdminClient): SqlText =>
  sql`select gateway.admin_unassign(${taskId}::uuid, ${userId}::uuid, ${client.ip}, ${client.userAgent}) as outcome`;
