import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDatabaseUrl, migrationsDirectory, runSupabaseCli } from '../../scripts/lib/database';
import { startPostgres, type LocalPostgres } from '../../scripts/lib/postgres';

// Supabase as it really is, on a PostgreSQL of our own: the local baseline gives it what a
// Supabase project has, the real Supabase CLI (npm package `supabase`, pinned) applies the
// migrations as `supabase db push` does in production, and Supabase Auth's own role then signs
// users up and deletes them.

const root = new URL('../../', import.meta.url).pathname;
const baseline = readFileSync(join(root, 'scripts/sql/supabase-baseline.sql'), 'utf8');
const migrationFiles = readdirSync(migrationsDirectory)
  .filter((file) => file.endsWith('.sql'))
  .sort();

let database: LocalPostgres;
let sql: postgres.Sql;
let socketDirectory: string;
let socketForwarder: Server | undefined;

/**
 * A directory holding the database's Unix socket, `.s.PGSQL.<port>` as libpq names it: the system
 * PostgreSQL's own, or for embedded PGlite (TCP only, in this process) a socket whose connections
 * are piped to its loopback port by this process, which keeps the network.
 */
async function unixSocket(): Promise<string> {
  if (database.socketDirectory !== undefined) return database.socketDirectory;
  const { port } = new URL(database.url);
  const directory = mkdtempSync(join(tmpdir(), 'storage-manager-pglite-socket-'));
  socketForwarder = createServer((client) => {
    const server = connect(Number(port), '127.0.0.1');
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.pipe(server).pipe(client);
  });
  const forwarder = socketForwarder;
  await new Promise<void>((resolve, reject) => {
    forwarder.once('error', reject);
    forwarder.listen(join(directory, `.s.PGSQL.${port}`), resolve);
  });
  return directory;
}

/**
 * A network namespace of the CLI's own, where not even loopback is up: as root `unshare --net`;
 * otherwise inside a new user namespace where it is root (unprivileged user namespaces, on by
 * default in Debian since 11; user_namespaces(7)).
 */
const withoutNetwork =
  process.getuid?.() === 0 ? ['unshare', '--net', '--'] : ['unshare', '--user', '--map-root-user', '--net', '--'];

beforeAll(async () => {
  database = await startPostgres();
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  socketDirectory = await unixSocket();
});

afterAll(async () => {
  if (socketForwarder !== undefined) {
    const forwarder = socketForwarder;
    await new Promise((resolve) => forwarder.close(resolve));
    rmSync(socketDirectory, { recursive: true, force: true });
  }
  await sql?.end({ timeout: 5 });
  await database?.stop();
});

/** What the baseline touches, as the catalog describes it. */
async function catalog() {
  return sql`
    select jsonb_build_object(
      'roles', (select jsonb_agg(jsonb_build_array(rolname, rolcanlogin, rolinherit, rolbypassrls, rolconfig) order by rolname)
                from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_auth_admin')),
      'members', (select jsonb_agg(jsonb_build_array(r.rolname, m.rolname) order by r.rolname, m.rolname)
                  from pg_auth_members a join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member),
      'schemas', (select jsonb_agg(jsonb_build_array(nspname, nspacl::text) order by nspname) from pg_namespace where nspname in ('auth', 'public')),
      'defaults', (select jsonb_agg(defaclacl::text order by defaclobjtype) from pg_default_acl),
      'users', (select jsonb_agg(jsonb_build_array(attname, format_type(atttypid, atttypmod), attnotnull) order by attnum)
                from pg_attribute where attrelid = to_regclass('auth.users') and attnum > 0),
      'functions', (select jsonb_agg(jsonb_build_array(oid::regprocedure::text, proowner::regrole::text, md5(prosrc), proacl::text) order by oid)
                    from pg_proc where pronamespace = to_regnamespace('auth'))
    ) as catalog`.then(([row]) => row!.catalog as Record<string, unknown>);
}

