-- What a Supabase project already provides and the migrations rely on, for a plain local
-- PostgreSQL. Not a migration: a real project has all of this before its first migration, so the
-- Supabase CLI never sees this file; scripts/lib/database.ts applies it to local databases only.
--
-- Reproduced from Supabase's own database set-up (github.com/supabase/postgres,
-- migrations/db/init-scripts/00000000000000-initial-schema.sql and 00000000000001-auth-schema.sql,
-- and the Auth server's migrations for the columns of auth.users it has added since):
--   - the API roles `anon`, `authenticated` and `service_role` (BYPASSRLS), which PostgREST
--     switches to per request; `authenticator`, the login role PostgREST connects as (LOGIN,
--     NOINHERIT, a member of the three); `supabase_auth_admin`, the role Supabase Auth connects as;
--   - schema `auth`, with `auth.users` OWNED BY supabase_auth_admin (so its triggers fire for
--     inserts and deletes that Supabase Auth makes as that role), and `auth.uid()`, `auth.jwt()`,
--     `auth.role()`, `auth.email()`;
--   - the default privileges on schema `public` (below).
--
-- Harmless against a real Supabase: everything sits in one block that runs only where there is
-- no `supabase_admin`, the bootstrap superuser every Supabase database has. Locally every
-- statement is idempotent (IF NOT EXISTS, or guarded), so it runs before each migration.

do $baseline$
begin
  if exists (select 1 from pg_roles where rolname = 'supabase_admin') then
    raise notice 'a Supabase database: the local baseline changes nothing';
    return;
  end if;

  -- Created NOINHERIT in the initial schema, made INHERIT by
  -- migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql.
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  grant anon, authenticated, service_role to authenticator;
  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit;
  end if;
  alter role supabase_auth_admin set search_path = auth;
  -- The migration role (`postgres` on Supabase) may SET ROLE to the API roles.
  execute format('grant anon, authenticated, service_role to %I', current_user);

  create schema if not exists auth;
  grant usage on schema auth to anon, authenticated, service_role;
  grant all on schema auth to supabase_auth_admin;

  -- The columns Supabase Auth writes that matter here, with its types; the Auth server fills
  -- created_at and the metadata itself, so they have no defaults.
  create table if not exists auth.users (
    instance_id uuid,
    id uuid not null primary key,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    invited_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz,
    phone text default null,
    phone_confirmed_at timestamptz,
    banned_until timestamptz,
    is_sso_user boolean not null default false,
    -- Set by a soft delete (Auth admin API, should_soft_delete), which keeps the row.
    deleted_at timestamptz,
    is_anonymous boolean not null default false
  );
  -- A local database made by an older baseline gets the columns added since.
  alter table auth.users
    add column if not exists raw_app_meta_data jsonb,
    add column if not exists banned_until timestamptz,
    add column if not exists deleted_at timestamptz,
    add column if not exists is_anonymous boolean not null default false;
  create unique index if not exists users_email_partial_key on auth.users (email) where is_sso_user = false;
  alter table auth.users owner to supabase_auth_admin;

  create or replace function auth.jwt() returns jsonb language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
  $f$;
  create or replace function auth.uid() returns uuid language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $f$;
  create or replace function auth.role() returns text language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
  $f$;
  create or replace function auth.email() returns text language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.email', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
  $f$;
  alter function auth.jwt() owner to supabase_auth_admin;
  alter function auth.uid() owner to supabase_auth_admin;
  alter function auth.role() owner to supabase_auth_admin;
  alter function auth.email() owner to supabase_auth_admin;
  grant execute on function auth.jwt(), auth.uid(), auth.role(), auth.email() to anon, authenticated, service_role;

  -- Supabase's default privileges on schema `public`, which its Data API (PostgREST) exposes: the
  -- API roles may use the schema, and every table, sequence and function the migration role
  -- creates there is granted ALL to all three of them. Row-level security is then the only thing
  -- between a signed-in user and a new table, unless a migration cuts the grants back (see
  -- supabase/migrations/20261129000000_supabase_privileges.sql). Projects created since
  -- 2026-05-30, and every project from 2026-10-30, start without these defaults (Supabase
  -- changelog, "New tables in the public schema will no longer be exposed to the Data API
  -- automatically"); the migrations grant everything they need explicitly, so they hold either
  -- way, and the local database keeps the permissive defaults: the worse case to test against.
  grant usage on schema public to anon, authenticated, service_role;
  alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
  alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
  alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
end
$baseline$;
