import type { Transaction } from './client';

export interface Company {
  id: string;
  name: string;
}

/** Companies the caller may see under RLS: all of them for admins. */
export async function listCompanies(tx: Transaction): Promise<Company[]> {
  return tx<Company[]>`select id, name from public.companies order by name, id`;
}
