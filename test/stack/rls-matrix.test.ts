import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../scripts/lib/database';
import { startPostgres, type LocalPostgres } from '../../scripts/lib/postgres';
import { callers, ids, seed, type Role } from './rls-fixtures';
import { valueRules, type ValueRule } from './rls-constraints';
import { dataApiCells, dataApiRequest, hostile, type DataApiRequest } from './rls-data-api';
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

/**
 * One Data API request as PostgREST runs it: the request's settings (role, claims, method, path,
 * headers) with set_config, then its one statement with the JSON body bound as $1, rolled back.
 * `allowed` when PostgREST would have answered with affected rows, `none` when with none.
 */
function dataApi(role: Role | 'owner', request: DataApiRequest): Promise<string> {
  const caller = role === 'owner' ? { dbRole: 'postgres', claims: { role: 'service_role' } } : callers[role];
  return rolledBack(async (tx) => {
    await tx`select set_config('search_path', '"public", "extensions"', true), set_config('role', ${caller.dbRole}, true),
      set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true), set_config('request.method', ${request.method}, true),
      set_config('request.path', ${request.path}, true), set_config('request.headers', '{"accept":"application/json"}', true)`;
    try {
      const [result] = await tx.unsafe(request.statement, request.body === undefined ? [] : [request.body]);
      return Number(result!.page_total) > 0 ? 'allowed' : 'none';
    } catch (error) {
      if (!(error instanceof postgres.PostgresError)) throw error;
      return refusal(error);
    }
  });
}

/** The SQLSTATE and constraint a statement met, or null when it succeeded. */
async function constraintMet(statement: PromiseLike<unknown>) {
  try {
    await statement;
    return null;
  } catch (error) {
    if (!(error instanceof postgres.PostgresError)) throw error;
    return { code: error.code, constraint: error.constraint_name };
  }
}

/** What a write as the tables' owner (superuser: no RLS, every privilege) meets, rolled back. */
const asOwner = (statement: string, parameters: (string | null)[] = []) =>
  rolledBack((tx) => constraintMet(tx.unsafe(statement, parameters)));

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

describe('the Data API is read-only for users: every write PostgREST would run is refused', () => {
  it.each(dataApiCells.map((cell) => [`${cell.role} × ${cell.name} → denied`, cell] as const))(
    '%s',
    async (_, cell) => {
      expect(await dataApi(cell.role, dataApiRequest(cell.table, cell.method, cell.variant))).toBe('denied');
    },
  );

  // "denied" must mean no privilege, not a request PostgreSQL could not even parse.
  it.each(dataApiCells.filter((cell) => cell.role === 'anon').map((cell) => [cell.name, cell] as const))(
    "as the tables' owner, %s runs: it writes, or meets an integrity constraint",
    async (_, cell) => {
      const outcome = await dataApi('owner', dataApiRequest(cell.table, cell.method, cell.variant));
      expect(outcome).toMatch(/^(allowed|error 23\d{3}: .*)$/);
    },
  );
});

