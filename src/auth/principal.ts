import type { AppContext } from '../context';
import { asUser, type Flight, inFlightsOfOneTransaction, inOneFlight, type Row, type Transaction } from '../db/client';
import type { AppRole } from '../db/profiles';
import { type SqlText, sql } from '../db/sql-text';
import { ApiError } from '../errors';
import { log } from '../log';

export interface Principal {
  userId: string;
  role: AppRole;
  companyId: string | null;
}

// supabase/migrations/20261129050000_caller_profile.sql: the caller has no profile or a role not allowed.
const notAllowedSqlState = 'GW403';
// supabase/migrations/20261129080200_banned_users_refused.sql: Supabase Auth's banned_until is in the future.
const bannedSqlState = 'GW401';

/**
 * The caller's profile, checked against `roles` in SQL so that it can share a flight with the
 * statements it guards: a refusal aborts the transaction before they take effect.
 */
function callerProfile(roles: readonly AppRole[]): SqlText {
  return sql`select role, company_id from gateway.caller_profile(${`{${roles.join(',')}}`}::public.app_role[])`;
}

/**
 * The profile check's refusals as the API answers them. A banned user's token is refused like any
 * other refused token: the same 401 and message (src/auth/authenticate.ts), the reason only logged.
 */
function refusedOr(c: AppContext, error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (code === notAllowedSqlState) return new ApiError('forbidden', 'not allowed for this account');
  if (code === bannedSqlState) {
    log('warn', 'token rejected', {
      reason: 'the user is banned (auth.users.banned_until)',
      requestId: c.var.requestId,
    });
    return new ApiError('unauthorized', 'missing or invalid access token');
  }
  return error;
}

function requireToken(c: AppContext) {
  const token = c.var.token;
  if (!token) throw new ApiError('unauthorized', 'missing or invalid access token');
  return token;
}

/**
 * Runs `work` in the request's one RLS transaction, as the authenticated caller, after loading
 * their application role from `profiles` (never from token metadata, which users can edit).
 * Callers whose role is not in `roles` get 403 before any other query runs. BEGIN, the claims and
 * the profile are one round trip; each statement `work` awaits is another, and COMMIT one more.
 */
export async function asPrincipal<T>(
  c: AppContext,
  roles: readonly AppRole[],
  work: (tx: Transaction, principal: Principal) => Promise<T>,
): Promise<T> {
  const token = requireToken(c);
  try {
    return await asUser(
      c.var.database(),
      token.claims,
      (tx, [profile]) => {
        const row = profile![0] as { role: AppRole; company_id: string | null };
        return work(tx, { userId: token.userId, role: row.role, companyId: row.company_id });
      },
      [callerProfile(roles)],
    );
  } catch (error) {
    throw refusedOr(c, error);
  }
}

/**
 * Runs `statements` as the authenticated caller in one round trip: BEGIN, the claims, the profile
 * and role check, the statements and COMMIT leave together. A caller whose role is not in `roles`
 * gets 403 and none of the statements takes effect. Answers the principal and each statement's rows.
 */
export async function asPrincipalInOneFlight<const Statements extends readonly SqlText[]>(
  c: AppContext,
  roles: readonly AppRole[],
  statements: Statements,
): Promise<{ principal: Principal; rows: { [Index in keyof Statements]: Row[] } }> {
  const token = requireToken(c);
  try {
    const [profile, ...rows] = await inOneFlight(c.var.database(), 'authenticated', token.claims, [
      callerProfile(roles),
      ...statements,
    ]);
    const row = profile![0] as { role: AppRole; company_id: string | null };
    return {
      principal: { userId: token.userId, role: row.role, companyId: row.company_id },
      rows: rows as { [Index in keyof Statements]: Row[] },
    };
  } catch (error) {
    throw refusedOr(c, error);
  }
}

/**
 * Runs statements as the authenticated caller in one transaction of several round trips, for work
 * that must call S3 between them: `first` leaves with BEGIN, the claims and the profile and role
 * check (403 before anything takes effect); `rest` gets their answers and sends the later flights,
 * the last with `commit`. Nothing commits if `rest` throws.
 */
export async function asPrincipalInFlights<T>(
  c: AppContext,
  roles: readonly AppRole[],
  first: readonly SqlText[],
  rest: (principal: Principal, rows: Row[][], flight: Flight) => Promise<T>,
): Promise<T> {
  const token = requireToken(c);
  try {
    return await inFlightsOfOneTransaction(c.var.database(), 'authenticated', token.claims, async (flight) => {
      const [profile, ...rows] = await flight([callerProfile(roles), ...first]);
      const row = profile![0] as { role: AppRole; company_id: string | null };
      return rest({ userId: token.userId, role: row.role, companyId: row.company_id }, rows, flight);
    });
  } catch (error) {
    throw refusedOr(c, error);
  }
}

export const everyRole: readonly AppRole[] = ['contributor', 'validator', 'admin', 'company'];
