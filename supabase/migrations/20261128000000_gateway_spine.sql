-- Gateway spine: profiles, tasks, submissions and the access log, with row-level security.
--
-- Applies to a real Supabase project as is: it relies only on what Supabase provides (schema
-- `auth`, `auth.users`, `auth.uid()`, roles `anon`, `authenticated`, `service_role`).
--
-- Reads are decided by RLS policies. Writes a user may not make freely (completing an upload,
-- reviewing, logging an access) go through security-definer functions in schema `gateway`, which
-- re-check every rule themselves. That schema is not in PostgREST's exposed schemas, so the
-- functions are reachable from the Worker's transaction but not from the Data API.

create type public.app_role as enum ('contributor', 'validator', 'admin', 'company');
create type public.task_status as enum ('open', 'closed');
create type public.submission_status as enum ('pending', 'uploaded', 'approved', 'rejected', 'aborted');

create table public.companies (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  created_at timestamptz not null default now()
);

-- The application role lives here, never in user_metadata, which users can edit themselves.
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  role public.app_role not null default 'contributor',
  company_id uuid references public.companies (id),
  display_name text,
  created_at timestamptz not null default now(),
  constraint company_users_have_a_company check (role <> 'company' or company_id is not null)
);

create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  description text,
  status public.task_status not null default 'open',
  -- Patterns such as 'audio/*' or exact types such as 'application/octet-stream'.
  allowed_content_types text[] not null,
  max_bytes bigint not null check (max_bytes > 0),
  created_at timestamptz not null default now()
);

create table public.task_assignments (
  task_id uuid not null references public.tasks (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  primary key (task_id, user_id)
);
create index task_assignments_user on public.task_assignments (user_id);

create table public.submissions (
  id uuid primary key default gen_random_uuid(),
  task_id uuid not null references public.tasks (id),
  contributor_id uuid not null default auth.uid() references public.profiles (id),
  status public.submission_status not null default 'pending',
  content_type text not null,
  declared_size bigint not null check (declared_size >= 0),
  -- Kept as metadata only: the object key never contains it.
  original_filename text,
  -- Built from ids alone, so no client string can become a path in the bucket.
  object_key text generated always as ('raw/' || task_id::text || '/' || id::text) stored,
  size bigint,
  crc32 bigint check (crc32 between 0 and 4294967295),
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  uploaded_at timestamptz,
  reviewed_by uuid references public.profiles (id),
  reviewed_at timestamptz,
  review_note text
);
create index submissions_contributor on public.submissions (contributor_id, created_at desc, id desc);
create index submissions_task on public.submissions (task_id, created_at desc, id desc);
create index submissions_status on public.submissions (status, created_at desc, id desc);

create table public.access_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  user_id uuid not null references public.profiles (id),
  company_id uuid references public.companies (id),
  action text not null check (action in ('submission.view')),
  submission_id uuid references public.submissions (id),
  ip text,
  user_agent text
);
create index access_log_occurred on public.access_log (occurred_at desc);

create schema gateway;

-- Role and company of the caller. Security definer so that policies on profiles can use them
-- without recursing into the profiles policy itself.
create function gateway.current_app_role() returns public.app_role
language sql stable security definer set search_path = '' as $$
  select role from public.profiles where id = auth.uid()
$$;

create function gateway.current_company_id() returns uuid
language sql stable security definer set search_path = '' as $$
  select company_id from public.profiles where id = auth.uid()
$$;

-- 'audio/*' admits any audio subtype; anything else must match exactly. Parameters such as
-- ';codecs=opus' are not part of the match, and type and subtype are case-insensitive
-- (RFC 9110 §8.3.1).
create function gateway.content_type_allowed(patterns text[], content_type text) returns boolean
language sql immutable set search_path = '' as $$
  select exists (
    select 1 from unnest(patterns) as pattern,
      lateral (select lower(trim(split_part(content_type, ';', 1))) as essence) as given
    where lower(pattern) = given.essence
       or (pattern like '%/*' and lower(split_part(pattern, '/', 1)) = split_part(given.essence, '/', 1))
  )
$$;

