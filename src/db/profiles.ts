import type { Transaction } from './client';

export type AppRole = 'contributor' | 'validator' | 'admin' | 'company';

export interface Profile {
  role: AppRole;
  companyId: string | null;
}

/**
 * The caller's own profile, read under RLS (a user sees their own row). A deleted user's profile
 * stays as an anonymised tombstone (supabase/migrations/20261129030000_accounts_and_administration.sql)
 * and counts as none, although their token verifies until it expires.
 */
export async function findOwnProfile(tx: Transaction): Promise<Profile | null> {
  const rows = await tx<{ role: AppRole; company_id: string | null }[]>`
    select role, company_id from public.profiles where id = auth.uid() and deleted_at is null`;
  const row = rows[0];
  return row ? { role: row.role, companyId: row.company_id } : null;
}