describe('the local baseline', () => {
  it('gives a plain PostgreSQL the roles, auth.users (owned by supabase_auth_admin), auth.uid() and auth.jwt() of a Supabase project', async () => {
    await sql.unsafe(baseline);
    const roles = await sql`
      select rolname, rolcanlogin, rolinherit, rolbypassrls from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_auth_admin') order by rolname`;
    expect(roles.map((r) => [r.rolname, r.rolcanlogin, r.rolinherit, r.rolbypassrls])).toEqual([
      ['anon', false, true, false],
      ['authenticated', false, true, false],
      ['authenticator', true, false, false],
      ['service_role', false, true, true],
      ['supabase_auth_admin', true, false, false],
    ]);
    const granted =
      await sql`select r.rolname from pg_auth_members a join pg_roles r on r.oid = a.roleid where a.member = 'authenticator'::regrole order by 1`;
    expect(granted.map((r) => r.rolname)).toEqual(['anon', 'authenticated', 'service_role']);
    expect(
      (await sql`select relowner::regrole::text as owner from pg_class where oid = 'auth.users'::regclass`)[0]!.owner,
    ).toBe('supabase_auth_admin');
    const columns = (
      await sql`select attname from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0`
    ).map((c) => c.attname);
    expect(columns).toEqual(
      expect.arrayContaining([
        'id',
        'email',
        'raw_user_meta_data',
        'raw_app_meta_data',
        'is_anonymous',
        'deleted_at',
        'banned_until',
        'created_at',
      ]),
    );
    const claims = { sub: '00000000-0000-4000-8000-00000000abcd', role: 'authenticated', aal: 'aal1' };
    const seen = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
      await tx`set local role authenticated`;
      return tx`select auth.uid() as uid, auth.jwt() as jwt, auth.role() as role`;
    });
    expect(seen[0]).toEqual({ uid: claims.sub, jwt: claims, role: 'authenticated' });
  });

  it('applies again without changing anything, and on a Supabase database changes nothing at all', async () => {
    const before = await catalog();
    await sql.unsafe(baseline);
    expect(await catalog()).toEqual(before);

    // A project on Supabase's newer default (no automatic grants on new tables), recognised by
    // its bootstrap superuser: the baseline must not bring the permissive defaults back.
    await sql`alter default privileges in schema public revoke all on tables from anon, authenticated, service_role`;
    await sql`create role supabase_admin nologin`;
    try {
      const supabase = await catalog();
      const notices: string[] = [];
      const listening = postgres(database.url, { max: 1, onnotice: (notice) => notices.push(String(notice.message)) });
      try {
        await listening.unsafe(baseline);
      } finally {
        await listening.end({ timeout: 5 });
      }
      expect(notices).toEqual(['a Supabase database: the local baseline changes nothing']);
      expect(await catalog()).toEqual(supabase);
    } finally {
      await sql`drop role supabase_admin`;
    }
    await sql.unsafe(baseline);
    expect(await catalog()).toEqual(before);
  });
});

