-- Accounts as Supabase Auth makes and removes them, and administration without SQL (issue 11).
--
-- Signing up creates a contributor profile (a trigger on auth.users). Deleting a user keeps
-- their work and leaves an anonymised profile behind. Admins change roles, create companies and
-- tasks, change and close tasks and manage assignments through the gateway's API: each change is
-- made by one security-definer function below, which re-checks that the caller is an admin and
-- writes the access-log row in the same transaction. Nothing here is writable through the Data
-- API: the tables keep the grants of 20261129000000_supabase_privileges.sql.
--
-- Supabase lets the migration role create triggers on auth.users but no functions in schema
-- auth (changelog, "Restricting Access on Auth, Storage, and Realtime Schemas", 2025-04-21), so
-- the trigger functions live in `gateway`, which PostgREST does not expose.

-- Profiles outlive their auth user --------------------------------------------------------------

-- profiles.id referred to auth.users ON DELETE CASCADE, so deleting a user deleted the profile,
-- and that fails as soon as anything refers to it: submissions, reviews, bundles, datasets,
-- grants and the access log have no ON DELETE rule, on purpose, since none of them may vanish
-- with a person. The profile now stays as a tombstone with the same id, and the triggers below
-- keep profiles and auth.users in step.
alter table public.profiles drop constraint profiles_id_fkey;
alter table public.profiles add column deleted_at timestamptz;
alter table public.profiles add constraint deleted_profiles_are_anonymous
  check (deleted_at is null or (role = 'contributor' and company_id is null and display_name is null));

-- A deleted account has no application role: policies and gateway functions that ask for the
-- caller's role or company see none, even while its token is still valid.
create or replace function gateway.current_app_role() returns public.app_role
language sql stable security definer set search_path = '' as $$
  select role from public.profiles where id = auth.uid() and deleted_at is null
$$;

create or replace function gateway.current_company_id() returns uuid
language sql stable security definer set search_path = '' as $$
  select company_id from public.profiles where id = auth.uid() and deleted_at is null
$$;

-- Bundle links of a deleted creator stop working, like those of a demoted one.
create or replace function gateway.may_bundle(bundler uuid, submission_ids uuid[])
returns boolean
language sql stable security definer set search_path = '' as $$
  select gateway.all_approved(submission_ids) and exists (
    select 1 from public.profiles p
    where p.id = bundler and p.deleted_at is null and (
      p.role = 'admin'
      or (p.role = 'company' and p.company_id is not null and not exists (
        select 1 from unnest(submission_ids) as selected(submission_id)
        where not exists (
          select 1 from public.dataset_members m
          join public.dataset_grants g on g.dataset_id = m.dataset_id
          where m.submission_id = selected.submission_id and g.company_id = p.company_id
        )
      ))
    )
  )
$$;

-- Signing up -------------------------------------------------------------------------------------

