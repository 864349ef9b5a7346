import type { Transaction } from './client';

export interface AccessRecord {
  action: 'submission.view';
  submissionId: string;
  ip: string | null;
  userAgent: string | null;
}

/** Appends to the access log through its one narrow writer, gateway.log_access (security definer). */
export async function logAccess(tx: Transaction, record: AccessRecord): Promise<void> {
  await tx`select gateway.log_access(${record.action}, ${record.submissionId}, ${record.ip}, ${record.userAgent})`;
}

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
export async function listAccessLog(tx: Transaction, query: AccessLogQuery): Promise<AccessLogEntry[]> {
  const rows = await tx<AccessLogRow[]>`
    select id, occurred_at, user_id, company_id, action, submission_id, bundle_id, dataset_id, subject_user_id, task_id,
      -- As text: with fetch_types off (Hyperdrive) postgres.js does not parse jsonb.
      details::text as details, ip, user_agent
    from public.access_log
    where true
      ${query.userId ? tx`and user_id = ${query.userId}` : tx``}
      ${query.companyId ? tx`and company_id = ${query.companyId}` : tx``}
      ${query.action ? tx`and action = ${query.action}` : tx``}
      ${query.datasetId ? tx`and dataset_id = ${query.datasetId}` : tx``}
      ${query.bundleId ? tx`and bundle_id = ${query.bundleId}` : tx``}
      ${query.subjectUserId ? tx`and subject_user_id = ${query.subjectUserId}` : tx``}
      ${query.taskId ? tx`and task_id = ${query.taskId}` : tx``}
      ${query.from ? tx`and occurred_at >= ${query.from}::timestamptz` : tx``}
      ${query.to ? tx`and occurred_at < ${query.to}::timestamptz` : tx``}
      ${query.beforeId ? tx`and id < ${query.beforeId}` : tx``}
    order by id desc
    limit ${query.limit}`;
  return rows.map((row) => ({
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