describe('CHECK constraints: the database refuses what the API refuses, whoever writes', () => {
  interface Values {
    content_type: string;
    original_filename: string;
  }
  const ordinary: Values = { content_type: 'audio/webm', original_filename: 'take.webm' };
  const insertSubmission = (values: Values) =>
    [
      `insert into public.submissions (task_id, contributor_id, content_type, declared_size, original_filename)
        values ($1, $2, $3, 1000, $4)`,
      [ids.taskA, ids.contributorA, values.content_type, values.original_filename],
    ] as const;
  const hostileRows: [string, Values, string][] = [
    ['a 2 MB content type', { ...ordinary, content_type: hostile.contentType }, 'submissions_content_type_media_type'],
    [
      'a 9-million-character file name with a right-to-left override, a newline and <script>',
      { ...ordinary, original_filename: hostile.filename },
      'submissions_original_filename_text',
    ],
    ['image/svg+xml', { ...ordinary, content_type: hostile.activeType }, 'submissions_content_type_not_active'],
  ];

  it.each(hostileRows)("the issue's row with %s is refused as the tables' owner", async (_, values, constraint) => {
    const [statement, parameters] = insertSubmission(values);
    expect(await asOwner(statement, [...parameters])).toEqual({ code: '23514', constraint });
  });

  it.each(hostileRows)(
    "the issue's row with %s is refused as service_role, given INSERT as a future path might be",
    async (_, values, constraint) => {
      const [statement, parameters] = insertSubmission(values);
      const met = await rolledBack(async (tx) => {
        await tx`grant insert on public.submissions to service_role`;
        await tx`select set_config('request.jwt.claims', ${JSON.stringify(callers.service.claims)}, true)`;
        await tx`set local role service_role`;
        return constraintMet(tx.unsafe(statement, [...parameters]));
      });
      expect(met).toEqual({ code: '23514', constraint });
    },
  );

  it.each(hostileRows)(
    "the issue's row with %s is refused through gateway.open_submission, for the contributor the task is assigned to",
    async (_, values, constraint) => {
      // Task A admits audio/* and image/*: the task admits each of these, the constraint does not.
      const met = await inRequest('contributor', async (tx, enter) => {
        await enter();
        return constraintMet(
          tx`select * from gateway.open_submission(${ids.taskA}, ${values.content_type}, 1000, ${values.original_filename})`,
        );
      });
      expect(met).toEqual({ code: '23514', constraint });
    },
  );

  const assignment = (rule: ValueRule) =>
    rule.array
      ? `(select coalesce(array_agg(element order by position), '{}') from json_array_elements_text($1::text::json) with ordinality as e(element, position))`
      : '$1';
  const update = (rule: ValueRule) =>
    `update public.${rule.table} set ${rule.column} = ${assignment(rule)} where ${rule.row}`;
  const parameter = (rule: ValueRule, value: unknown) =>
    rule.array ? JSON.stringify(value) : (value as string | null);
  const shown = (value: unknown) => {
    const text = JSON.stringify(value) ?? 'undefined';
    return text.length > 60 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
  };

  it.each(
    valueRules.flatMap((rule) => rule.refused.map((value) => [rule.constraint, shown(value), rule, value] as const)),
  )('%s refuses %s, and so does the API', async (_, __, rule, value) => {
    expect(await asOwner(update(rule), [parameter(rule, value)])).toEqual({
      code: '23514',
      constraint: rule.constraint,
    });
    if (rule.api) expect(rule.api(value)).toBe(false);
  });

  it.each(
    valueRules.flatMap((rule) => rule.kept.map((value) => [rule.constraint, shown(value), rule, value] as const)),
  )('%s keeps %s, which the API accepts', async (_, __, rule, value) => {
    expect(await asOwner(update(rule), [parameter(rule, value)])).toBeNull();
    if (rule.api) expect(rule.api(value)).toBe(true);
  });

  it('every constraint is validated: the rows already there keep it', async () => {
    const constraints = await sql<{ conname: string; convalidated: boolean }[]>`
      select conname, convalidated from pg_constraint where conname = any (${valueRules.map((rule) => rule.constraint)})`;
    expect(constraints.map((c) => [c.conname, c.convalidated]).sort()).toEqual(
      [...new Set(valueRules.map((rule) => rule.constraint))].sort().map((name) => [name, true]),
    );
  });

  it('a sign-up whose metadata name has control characters and 300 characters gets a profile that keeps the rule', async () => {
    const id = '00000000-0000-4000-8000-0a0000000999';
    const profile = await rolledBack(async (tx) => {
      await tx`set local role supabase_auth_admin`;
      await tx`insert into auth.users (id, email, raw_user_meta_data, created_at)
        values (${id}, 'signup@rls.test', ${JSON.stringify({ full_name: `\u0085Ada\u0007 ${'L'.repeat(300)}\n` })}::text::jsonb, now())`;
      await tx`reset role`;
      return (await tx`select display_name from public.profiles where id = ${id}`)[0];
    });
    expect(profile!.display_name).toBe(`Ada ${'L'.repeat(196)}`);
  });
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

  it('anon and authenticated hold no INSERT, UPDATE or DELETE on any table or column (the Data API is read-only for users)', async () => {
    const held = await sql`
      select c.relname, r, p from pg_class c, unnest(array['anon', 'authenticated']) r, unnest(array['INSERT', 'UPDATE', 'DELETE']) p
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and (has_table_privilege(r, c.oid, p) or (p <> 'DELETE' and has_any_column_privilege(r, c.oid, p)))`;
    expect(held).toEqual([]);
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