-- Every new user of Supabase Auth (email, OAuth, phone, anonymous) becomes a contributor with no
-- assignment, which lets them do nothing until an admin assigns a task or changes the role.
-- The display name comes from the user's own metadata (editable by them), so it is only shown,
-- never trusted. Runs as its owner: Supabase Auth inserts as supabase_auth_admin, which may not
-- write public.profiles.
create function gateway.create_profile_for_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.profiles (id, role, display_name)
  values (
    new.id,
    'contributor',
    nullif(left(btrim(regexp_replace(
      coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name', ''), '[[:cntrl:]]', '', 'g')), 200), '')
  )
  on conflict (id) do nothing;
  return null;
end
$$;

create trigger create_profile_for_new_user after insert on auth.users
  for each row execute function gateway.create_profile_for_new_user();

-- Users who signed up before this migration get their profile now (a tombstone for one already
-- soft-deleted).
insert into public.profiles (id, role, deleted_at)
select u.id, 'contributor', u.deleted_at from auth.users u
on conflict (id) do nothing;

-- Deleting a user ------------------------------------------------------------------------------

-- Deleting a user (Auth admin API, the dashboard, or `delete from auth.users`) keeps everything
-- they made and forgets who they were: the profile keeps its id and pseudonym (so the access log,
-- reviews and the manifests of archives already built stay consistent) and loses its name, role
-- and company; assignments go; pending uploads are aborted (the bucket's lifecycle rule removes
-- their parts); the file names they chose, which may name them, are cleared. A soft delete
-- (should_soft_delete, which sets auth.users.deleted_at and keeps the row) does the same.
-- Refused for the last admin, who would leave nobody able to administer without SQL.
create function gateway.forget_deleted_user() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  forgotten uuid := old.id;
begin
  if exists (select 1 from public.profiles p where p.id = forgotten and p.role = 'admin' and p.deleted_at is null)
     and (select count(*) from public.profiles p where p.role = 'admin' and p.deleted_at is null) <= 1 then
    raise exception 'user % is the last admin and cannot be deleted', forgotten
      using errcode = 'restrict_violation', hint = 'Make another user an admin first (PUT /v1/users/{id}/role).';
  end if;
  update public.profiles
     set role = 'contributor', company_id = null, display_name = null, deleted_at = coalesce(deleted_at, now())
   where id = forgotten;
  delete from public.task_assignments where user_id = forgotten;
  update public.submissions set status = 'aborted' where contributor_id = forgotten and status = 'pending';
  update public.submissions set original_filename = null where contributor_id = forgotten and original_filename is not null;
  return null;
end
$$;

create trigger forget_deleted_user after delete on auth.users
  for each row execute function gateway.forget_deleted_user();
create trigger forget_soft_deleted_user after update of deleted_at on auth.users
  for each row when (old.deleted_at is null and new.deleted_at is not null)
  execute function gateway.forget_deleted_user();

revoke all on function gateway.create_profile_for_new_user(), gateway.forget_deleted_user() from public;

-- The access log records administration --------------------------------------------------------

alter table public.access_log
  add column subject_user_id uuid references public.profiles (id),
  add column task_id uuid references public.tasks (id),
  -- What changed: {"field": {"from": …, "to": …}}, or what was created.
  add column details jsonb;
create index access_log_subject_user on public.access_log (subject_user_id, id desc) where subject_user_id is not null;
create index access_log_task on public.access_log (task_id, id desc) where task_id is not null;
alter table public.access_log drop constraint access_log_action_check;
alter table public.access_log add constraint access_log_action_check check (action in (
  'submission.view', 'bundle.create', 'dataset.download', 'bundle.download',
  'user.role', 'company.create', 'task.create', 'task.update', 'task.assign', 'task.unassign'
));

create function gateway.log_administration(logged_action text, subject uuid, logged_task uuid, change jsonb, client_ip text, client_user_agent text)
returns void
language sql volatile security definer set search_path = '' as $$
  insert into public.access_log (user_id, company_id, action, subject_user_id, task_id, details, ip, user_agent)
  values (auth.uid(), gateway.current_company_id(), logged_action, subject, logged_task, change, client_ip, client_user_agent)
$$;

-- {"from": a, "to": b} when the value changes, else null, which gateway.changes drops.
create function gateway.change_of(before anyelement, after anyelement) returns jsonb
language sql immutable set search_path = '' as $$
  select case when before is distinct from after then jsonb_build_object('from', to_jsonb(before), 'to', to_jsonb(after)) end
$$;

-- The fields that changed: the object without its null members (jsonb_strip_nulls would also
-- drop a "to": null inside them).
create function gateway.changes(fields jsonb) returns jsonb
language sql immutable set search_path = '' as $$
  select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(fields) where value <> 'null'::jsonb
$$;

-- Administration ---------------------------------------------------------------------------------
-- Each function answers with an outcome the gateway turns into a status; 'forbidden' for anyone
-- but an admin, before anything else is looked at.

-- Users, with their email from Supabase Auth (which no API role may read), newest first.
create function gateway.admin_list_users(only_id uuid, email_filter text, role_filter public.app_role, after_created timestamptz, after_id uuid, page_size integer)
returns table (id uuid, email text, role public.app_role, company_id uuid, display_name text, created_at timestamptz, deleted_at timestamptz)
language sql stable security definer set search_path = '' as $$
  select p.id, u.email::text, p.role, p.company_id, p.display_name, p.created_at, p.deleted_at
  from public.profiles p
  left join auth.users u on u.id = p.id
  where gateway.current_app_role() = 'admin'
    and (only_id is null or p.id = only_id)
    and (email_filter is null or lower(u.email) = lower(email_filter))
    and (role_filter is null or p.role = role_filter)
    and (after_id is null or (p.created_at, p.id) < (after_created, after_id))
  order by p.created_at desc, p.id desc
  limit page_size
$$;

-- Sets a user's role and company (company users belong to exactly one company, nobody else to
-- any). The last admin cannot be demoted: nobody could administer without SQL afterwards.
create function gateway.admin_set_role(target uuid, new_role public.app_role, new_company uuid, client_ip text, client_user_agent text)
returns text
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.profiles;
begin
  -- Role changes one at a time, so two admins cannot demote each other at once; the caller's own
  -- role is read after the wait, when a concurrent change may have taken it away.
  perform pg_advisory_xact_lock(hashtextextended('gateway.admin_set_role', 0));
  if gateway.current_app_role() is distinct from 'admin' then
    return 'forbidden';
  end if;
  select * into found from public.profiles p where p.id = target for update;
  if found.id is null then
    return 'not_found';
  elsif found.deleted_at is not null then
    return 'deleted';
  elsif (new_role = 'company') <> (new_company is not null) then
    return 'company_mismatch';
  elsif new_company is not null and not exists (select 1 from public.companies c where c.id = new_company) then
    return 'no_such_company';
  elsif found.role = 'admin' and new_role <> 'admin'
        and (select count(*) from public.profiles p where p.role = 'admin' and p.deleted_at is null) <= 1 then
    return 'last_admin';
  elsif found.role = new_role and found.company_id is not distinct from new_company then
    return 'unchanged';
  end if;
  update public.profiles set role = new_role, company_id = new_company where id = target;
  perform gateway.log_administration('user.role', target, null, gateway.changes(jsonb_build_object(
    'role', gateway.change_of(found.role, new_role), 'companyId', gateway.change_of(found.company_id, new_company))), client_ip, client_user_agent);
  return 'updated';
end
$$;

-- Null when the caller is no admin or the name is taken.
create function gateway.admin_create_company(company_name text, client_ip text, client_user_agent text)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  created uuid;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return null;
  end if;
  insert into public.companies (name) values (company_name) on conflict (name) do nothing returning id into created;
  if created is not null then
    perform gateway.log_administration('company.create', null, null, jsonb_build_object('companyId', created, 'name', company_name), client_ip, client_user_agent);
  end if;
  return created;
end
$$;

create function gateway.admin_create_task(task_title text, task_description text, content_types text[], limit_bytes bigint, client_ip text, client_user_agent text)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  created uuid;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return null;
  end if;
  insert into public.tasks (title, description, allowed_content_types, max_bytes)
    values (task_title, task_description, content_types, limit_bytes) returning id into created;
  perform gateway.log_administration('task.create', null, created, jsonb_build_object(
    'title', task_title, 'allowedContentTypes', to_jsonb(content_types), 'maxBytes', limit_bytes), client_ip, client_user_agent);
  return created;
end
$$;

-- Changes what is given (null: unchanged). Closing a task (status 'closed') stops new uploads to
-- it; uploads already opened may still complete.
create function gateway.admin_update_task(target uuid, task_title text, task_description text, content_types text[], limit_bytes bigint,
  new_status public.task_status, client_ip text, client_user_agent text)
returns text
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.tasks;
  changed public.tasks;
  change jsonb;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return 'forbidden';
  end if;
  select * into found from public.tasks t where t.id = target for update;
  if found.id is null then
    return 'not_found';
  end if;
  update public.tasks t
     set title = coalesce(task_title, t.title), description = coalesce(task_description, t.description),
         allowed_content_types = coalesce(content_types, t.allowed_content_types), max_bytes = coalesce(limit_bytes, t.max_bytes),
         status = coalesce(new_status, t.status)
   where t.id = target
  returning * into changed;
  change := gateway.changes(jsonb_build_object(
    'title', gateway.change_of(found.title, changed.title),
    'description', gateway.change_of(found.description, changed.description),
    'allowedContentTypes', gateway.change_of(found.allowed_content_types, changed.allowed_content_types),
    'maxBytes', gateway.change_of(found.max_bytes, changed.max_bytes),
    'status', gateway.change_of(found.status, changed.status)));
  if change = '{}'::jsonb then
    return 'unchanged';
  end if;
  perform gateway.log_administration('task.update', null, target, change, client_ip, client_user_agent);
  return 'updated';
end
$$;

-- Only contributors submit, so only contributors are assigned.
create function gateway.admin_assign(target_task uuid, target_user uuid, client_ip text, client_user_agent text)
returns text
language plpgsql volatile security definer set search_path = '' as $$
declare
  assignee public.profiles;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return 'forbidden';
  end if;
  if not exists (select 1 from public.tasks t where t.id = target_task) then
    return 'no_task';
  end if;
  select * into assignee from public.profiles p where p.id = target_user;
  if assignee.id is null then
    return 'no_user';
  elsif assignee.deleted_at is not null then
    return 'deleted';
  elsif assignee.role <> 'contributor' then
    return 'not_contributor';
  end if;
  insert into public.task_assignments (task_id, user_id) values (target_task, target_user) on conflict do nothing;
  if not found then
    return 'exists';
  end if;
  perform gateway.log_administration('task.assign', target_user, target_task, null, client_ip, client_user_agent);
  return 'created';
end
$$;

create function gateway.admin_unassign(target_task uuid, target_user uuid, client_ip text, client_user_agent text)
returns text
language plpgsql volatile security definer set search_path = '' as $$
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return 'forbidden';
  end if;
  delete from public.task_assignments a where a.task_id = target_task and a.user_id = target_user;
  if not found then
    return 'none';
  end if;
  perform gateway.log_administration('task.unassign', target_user, target_task, null, client_ip, client_user_agent);
  return 'removed';
end
$$;

revoke all on function gateway.log_administration(text, uuid, uuid, jsonb, text, text), gateway.change_of(anyelement, anyelement), gateway.changes(jsonb),
  gateway.admin_list_users(uuid, text, public.app_role, timestamptz, uuid, integer), gateway.admin_set_role(uuid, public.app_role, uuid, text, text),
  gateway.admin_create_company(text, text, text), gateway.admin_create_task(text, text, text[], bigint, text, text),
  gateway.admin_update_task(uuid, text, text, text[], bigint, public.task_status, text, text),
  gateway.admin_assign(uuid, uuid, text, text), gateway.admin_unassign(uuid, uuid, text, text) from public;
grant execute on function gateway.admin_list_users(uuid, text, public.app_role, timestamptz, uuid, integer), gateway.admin_set_role(uuid, public.app_role, uuid, text, text),
  gateway.admin_create_company(text, text, text), gateway.admin_create_task(text, text, text[], bigint, text, text),
  gateway.admin_update_task(uuid, text, text, text[], bigint, public.task_status, text, text),
  gateway.admin_assign(uuid, uuid, text, text), gateway.admin_unassign(uuid, uuid, text, text) to authenticated;