describe('migrations through the Supabase CLI', () => {
  it('`supabase db push --db-url` applies supabase/migrations/, with no network at all, and records each in supabase_migrations.schema_migrations', async () => {
    // In a new network namespace nothing but the Unix socket is reachable: not even loopback.
    const url = new URL(database.url);
    const socketUrl = `postgresql://postgres:postgres@localhost:${url.port}/postgres?host=${encodeURIComponent(socketDirectory)}&sslmode=disable`;
    const pushed = await runSupabaseCli(['db', 'push', '--db-url', socketUrl, '--yes'], { prefix: withoutNetwork });
    const output = pushed.stdout + pushed.stderr;
    for (const file of migrationFiles) expect(output).toContain(`Applying migration ${file}...`);
    expect(output).toContain('Finished supabase db push.');

    const recorded = await sql<{ version: string; name: string; statements: number }[]>`
      select version, name, coalesce(array_length(statements, 1), 0) as statements from supabase_migrations.schema_migrations order by version`;
    expect(recorded.map((row) => `${row.version}_${row.name}.sql`)).toEqual(migrationFiles);
    expect(recorded.every((row) => row.statements > 0)).toBe(true);

    // Over TCP, as the local stack runs it: nothing left to do, nothing changed.
    const again = await runSupabaseCli(['db', 'push', '--db-url', cliDatabaseUrl(database.url), '--yes']);
    expect(again.stdout + again.stderr).toContain('Remote database is up to date.');
    expect((await sql`select count(*)::int as count from supabase_migrations.schema_migrations`)[0]!.count).toBe(
      migrationFiles.length,
    );
  });

  it('create nothing in schema auth but triggers on auth.users, which Supabase lets a project create', async () => {
    // Supabase's own check (changelog 2025-04-21): objects in auth not owned by its Auth role.
    expect(
      await sql`select oid::regclass::text from pg_class where relnamespace = 'auth'::regnamespace and relowner <> 'supabase_auth_admin'::regrole`,
    ).toEqual([]);
    expect(
      await sql`select oid::regprocedure::text from pg_proc where pronamespace = 'auth'::regnamespace and proowner <> 'supabase_auth_admin'::regrole`,
    ).toEqual([]);
    const triggers = await sql`
      select t.tgname, p.oid::regprocedure::text as function, p.prosecdef, p.proconfig
      from pg_trigger t join pg_proc p on p.oid = t.tgfoid
      where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal order by t.tgname`;
    expect(triggers).toEqual([
      {
        tgname: 'create_profile_for_new_user',
        function: 'gateway.create_profile_for_new_user()',
        prosecdef: true,
        proconfig: ['search_path=""'],
      },
      {
        tgname: 'forget_deleted_user',
        function: 'gateway.forget_deleted_user()',
        prosecdef: true,
        proconfig: ['search_path=""'],
      },
      {
        tgname: 'forget_soft_deleted_user',
        function: 'gateway.forget_deleted_user()',
        prosecdef: true,
        proconfig: ['search_path=""'],
      },
    ]);
  });
});

/** Runs `work` as Supabase Auth does: connected as supabase_auth_admin, search_path auth. */
function asSupabaseAuth<T>(work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`set local role supabase_auth_admin`;
    await tx`set local search_path = auth`;
    return work(tx);
  }) as Promise<T>;
}

const signUp = (
  id: string,
  fields: { email?: string | null; meta?: Record<string, unknown>; anonymous?: boolean } = {},
) =>
  asSupabaseAuth(
    (tx) => tx`
    insert into users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, is_anonymous, created_at, updated_at)
    values (${id}, 'authenticated', 'authenticated', ${fields.email === undefined ? `${id}@accounts.test` : fields.email},
      ${tx.json((fields.meta ?? {}) as postgres.JSONValue)}, ${tx.json({ provider: 'email' })}, ${fields.anonymous ?? false}, now(), now())`,
  );

const profileOf = async (id: string) =>
  (await sql`select role, company_id, display_name, pseudonym, deleted_at from public.profiles where id = ${id}`)[0];

