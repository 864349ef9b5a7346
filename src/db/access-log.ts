import type { Row } from './client';
import { raw, type SqlText, sql } from './sql-text';

export interface AccessRecord {
  action: 'submission.view';
  submissionId: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * Appends to the access log through its one narrow writer, gateway.log_access (security definer),
 * only if the submission is visible to the caller and has an uploaded object: a view that is
 * refused is not logged. Answers the new entry's id, or no row.
 */
export const logViewStatement = (record: AccessRecord): SqlText => sql`
  select gateway.log_access(${record.action}, s.id, ${record.ip}, ${record.userAgent}) as id
  from public.submissions s where s.id = ${record.submissionId}::uuid and s.status not in ('pending', 'aborted')`;

export interface AccessLogEntry {
  id: number;
  occurredAt: string;
  userId: string;
  companyId: string | null;
  action: string;
  submissionId: string | null;
  bundleId: string | null;
  datasetId: string | null;
  subjectUserId: string | null;
  taskId: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AccessLogQuery {
  userId?: string;
  companyId?: string;
  action?: string;
  datasetId?: string;
  bundleId?: string;
  subjectUserId?: string;
  taskId?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Keyset position: entries older than this id. */
  beforeId?: number;
}

interface AccessLogRow {
  id: string;
  occurred_at: Date;
  user_id: string;
  company_id: string | null;
  action: string;
  submission_id: string | null;
  bundle_id: string | null;
  dataset_id: string | null;
  subject_user_id: string | null;
  task_id: string | null;
  details: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** Newest first; RLS lets only admins read the log, so others get an empty page. */
export function accessLogStatement(query: AccessLogQuery): SqlText {
  const none = raw('');
  return sql`
    select id, occurred_at, user_id, company_id, action, submission_id, bundle_id, dataset_id, subject_user_id, task_id,
      -- As text: with fetch_types off (Hyperdrive) postgres.js does not parse jsonb.
      details::text as details, ip, user_agent
    from public.access_log
    where true
      ${query.userId ? sql`and user_id = ${query.userId}::uuid` : none}
      ${query.companyId ? sql`and company_id = ${query.companyId}::uuid` : none}
      ${query.action ? sql`and action = ${query.action}` : none}
      ${query.datasetId ? sql`and dataset_id = ${query.datasetId}::uuid` : none}
      ${query.bundleId ? sql`and bundle_id = ${query.bundleId}::uuid` : none}
      ${query.subjectUserId ? sql`and subject_user_id = ${query.subjectUserId}::uuid` : none}
      ${query.taskId ? sql`and task_id = ${query.taskId}::uuid` : none}
      ${query.from ? sql`and occurred_at >= ${query.from}::timestamptz` : none}
      ${query.to ? sql`and occurred_at < ${query.to}::timestamptz` : none}
      ${query.beforeId ? sql`and id < ${query.beforeId}::bigint` : none}
    order by id desc
    limit ${query.limit}::integer`;
}

/** accessLogStatement's rows as entries. */
export function toAccessLogEntries(rows: readonly Row[]): AccessLogEntry[] {
  return (rows as unknown as AccessLogRow[]).map((row) => ({
    id: Number(row.id),
    occurredAt: row.occurred_at.toISOString(),
    userId: row.user_id,
    companyId: row.company_id,
    action: row.action,
    submissionId: row.submission_id,
    bundleId: row.bundle_id,
    datasetId: row.dataset_id,
    subjectUserId: row.subject_user_id,
    taskId: row.task_id,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    ip: row.ip,
    userAgent: row.user_agent,
  }));
}
