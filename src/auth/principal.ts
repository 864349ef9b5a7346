import type { AppContext } from '../context';
import { asUser, type Transaction } from '../db/client';
import { findOwnProfile, type AppRole } from '../db/profiles';
import { ApiError } from '../errors';

export interface Principal {
  userId: string;
  role: AppRole;
  companyId: string | null;
}

/**
 * Runs `work` in the request's one RLS transaction, as the authenticated caller, after loading
 * their application role from `profiles` (never from token metadata, which users can edit).
 * Callers whose role is not in `roles` get 403 before any other query runs.
 */
export async function asPrincipal<T>(
  c: AppContext,
  roles: readonly AppRole[],
  work: (tx: Transaction, principal: Principal) => Promise<T>,
): Promise<T> {
  const token = c.var.token;
  if (!token) throw new ApiError('unauthorized', 'missing or invalid access token');
  return asUser(c.var.database(), token.claims, async (tx) => {
    const profile = await findOwnProfile(tx);
    if (!profile || !roles.includes(profile.role)) throw new ApiError('forbidden', 'not allowed for this account');
    return work(tx, { userId: token.userId, role: profile.role, companyId: profile.companyId });
  });
}

export const everyRole: readonly AppRole[] = ['contributor', 'validator', 'admin', 'company'];