/** A call to a gateway function as the signed-in user `userId`, the way the Worker makes it. */
function asUser<T>(userId: string, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: 'authenticated' })}, true)`;
    await tx`set local role authenticated`;
    return work(tx);
  }) as Promise<T>;
}

describe('accounts as Supabase Auth makes and deletes them', () => {
  const taskId = crypto.randomUUID();
  const companyId = crypto.randomUUID();

  beforeAll(async () => {
    await sql`insert into public.tasks (id, title, allowed_content_types, max_bytes) values (${taskId}, 'Accounts', array['audio/*'], 1000)`;
    await sql`insert into public.companies (id, name) values (${companyId}, 'Accounts Ltd')`;
  });

  it('signing up (email, or anonymous) makes a contributor profile, named from the user metadata', async () => {
    const [named, anonymous] = [crypto.randomUUID(), crypto.randomUUID()];
    await signUp(named, { meta: { full_name: '  Grace\u0007 Hopper ' } });
    await signUp(anonymous, { email: null, anonymous: true });
    expect(await profileOf(named)).toMatchObject({
      role: 'contributor',
      company_id: null,
      display_name: 'Grace Hopper',
      deleted_at: null,
    });
    expect(await profileOf(anonymous)).toMatchObject({
      role: 'contributor',
      company_id: null,
      display_name: null,
      deleted_at: null,
    });
    expect((await profileOf(named))!.pseudonym).toMatch(/^[0-9a-f]{16}$/);
  });

  it('deleting a user keeps their submissions and the access log, and anonymises the profile', async () => {
    const userId = crypto.randomUUID();
    await signUp(userId, { meta: { name: 'Alan Turing' } });
    const { pseudonym } = (await profileOf(userId))!;
    await sql`insert into public.task_assignments (task_id, user_id) values (${taskId}, ${userId})`;
    const [approved, pending] = [crypto.randomUUID(), crypto.randomUUID()];
    await sql`insert into public.submissions (id, task_id, contributor_id, status, content_type, declared_size, original_filename) values
      (${approved}, ${taskId}, ${userId}, 'approved', 'audio/webm', 10, 'alan-turing-reading.webm'),
      (${pending}, ${taskId}, ${userId}, 'pending', 'audio/webm', 10, 'alan-turing-2.webm')`;
    await sql`insert into public.access_log (user_id, action, submission_id) values (${userId}, 'submission.view', ${approved})`;

    // Before this, the foreign keys to profiles made a plain delete fail.
    await asSupabaseAuth((tx) => tx`delete from users where id = ${userId}`);
    expect(await sql`select 1 from auth.users where id = ${userId}`).toEqual([]);
    expect(await profileOf(userId)).toEqual({
      role: 'contributor',
      company_id: null,
      display_name: null,
      pseudonym,
      deleted_at: expect.any(Date),
    });
    const kept =
      await sql`select id, status, original_filename from public.submissions where contributor_id = ${userId} order by status`;
    expect(kept).toEqual([
      { id: approved, status: 'approved', original_filename: null },
      { id: pending, status: 'aborted', original_filename: null },
    ]);
    expect(await sql`select 1 from public.task_assignments where user_id = ${userId}`).toEqual([]);
    expect(await sql`select action from public.access_log where user_id = ${userId}`).toEqual([
      { action: 'submission.view' },
    ]);

    // A deleted account has no role, even with a token that still verifies.
    expect(await asUser(userId, (tx) => tx`select gateway.current_app_role() as role`)).toEqual([{ role: null }]);
  });

  it('a soft delete (the row kept, deleted_at set) anonymises a company user the same way', async () => {
    const userId = crypto.randomUUID();
    await signUp(userId);
    await sql`update public.profiles set role = 'company', company_id = ${companyId}, display_name = 'Buyer' where id = ${userId}`;
    await asSupabaseAuth((tx) => tx`update users set deleted_at = now(), email = null where id = ${userId}`);
    expect(await profileOf(userId)).toMatchObject({
      role: 'contributor',
      company_id: null,
      display_name: null,
      deleted_at: expect.any(Date),
    });
    expect(await sql`select 1 from auth.users where id = ${userId}`).toHaveLength(1);
  });

  it('the last admin can be neither deleted nor demoted; two admins demoting each other at once leave one', async () => {
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    await signUp(first);
    await signUp(second);
    await sql`update public.profiles set role = 'admin' where id = ${first}`;
    expect(
      await sql`select count(*)::int as admins from public.profiles where role = 'admin' and deleted_at is null`,
    ).toEqual([{ admins: 1 }]);

    const refused = await asSupabaseAuth((tx) => tx`delete from users where id = ${first}`).catch(
      (error: Error) => error,
    );
    expect(refused).toBeInstanceOf(postgres.PostgresError);
    expect((refused as postgres.PostgresError).message).toBe(`user ${first} is the last admin and cannot be deleted`);
    const soft = await asSupabaseAuth((tx) => tx`update users set deleted_at = now() where id = ${first}`).catch(
      (error: Error) => error,
    );
    expect(soft).toBeInstanceOf(postgres.PostgresError);
    const demote = (caller: string, target: string) =>
      asUser(
        caller,
        (tx) => tx`select gateway.admin_set_role(${target}, 'contributor', null, null, null) as outcome`,
      ).then(([row]) => row!.outcome as string);
    expect(await demote(first, first)).toBe('last_admin');

    await asUser(first, (tx) => tx`select gateway.admin_set_role(${second}, 'admin', null, null, null)`);
    const outcomes = await Promise.all([demote(first, second), demote(second, first)]);
    expect(outcomes.sort()).toEqual(['forbidden', 'updated']);
    expect(
      await sql`select count(*)::int as admins from public.profiles where id in (${first}, ${second}) and role = 'admin'`,
    ).toEqual([{ admins: 1 }]);
  });
});
