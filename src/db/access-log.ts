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
