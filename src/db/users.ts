import type { Row } from './client';
import { type SqlText, sql } from './sql-text';
import type { AppRole } from './profiles';

// Users as admins manage them: a profile, with the email Supabase Auth holds. Every change goes
// through a security-definer function of schema `gateway` that re-checks the caller is an admin
// and writes the access-log row in the same transaction
// (supabase/migrations/20261129030000_accounts_and_administration.sql).

export interface User {
  id: string;
  /** Null once the account is deleted (its profile stays, anonymised). */
  email: string | null;
  role: AppRole;
  companyId: string | null;
  displayName: string | null;
  createdAt: string;
  deletedAt: string | null;
}

interface UserRow {
  id: string;
  email: string | null;
  role: AppRole;
  company_id: string | null;
  display_name: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

export interface UserQuery {
  email?: string;
  role?: AppRole;
  limit: number;
  /** Keyset position: users created before this one. */
  after?: { createdAt: string; id: string };
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.deleted_at ? null : row.email,
    role: row.role,
    companyId: row.company_id,
    displayName: row.display_name,
    createdAt: row.created_at.toISOString(),
    deletedAt: row.deleted_at?.toISOString() ?? null,
  };
}

/** Newest first; nothing for anyone but an admin. With `id`, that user alone. */
export const usersStatement = (query: UserQuery & { id?: string }): SqlText => sql`
  select * from gateway.admin_list_users(${query.id ?? null}::uuid, ${query.email ?? null}, ${query.role ?? null}::public.app_role,
    ${query.after?.createdAt ?? null}::timestamptz, ${query.after?.id ?? null}::uuid, ${query.limit}::integer)`;

/** usersStatement's rows as users. */
export const toUsers = (rows: readonly Row[]): User[] => (rows as unknown as UserRow[]).map(toUser);

export type SetRoleOutcome =
  | 'forbidden'
  | 'not_found'
  | 'deleted'
  | 'company_mismatch'
  | 'no_such_company'
  | 'last_admin'
  | 'unchanged'
  | 'updated';

export interface AdminClient {
  ip: string | null;
  userAgent: string | null;
}

export const setUserRoleStatement = (
  id: string,
  change: { role: AppRole; companyId: string | null },
  client: AdminClient,
): SqlText => sql`
  select gateway.admin_set_role(${id}::uuid, ${change.role}::public.app_role, ${change.companyId}::uuid, ${client.ip}, ${client.userAgent}) as outcome`;
