import postgres from 'postgres';
import { type SqlText, sql as sqlText } from './sql-text';

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
  /** Runs `work` alone on the connection: transactions of one client never interleave. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A postgres.js client for one request. Through Hyperdrive the connection string points at a
 * pooled proxy, so opening per request is cheap; type fetching is off because Hyperdrive serves
 * it from a different backend connection each time.
 *
 * One connection: a transaction's statements are pipelined on it (BEGIN through COMMIT in one
 * write), which postgres.js allows outside `sql.begin` only with `max: 1`, and its `reserve()`
 * never resolves on a client that has not connected yet (3.4.9). Transactions take turns through
 * `exclusive`, so concurrent ones (the dataset build's part workers) never share a transaction.
 */
export function openDatabase(connectionString: string): Database {
  const sql = postgres(connectionString, {
    max: 1,
    fetch_types: false,
    // No prepared statements: every statement leaves as SQL text in a simple Query message
    // (oneMessage, `unsafe` without parameters), and the readiness probe's tagged `select 1`
    // goes unnamed, so nothing depends on a named statement surviving on a pooled connection.
    prepare: false,
    connect_timeout: 5,
    idle_timeout: 10,
    onnotice: () => {},
  });
  let turn: Promise<unknown> = Promise.resolve();
  return {
    sql,
    exclusive<T>(work: () => Promise<T>) {
      const run = turn.then(work, work);
      turn = run.catch(() => {});
      return run;
    },
    close: () => sql.end({ timeout: 2 }),
  };
}

/**
 * Runs `work` in one transaction as the `authenticated` role with the caller's JWT claims, the
 * way Supabase's own Data API does, so the RLS policies decide every row the caller sees.
 * `set_config(..., true)` is transaction-local: nothing leaks to the next user of a pooled
 * connection. `opening` are statements to run right after the claims, in the same flight.
 */
export function asUser<T>(
  database: Database,
  claims: Record<string, unknown>,
  work: (tx: Transaction, opened: Row[][]) => Promise<T>,
  opening: readonly SqlText[] = [],
): Promise<T> {
  return inRole(database, 'authenticated', claims, work, opening);
}

export type DatabaseRole = 'authenticated' | 'anon' | 'service_role';
export type Row = Record<string, unknown>;

const claimText = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The role and claims, transaction-local. `request.jwt.claim.sub` and `request.jwt.claim.role` are
 * set too, from the same claims (empty when absent): Supabase's auth.uid() and auth.role() read
 * these older per-claim settings first and `request.jwt.claims` only when they are empty (the
 * `coalesce` in Supabase's auth schema, scripts/sql/supabase-baseline.sql), so a value left on a
 * pooled connection by anything else (a session-level `set`, another client of the pool) would
 * otherwise decide who the caller is. Set here, nothing but this request's token can.
 */
const claimsStatement = (role: DatabaseRole, claims: Record<string, unknown>) =>
  sqlText`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
    set_config('request.jwt.claim.sub', ${claimText(claims.sub)}, true),
    set_config('request.jwt.claim.role', ${claimText(claims.role)}, true)`;

/**
 * Statements as one simple Query message (PostgreSQL manual, 55.2.2 "Simple Query"): the server
 * runs them in order and answers them together, one round trip. Each must return rows (a SELECT,
 * or a data-modifying statement with RETURNING): postgres.js starts a new result at each row
 * description, so that is how the answers are told apart. Without `begin` the message is one
 * implicit transaction; `begin` opens a transaction block that outlives the message, `commit`
 * ends it (neither has rows: BEGIN's empty result is dropped, COMMIT's merges into the last one).
 */
async function oneMessage(
  connection: Sql,
  statements: readonly SqlText[],
  framing: { begin?: boolean; commit?: boolean } = {},
): Promise<Row[][]> {
  const texts = statements.map((statement) => statement.text);
  const message = [...(framing.begin ? ['begin'] : []), ...texts, ...(framing.commit ? ['commit'] : [])].join(';\n');
  const answers = (await connection.unsafe(message)) as unknown as Row[] | Row[][];
  const results = answers.length > 0 && Array.isArray(answers[0]) ? (answers as Row[][]) : [answers as Row[]];
  return framing.begin ? results.slice(1) : results;
}

async function inRole<T>(
  database: Database,
  role: DatabaseRole,
  claims: Record<string, unknown>,
  work: (tx: Transaction, opened: Row[][]) => Promise<T>,
  opening: readonly SqlText[] = [],
): Promise<T> {
  const connection = database.sql;
  try {
    return await database.exclusive(async () => {
      // BEGIN goes alone: on a connection still starting up, postgres.js sends its first query
      // alone anyway. The claims and the opening statements follow in one message.
      await connection.unsafe('begin');
      let result: T;
      try {
        const opened = (await oneMessage(connection, [claimsStatement(role, claims), ...opening])).slice(1);
        result = await work(connection as unknown as Transaction, opened);
      } catch (error) {
        await connection.unsafe('rollback').catch(() => {});
        throw error;
      }
      await connection.unsafe('commit');
      return result;
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * Runs `statements` in `role` with `claims` in one round trip: the role and claims and the
 * statements leave as one message, which PostgreSQL runs as one implicit transaction, so the
 * transaction-local settings hold for every statement and end with them. A statement that fails
 * rolls back all of them and is thrown; nothing partial commits. The statements cannot depend on
 * each other's answers in JavaScript: what must be decided between them is decided in SQL.
 */
export async function inOneFlight(
  database: Database,
  role: DatabaseRole,
  claims: Record<string, unknown>,
  statements: readonly SqlText[],
): Promise<Row[][]> {
  try {
    return await database.exclusive(async () =>
      (await oneMessage(database.sql, [claimsStatement(role, claims), ...statements])).slice(1),
    );
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/** One round trip of statements inside a transaction that spans several; `commit` ends it. */
export type Flight = (statements: readonly SqlText[], options?: { commit?: boolean }) => Promise<Row[][]>;

/**
 * A transaction that must wait for something outside the database between its statements (an S3
 * call whose result it records): `work` sends its statements in flights. The first flight carries
 * BEGIN, the role and the claims (its answers start after them), the one with `commit` also
 * COMMIT; so a transaction of two flights costs two round trips. If `work` throws, or the
 * connection is lost, nothing of it commits. Without a committing flight, COMMIT follows alone.
 */
export async function inFlightsOfOneTransaction<T>(
  database: Database,
  role: DatabaseRole,
  claims: Record<string, unknown>,
  work: (flight: Flight) => Promise<T>,
): Promise<T> {
  try {
    return await database.exclusive(async () => {
      let opened = false;
      let ended = false;
      const flight: Flight = async (statements, options = {}) => {
        if (ended) throw new Error('the transaction has ended');
        const first = !opened;
        opened = true;
        const framed = first ? [claimsStatement(role, claims), ...statements] : statements;
        const answers = await oneMessage(database.sql, framed, { begin: first, commit: options.commit });
        if (options.commit) ended = true;
        return first ? answers.slice(1) : answers;
      };
      try {
        const result = await work(flight);
        if (opened && !ended) await database.sql.unsafe('commit');
        return result;
      } catch (error) {
        if (opened && !ended) await database.sql.unsafe('rollback').catch(() => {});
        throw error;
      }
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/**
 * Runs `work` in one transaction as `service_role`, for work no user makes: the dataset build
 * job. The role bypasses RLS, so it is granted only the tables that job touches.
 */
export function asService<T>(database: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return inRole(database, 'service_role', { role: 'service_role' }, work);
}
