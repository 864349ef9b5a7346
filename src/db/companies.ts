import { type SqlText, sql } from './sql-text';

export interface Company {
  id: string;
  name: string;
}

/** Companies the caller may see under RLS: all of them for admins. */
export const companiesStatement: SqlText = sql`select id, name from public.companies order by name, id`;
