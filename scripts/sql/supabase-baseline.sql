-- What a Supabase project already provides and the migrations rely on, for a plain local
-- PostgreSQL: schema auth, auth.users, auth.uid(), auth.jwt() and the API roles.
-- Every statement leaves existing objects alone, so it is harmless against a real Supabase.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

grant anon, authenticated, service_role to current_user;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key,
  email text unique,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

do $$
begin
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb language sql stable as
      $f$ select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $f$;
  end if;
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid language sql stable as
      $f$ select nullif(auth.jwt() ->> 'sub', '')::uuid $f$;
  end if;
end
$$;

grant execute on function auth.jwt(), auth.uid() to anon, authenticated, service_role;

-- Supabase's default privileges on schema `public`, which its Data API (PostgREST) exposes: the
-- API roles may use the schema, and every table, sequence and function the migration role
-- creates there is granted ALL to all three of them. Row-level security is then the only thing
-- between a signed-in user and a new table, unless a migration cuts the grants back (see
-- migrations/20261129000000_supabase_privileges.sql). Reproduced here so the local database
-- starts from the same grants as a real project; granting what is already granted changes
-- nothing, so this is harmless there.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
