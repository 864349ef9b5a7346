import postgres from 'postgres';

export type Sql = postgres.Sql;
export type Transaction = postgres.TransactionSql;

/** Postgres could not be reached or refused service; routes answer 503. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

// SQLSTATE classes that mean "the database, not the query": 08 connection exception,
// 53 insufficient resources, 57 operator intervention (PostgreSQL manual, Appendix A).
const unavailableSqlStates = /^(08|53|57)/;
const connectionErrorCodes = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

function isUnavailable(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) return unavailableSqlStates.test(error.code);
  // Only plain Errors, as sockets raise them: a typed error thrown by the work inside the
  // transaction (an object store failure, an API error) keeps its own meaning.
  if (!(error instanceof Error) || Object.getPrototypeOf(error) !== Error.prototype) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && connectionErrorCodes.has(code)) return true;
  // workerd's TCP sockets (cloudflare:sockets) fail with plain Errors naming the connection.
  return /connect|socket|network|stream was cancelled/i.test(error.message) && !(error instanceof TypeError);
}

export function translateDatabaseError(error: unknown): unknown {
  return isUnavailable(error) ? new DatabaseUnavailableError('database unavailable', { cause: error }) : error;
}

export interface Database {
  sql: Sql;
  close(): Promise<void>;
}

/**
 * A postgres.js client for one request. Through Hyperdrive the connection string points at a
 * pooled proxy, so opening per request is cheap; type fetching is off because Hyperdrive serves
 * it from a different backend connection each time.
 */
export function openDatabase(connectionString: string): Database {
  const sql = postgres(connectionString, {
    max: 2,
    fetch_types: false,
    prepare: true,
    connect_timeout: 5,
    idle_timeout: 10,
    onnotice: () => {},
  });
  return {
    sql,
    close: () => sql.end({ timeout: 2 }),
  };
}

/**
 * Runs `work` in one transaction as the `authenticated` role with the caller's JWT claims, the
 * way Supabase's own Data API does, so the RLS policies decide every row the caller sees.
 * `set_config(..., true)` is transaction-local: nothing leaks to the next user of a pooled
 * connection.
 */
export function asUser<T>(
  database: Database,
  claims: Record<string, unknown>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return inRole(database, 'authenticated', claims, work);
}

async function inRole<T>(
  database: Database,
  role: string,
  claims: Record<string, unknown>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  try {
    return (await database.sql.begin(async (tx) => {
      await tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      return work(tx);
    })) as T;
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * Runs `work` in one transaction as `anon`: for requests that carry no session but are
 * authorised otherwise (a signed bundle link). `anon` sees nothing under RLS; it may only call
 * the gateway functions granted to it.
 */
export function asAnonymous<T>(database: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return inRole(database, 'anon', { role: 'anon' }, work);
}

/**
 * Runs `work` in one transaction as `service_role`, for work no user makes: the dataset build
 * job. The role bypasses RLS, so it is granted only the tables that job touches.
 */
export function asService<T>(database: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return inRole(database, 'service_role', { role: 'service_role' }, work);
}