-- Completing is the owner's, once, and only from 'pending'. The gateway has verified the object
-- in the bucket before it calls this; the function re-checks ownership and state so a race or
-- a second caller cannot move a submission twice.
create function gateway.complete_submission(submission_id uuid, object_size bigint, object_crc32 bigint, object_sha256 text)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set status = 'uploaded', size = object_size, crc32 = object_crc32, sha256 = object_sha256, uploaded_at = now()
   where id = submission_id and contributor_id = auth.uid() and status = 'pending'
  returning *
$$;

create function gateway.review_submission(submission_id uuid, decision text, note text)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set status = case decision when 'approve' then 'approved'::public.submission_status else 'rejected'::public.submission_status end,
         reviewed_by = auth.uid(), reviewed_at = now(), review_note = note
   where id = submission_id
     and status = 'uploaded'
     and decision in ('approve', 'reject')
     and gateway.current_app_role() in ('validator', 'admin')
  returning *
$$;

-- The access log is written by the gateway for the caller and read by admins; nobody may write
-- an arbitrary row or erase one.
create function gateway.log_access(logged_action text, logged_submission_id uuid, client_ip text, client_user_agent text)
returns bigint
language sql volatile security definer set search_path = '' as $$
  insert into public.access_log (user_id, company_id, action, submission_id, ip, user_agent)
  values (auth.uid(), gateway.current_company_id(), logged_action, logged_submission_id, client_ip, client_user_agent)
  returning id
$$;

revoke all on all functions in schema gateway from public;
grant usage on schema gateway to authenticated, service_role;
grant execute on all functions in schema gateway to authenticated, service_role;

alter table public.companies enable row level security;
alter table public.profiles enable row level security;
alter table public.tasks enable row level security;
alter table public.task_assignments enable row level security;
alter table public.submissions enable row level security;
alter table public.access_log enable row level security;

grant usage on schema public to authenticated;
grant select on public.companies, public.profiles, public.tasks, public.task_assignments,
  public.submissions, public.access_log to authenticated;
grant insert (task_id, contributor_id, content_type, declared_size, original_filename)
  on public.submissions to authenticated;
-- Supabase grants every privilege on public tables to API roles by default; these tables change
-- only through the policies and functions above.
revoke update, delete, truncate on public.submissions, public.access_log from anon, authenticated;
revoke insert on public.access_log from anon, authenticated;
revoke all on public.companies, public.profiles, public.tasks, public.task_assignments,
  public.submissions, public.access_log from anon;

create policy "companies: own or admin" on public.companies for select to authenticated
  using (id = gateway.current_company_id() or gateway.current_app_role() = 'admin');

create policy "profiles: self or admin" on public.profiles for select to authenticated
  using (id = auth.uid() or gateway.current_app_role() = 'admin');

create policy "tasks: assigned, or staff" on public.tasks for select to authenticated
  using (
    gateway.current_app_role() in ('validator', 'admin')
    or exists (select 1 from public.task_assignments a where a.task_id = tasks.id and a.user_id = auth.uid())
  );

create policy "task assignments: own, or staff" on public.task_assignments for select to authenticated
  using (user_id = auth.uid() or gateway.current_app_role() in ('validator', 'admin'));

create policy "submissions: own, or staff" on public.submissions for select to authenticated
  using (contributor_id = auth.uid() or gateway.current_app_role() in ('validator', 'admin'));

-- A contributor may open a pending submission only on an open task assigned to them, for a type
-- and size the task allows.
create policy "submissions: contributors open their own" on public.submissions for insert to authenticated
  with check (
    contributor_id = auth.uid()
    and status = 'pending'
    and exists (
      select 1 from public.tasks t
      join public.task_assignments a on a.task_id = t.id and a.user_id = auth.uid()
      -- Qualified: unqualified, task_id would bind to task_assignments.task_id in this scope.
      where t.id = submissions.task_id and t.status = 'open' and submissions.declared_size <= t.max_bytes
        and gateway.content_type_allowed(t.allowed_content_types, submissions.content_type)
    )
  );

create policy "access log: admins read" on public.access_log for select to authenticated
  using (gateway.current_app_role() = 'admin');
