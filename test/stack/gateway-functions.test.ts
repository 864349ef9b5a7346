import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../scripts/lib/database';
import { startPostgres, type LocalPostgres } from '../../scripts/lib/postgres';
import { type Database, inFlightsOfOneTransaction, inOneFlight, openDatabase } from '../../src/db/client';
import { sql as sqlText } from '../../src/db/sql-text';
import { callers, ids, seed, type Role } from './rls-fixtures';

// The database as the last line (issue 21): the gateway's security-definer functions called
// directly, as each caller could once anything exposed schema `gateway`, and the settings the
// gateway's own transactions start with. Same migrated database and fixtures as the RLS matrix;
// every call is rolled back.

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

type Outcome = { rows: Record<string, unknown>[]; logRows: number } | { error: string };

/**
 * `statement` as `role`'s caller (its database role and JWT claims, as the Data API or the
 * gateway would set them), then, back as the superuser, the access-log rows the caller now has.
 * Always rolled back.
 */
async function as(role: Role, statement: string): Promise<Outcome> {
  let outcome: Outcome | undefined;
  await sql
    .begin(async (tx) => {
      const caller = callers[role];
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true)`;
      const logged = async () =>
        Number(
          (await tx`select count(*)::int as n from public.access_log where user_id = ${caller.claims.sub ?? null}`)[0]!
            .n,
        );
      const before = await logged();
      await tx.unsafe(`set local role ${caller.dbRole}`);
      try {
        const rows = [...(await tx.unsafe(statement))];
        await tx`reset role`;
        outcome = { rows, logRows: (await logged()) - before };
      } catch (error) {
        if (!(error instanceof postgres.PostgresError)) throw error;
        outcome = { error: `${error.code}: ${error.message}` };
      }
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return outcome!;
}

const nothing = { rows: [], logRows: 0 };

describe('dataset downloads refuse a caller with no role (NULL is not a yes)', () => {
  const single = (dataset: string) => `select * from gateway.record_dataset_download('${dataset}', null, null)`;
  const shards = (dataset: string) =>
    `select * from gateway.record_dataset_shard_downloads('${dataset}', null, null, null)`;

  for (const role of ['noProfile', 'deleted'] as const) {
    for (const [name, call] of [
      ['record_dataset_download', single],
      ['record_dataset_shard_downloads', shards],
    ] as const) {
      it(`${role}: ${name} answers nothing and logs nothing, for a ready and for a building dataset`, async () => {
        expect(await as(role, call(ids.datasetGranted))).toEqual(nothing);
        expect(await as(role, call(ids.datasetBuilding))).toEqual(nothing);
      });
    }
  }

  it('a company user granted the dataset still downloads it, one log row per shard', async () => {
    const granted = await as('company', shards(ids.datasetGranted));
    expect(granted).toMatchObject({ rows: [{ name: 'granted', shard_index: 0 }], logRows: 1 });
    expect(await as('company', shards(ids.datasetOfB))).toEqual(nothing);
    expect(await as('contributor', single(ids.datasetGranted))).toEqual(nothing);
  });
});

describe('gateway.bundle_download answers only the creator, while they may still bundle', () => {
  const members = (bundle: string) => `select * from gateway.bundle_download('${bundle}')`;

  it("a contributor reads nothing of an admin's or a company's bundle", async () => {
    expect(await as('contributor', members(ids.bundleOfAdmin))).toEqual(nothing);
    expect(await as('contributor', members(ids.bundleOfCompanyA))).toEqual(nothing);
  });

  it("a company user reads nothing of another company's bundle, nor an admin of someone else's", async () => {
    expect(await as('company', members(ids.bundleOfCompanyB))).toEqual(nothing);
    expect(await as('admin', members(ids.bundleOfCompanyA))).toEqual(nothing);
    expect(await as('noProfile', members(ids.bundleOfAdmin))).toEqual(nothing);
  });

  it('the creator reads their own bundle in order (what POST /v1/bundles answers from)', async () => {
    const admin = await as('admin', members(ids.bundleOfAdmin));
    expect(admin).toMatchObject({ logRows: 0 });
    expect('rows' in admin && admin.rows.map((row) => row.submission_id)).toEqual([ids.approvedA, ids.approvedB]);
    const company = await as('company', members(ids.bundleOfCompanyA));
    expect('rows' in company && company.rows.map((row) => row.submission_id)).toEqual([ids.approvedA]);
  });
});

describe('gateway.log_access writes only a view the caller may make', () => {
  const logView = (submission: string, action = 'submission.view') =>
    `select gateway.log_access('${action}', '${submission}', '203.0.113.9', 'forged') as id`;
  const refused = { rows: [{ id: null }], logRows: 0 };

  it("a contributor cannot log a view of someone else's submission, nor another action on their own", async () => {
    expect(await as('contributor', logView(ids.approvedB))).toEqual(refused);
    expect(await as('contributor', logView(ids.approvedA, 'bundle.create'))).toEqual(refused);
    expect(await as('contributor', logView(ids.approvedA, 'dataset.download'))).toEqual(refused);
  });

  it('nobody logs a view of a pending submission; no role, no row', async () => {
    expect(await as('validator', logView(ids.pendingB))).toEqual(refused);
    expect(await as('noProfile', logView(ids.approvedA))).toEqual(refused);
    expect(await as('deleted', logView(ids.approvedOfDeleted))).toEqual(refused);
    expect(await as('company', logView(ids.approvedA))).toEqual(refused);
  });

  it('the views the route makes are logged: own as a contributor, any as a validator', async () => {
    expect(await as('contributor', logView(ids.approvedA))).toMatchObject({ logRows: 1 });
    expect(await as('validator', logView(ids.uploadedB))).toMatchObject({ logRows: 1 });
  });
});

describe('who may execute the gateway functions', () => {
  it('anon only opens bundle links; service_role neither reads bundles nor writes views', async () => {
    const held = await sql<{ role: string; fn: string }[]>`
      select r as role, f.oid::regprocedure::text as fn
      from pg_proc f, unnest(array['anon', 'service_role']) r
      where f.pronamespace = 'gateway'::regnamespace and has_function_privilege(r, f.oid, 'EXECUTE')
        and (r = 'anon' or f.proname in ('bundle_download', 'log_access'))
      order by 1, 2`;
    expect(held).toEqual([{ role: 'anon', fn: 'gateway.open_bundle_download(uuid,boolean,text,text)' }]);
  });
});

describe("the gateway's transactions set who the caller is, whatever the connection held", () => {
  let gateway: Database;

  beforeAll(async () => {
    gateway = openDatabase(database.url);
    // A pooled connection that something else used before: session-level values of the per-claim
    // settings Supabase's auth.uid() and auth.role() read first.
    await gateway.sql.unsafe(
      `set request.jwt.claim.sub = '${ids.contributorB}'; set request.jwt.claim.role = 'service_role'`,
    );
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const whoAmI = sqlText`select auth.uid()::text as uid, auth.role() as role,
    current_setting('request.jwt.claim.sub') as sub, current_user::text as db_role`;
  const caller = { sub: ids.contributorA, role: 'authenticated', aud: 'authenticated' };

  it('one flight as the caller: auth.uid() and request.jwt.claim.sub are the caller', async () => {
    const [rows] = await inOneFlight(gateway, 'authenticated', caller, [whoAmI]);
    const row = rows?.[0];
    expect(row).toEqual({
      uid: ids.contributorA,
      role: 'authenticated',
      sub: ids.contributorA,
      db_role: 'authenticated',
    });
  });

  it('a transaction of flights likewise, and the stale value is back after it (transaction-local)', async () => {
    const [rows] = await inFlightsOfOneTransaction(gateway, 'authenticated', caller, (flight) =>
      flight([whoAmI], { commit: true }),
    );
    const row = rows?.[0];
    expect(row).toMatchObject({ uid: ids.contributorA, sub: ids.contributorA });
    const [after] = await gateway.sql.unsafe(`select current_setting('request.jwt.claim.sub') as sub`);
    expect(after).toEqual({ sub: ids.contributorB });
  });

  it('the service role has no uid, not the one the connection held', async () => {
    const [rows] = await inOneFlight(gateway, 'service_role', { role: 'service_role' }, [whoAmI]);
    const row = rows?.[0];
    expect(row).toEqual({ uid: null, role: 'service_role', sub: '', db_role: 'service_role' });
  });
});
