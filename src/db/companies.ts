import type { Transaction } from './client';
import { type SqlText, sql } from './sql-text';

export interface Company {
  id: string;
  name: string;
}

/** Companies the caller may see under RLS: all of them for admins. */
export const companiesStatement: SqlText = sql`select id, name from public.companies order by name, id`;

/** Whether the caller can see the company under RLS (admins see every one). */
export async function companyExists(tx: Transaction, companyId: string): Promise<boolean> {
  return (await tx`select 1 from public.companies where id = ${companyId}`).length > 0;
}
