import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../scripts/lib/database';
import { startPostgres, type LocalPostgres } from '../../scripts/lib/postgres';
import { callers, seed, type Role } from './rls-fixtures';
import { cells, own, probes, readableColumns, type Cell } from './rls-matrix';
import { deleteStatement, tables, updateStatement, writes, type Table } from './rls-statements';

// Runs every cell of the RLS matrix (rls-matrix.ts) the way Supabase's Data API (PostgREST) runs
// a request: one transaction, `set local role` to the key's role, the verified JWT's claims in
// `request.jwt.claims`, one statement. Every cell ends in ROLLBACK, so cells cannot affect each
// other and the fixtures stay as seeded. The database has Supabase's default grants (the
// baseline) and every migration, and no Worker: this is the Data API's view, not the gateway's.

let database: LocalPostgres;
let sql: postgres.Sql;

beforeAll(async () => {
  database = await startPostgres();
  await migrate(database.url, { seed: false });
  sql = postgres(database.url, { max: 1, onnotice: () => {} });
  await seed(sql);
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await database?.stop();
});

const rollback = Symbol('rollback');

/** Runs `work` as the superuser in a transaction that is always rolled back. */
async function rolledBack<T>(work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  await sql
    .begin(async (tx) => {
      result = { value: await work(tx) };
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  if (!result) throw new Error('the transaction did not run');
  return result.value;
}

/**
 * One Data API request of `role`, rolled back. The claims are set first, so the superuser's own
 * look at the rows (before `enter()` switches role) sees the same auth.uid() as the caller.
 */
function inRequest<T>(
  role: Role,
  work: (tx: postgres.TransactionSql, enter: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const caller = callers[role];
  return rolledBack(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true)`;
    return work(tx, async () => void (await tx.unsafe(`set local role ${caller.dbRole}`)));
  });
}

type Attempt = { rows: Record<string, unknown>[]; count: number } | { error: { code: string; message: string } };

async function attempt(tx: postgres.TransactionSql, statement: string): Promise<Attempt> {
  try {
    const result = await tx.unsafe(statement);
    return { rows: [...result], count: result.count };
  } catch (error) {
    if (!(error instanceof postgres.PostgresError)) throw error;
    return { error: { code: error.code, message: error.message } };
  }
}

/** "denied" for SQLSTATE 42501 (insufficient_privilege, which RLS violations also raise). */
const refusal = (error: { code: string; message: string }) =>
  error.code === '42501' ? 'denied' : `error ${error.code}: ${error.message}`;

/** Rows as JSON, of the columns the Data API would return for `select=*` to a caller with column grants. */
const selectRows = (table: Table, where = 'true') =>
  `select to_jsonb(t)::text as row from (select ${readableColumns[table] ?? '*'} from public.${table} where ${where}) t order by 1`;

const rowsOf = async (tx: postgres.TransactionSql, table: Table, where = 'true') =>
  (await tx.unsafe(selectRows(table, where))).map((r) => String(r.row));

async function observeSelect(cell: Cell): Promise<string> {
  return inRequest(cell.role, async (tx, enter) => {
    const everything = await rowsOf(tx, cell.table);
    const predicate = own[cell.table];
    const owned = predicate === undefined ? undefined : await rowsOf(tx, cell.table, predicate);
    if (cell.expected === 'own') {
      // An "own" that is empty or everything could not tell the policy from none or all.
      expect(owned, `own[${cell.table}]`).toBeDefined();
      expect(owned!.length, `the caller owns rows of ${cell.table}`).toBeGreaterThan(0);
      expect(owned!.length, `others own rows of ${cell.table}`).toBeLessThan(everything.length);
    }
    await enter();
    const seen = await attempt(tx, selectRows(cell.table));
    if ('error' in seen) return refusal(seen.error);
    const visible = seen.rows.map((r) => String(r.row));
    if (visible.length === 0) return everything.length > 0 ? 'none' : 'an empty table (fixtures missing)';
    if (JSON.stringify(visible) === JSON.stringify(everything)) return 'all';
    if (owned && JSON.stringify(visible) === JSON.stringify(owned)) return 'own';
    return `other rows: ${visible.length} of ${everything.length} (own: ${owned?.length ?? 'undefined'})`;
  });
}

async function observeWrite(role: Role, statement: string, target?: string): Promise<string> {
  return inRequest(role, async (tx, enter) => {
    // "none" must mean refused, never "nothing to change": the target rows exist.
    const targets = target === undefined ? undefined : Number((await tx.unsafe(target))[0]?.count);
    await enter();
    const outcome = await attempt(tx, statement);
    if ('error' in outcome) return refusal(outcome.error);
    if (outcome.count > 0) return 'allowed';
    return targets === undefined || targets > 0 ? 'none' : 'none, but the statement had no target rows';
  });
}

const targetOf = (table: Table, operation: 'update' | 'delete') =>
  `select count(*)::int as count from public.${table} where ${writes[table][operation].where}`;

describe('RLS matrix: role × table × operation, as the Data API runs it', () => {
  it('covers every relation in schema public (the Data API exposes them all)', async () => {
    const relations = await sql<{ relname: string }[]>`
      select c.relname from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
      order by c.relname`;
    expect(relations.map((r) => r.relname)).toEqual([...tables].sort());
  });

  it.each(cells.map((cell) => [`${cell.role} × ${cell.table} × ${cell.operation} → ${cell.expected}`, cell] as const))(
    '%s',
    async (_, cell) => {
      const observed =
        cell.operation === 'select'
          ? await observeSelect(cell)
          : cell.operation === 'insert'
            ? await observeWrite(cell.role, writes[cell.table].insert)
            : await observeWrite(
                cell.role,
                cell.operation === 'update' ? updateStatement(cell.table) : deleteStatement(cell.table),
                targetOf(cell.table, cell.operation),
              );
      expect(observed).toBe(cell.expected);
    },
  );

  it.each(probes.map((probe) => [`${probe.role}: ${probe.name} → ${probe.expected}`, probe] as const))(
    '%s',
    async (_, probe) => {
      expect(await observeWrite(probe.role, probe.statement, probe.target)).toBe(probe.expected);
    },
  );
});

// What the matrix's four statements cannot show: the other privileges PostgreSQL has.
describe('privileges of the API roles in schema public', () => {
  const apiRoles = ['anon', 'authenticated', 'service_role'];

  it('start as a Supabase project grants them: ALL on new tables, sequences and functions', async () => {
    // Without these defaults the revocations would prove nothing: the baseline must be faithful.
    const held = await rolledBack(async (tx) => {
      await tx`create table public.rls_default_probe (id bigint generated always as identity)`;
      await tx`create function public.rls_default_probe_fn() returns integer language sql as 'select 1'`;
      return tx<{ role: string; privilege: string; held: boolean }[]>`
        select r as role, p as privilege, has_table_privilege(r, 'public.rls_default_probe', p) as held
        from unnest(${apiRoles}::text[]) r, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
        union all
        select r, p, has_sequence_privilege(r, 'public.rls_default_probe_id_seq', p)
        from unnest(${apiRoles}::text[]) r, unnest(array['USAGE', 'SELECT', 'UPDATE']) p
        union all
        select r, 'EXECUTE', has_function_privilege(r, 'public.rls_default_probe_fn()', 'EXECUTE')
        from unnest(${apiRoles}::text[]) r`;
    });
    expect(held).toHaveLength(33);
    expect(held.filter((row) => !row.held)).toEqual([]);
  });

  it('hold no TRUNCATE, REFERENCES or TRIGGER on any table (TRUNCATE ignores RLS)', async () => {
    const held = await sql`
      select c.relname, r, p from pg_class c, unnest(${apiRoles}::text[]) r, unnest(array['TRUNCATE', 'REFERENCES', 'TRIGGER']) p
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and has_table_privilege(r, c.oid, p)`;
    expect(held).toEqual([]);
  });

  it('may not use any sequence (no table needs its caller to draw ids)', async () => {
    const sequences = await sql<
      { relname: string }[]
    >`select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'S'`;
    expect(sequences.length).toBeGreaterThan(0);
    const held = await sql`
      select c.relname, r, p from pg_class c, unnest(${apiRoles}::text[]) r, unnest(array['USAGE', 'SELECT', 'UPDATE']) p
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'S' and has_sequence_privilege(r, c.oid, p)`;
    expect(held).toEqual([]);
  });

  it('may execute no function in public (each would be an endpoint under /rest/v1/rpc)', async () => {
    const held = await sql`
      select f.oid::regprocedure::text as function, r from pg_proc f, unnest(${apiRoles}::text[]) r
      where f.pronamespace = 'public'::regnamespace and has_function_privilege(r, f.oid, 'EXECUTE')`;
    expect(held).toEqual([]);
  });
});
