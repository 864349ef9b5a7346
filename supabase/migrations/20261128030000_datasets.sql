-- Datasets: a frozen selection of approved submissions that a background job packages into one
-- ZIP in the processed bucket, granted to companies, each download written to the access log.

create type public.dataset_status as enum ('building', 'ready', 'failed');

create table public.datasets (
  id uuid primary key default gen_random_uuid(),
  -- Part of the object key and of the download's file name, so only characters that need no
  -- escaping in either (RFC 6266 filename, S3 object key naming guidelines).
  name text not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
  description text not null default '' check (length(description) <= 2000),
  status public.dataset_status not null default 'building',
  created_by uuid not null default auth.uid() references public.profiles (id),
  created_at timestamptz not null default now(),
  -- Built from the id and the checked name only.
  object_key text generated always as ('datasets/' || id::text || '/' || name || '.zip') stored,
  -- Recorded when the archive is complete.
  bytes bigint check (bytes >= 0),
  entries integer check (entries >= 1),
  etag text,
  failure_reason text,
  -- Build progress, so a retry continues the same multipart upload (S3 API: UploadPart).
  upload_id text,
  -- Attempts that failed; continuations of a long build are not failures.
  failed_attempts integer not null default 0,
  finished_at timestamptz
);
create index datasets_created on public.datasets (created_at desc, id desc);

create table public.dataset_members (
  dataset_id uuid not null references public.datasets (id) on delete cascade,
  position integer not null check (position >= 0),
  submission_id uuid not null references public.submissions (id),
  primary key (dataset_id, position),
  unique (dataset_id, submission_id)
);
create index dataset_members_submission on public.dataset_members (submission_id);

create table public.dataset_grants (
  dataset_id uuid not null references public.datasets (id) on delete cascade,
  company_id uuid not null references public.companies (id) on delete cascade,
  granted_by uuid not null default auth.uid() references public.profiles (id),
  granted_at timestamptz not null default now(),
  primary key (dataset_id, company_id)
);
create index dataset_grants_company on public.dataset_grants (company_id);

-- Parts of the archive's multipart upload that S3 has accepted, with the ETag Complete needs.
create table public.dataset_build_parts (
  dataset_id uuid not null references public.datasets (id) on delete cascade,
  part_number integer not null check (part_number between 1 and 10000),
  etag text not null,
  size bigint not null check (size >= 0),
  primary key (dataset_id, part_number)
);

alter table public.access_log add column dataset_id uuid references public.datasets (id);
create index access_log_dataset on public.access_log (dataset_id, id desc) where dataset_id is not null;
alter table public.access_log drop constraint access_log_action_check;
alter table public.access_log add constraint access_log_action_check
  check (action in ('submission.view', 'bundle.create', 'dataset.download'));

alter table public.datasets enable row level security;
alter table public.dataset_members enable row level security;
alter table public.dataset_grants enable row level security;
alter table public.dataset_build_parts enable row level security;

grant select on public.datasets, public.dataset_members, public.dataset_grants to authenticated;
grant insert (dataset_id, company_id), delete on public.dataset_grants to authenticated;
revoke all on public.datasets, public.dataset_members, public.dataset_grants, public.dataset_build_parts from anon;
revoke all on public.dataset_build_parts from authenticated;

-- The build job has no user: it connects as service_role (bypasses RLS) and touches only these.
grant usage on schema public to service_role;
grant select on public.datasets, public.dataset_members, public.submissions, public.profiles to service_role;
grant update (status, bytes, entries, etag, failure_reason, upload_id, failed_attempts, finished_at) on public.datasets to service_role;
grant select, insert, update, delete on public.dataset_build_parts to service_role;

create function gateway.dataset_granted_to_caller(requested_dataset uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.dataset_grants g
    where g.dataset_id = requested_dataset and g.company_id = gateway.current_company_id()
      and gateway.current_app_role() = 'company'
  )
$$;

create policy "datasets: admins, or companies granted" on public.datasets for select to authenticated
  using (gateway.current_app_role() = 'admin' or gateway.dataset_granted_to_caller(id));
create policy "dataset members: of visible datasets" on public.dataset_members for select to authenticated
  using (exists (select 1 from public.datasets d where d.id = dataset_members.dataset_id));
create policy "dataset grants: admins, or the company's own" on public.dataset_grants for select to authenticated
  using (gateway.current_app_role() = 'admin'
         or (gateway.current_app_role() = 'company' and company_id = gateway.current_company_id()));
create policy "dataset grants: admins grant" on public.dataset_grants for insert to authenticated
  with check (gateway.current_app_role() = 'admin' and granted_by = auth.uid());
create policy "dataset grants: admins revoke" on public.dataset_grants for delete to authenticated
  using (gateway.current_app_role() = 'admin');

-- True when every id names an approved submission, each once: what datasets and bundles may hold.
create function gateway.all_approved(submission_ids uuid[]) returns boolean
language sql stable security definer set search_path = '' as $$
  select cardinality(submission_ids) > 0
    and (select count(distinct s.id) from public.submissions s
         where s.id = any (submission_ids) and s.status = 'approved') = cardinality(submission_ids)
$$;

-- Records a dataset and freezes its members: the given submissions in that order, or every
-- approved submission of a task, oldest first. Admins only; every member must be approved.
-- Returns null when the caller may not, when a submission is missing or not approved, or when
-- the selection is empty.
create function gateway.create_dataset(dataset_name text, dataset_description text, submission_ids uuid[], from_task uuid)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  members uuid[];
  new_dataset uuid;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return null;
  end if;
  if from_task is not null then
    select coalesce(array_agg(s.id order by s.created_at, s.id), '{}') into members
    from public.submissions s where s.task_id = from_task and s.status = 'approved';
  else
    members := coalesce(submission_ids, '{}');
  end if;
  if not gateway.all_approved(members) then
    return null;
  end if;
  insert into public.datasets (name, description) values (dataset_name, coalesce(dataset_description, ''))
    returning id into new_dataset;
  insert into public.dataset_members (dataset_id, position, submission_id)
    select new_dataset, ordinality::integer - 1, submission_id
    from unnest(members) with ordinality as selected(submission_id, ordinality);
  return new_dataset;
end
$$;

-- A download of a dataset: for admins and for users of a company it is granted to. The access-log
-- row is written before anything that lets the caller download is returned, in the same call, so
-- no URL exists without its row. Nothing is returned (and nothing logged) for a dataset the
-- caller may not see; a visible dataset that is not ready is returned without logging.
create function gateway.record_dataset_download(requested_dataset uuid, client_ip text, client_user_agent text)
returns table (name text, status public.dataset_status, object_key text, bytes bigint)
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.datasets;
begin
  select * into found from public.datasets d where d.id = requested_dataset;
  if found.id is null or not (gateway.current_app_role() = 'admin' or gateway.dataset_granted_to_caller(found.id)) then
    return;
  end if;
  if found.status = 'ready' then
    insert into public.access_log (user_id, company_id, action, dataset_id, ip, user_agent)
      values (auth.uid(), gateway.current_company_id(), 'dataset.download', found.id, client_ip, client_user_agent);
  end if;
  return query select found.name, found.status, found.object_key, found.bytes;
end
$$;

-- Bundles: admins may bundle any approved submission; company users only members of datasets
-- granted to their company (which are approved by construction).
create or replace function gateway.create_bundle(submission_ids uuid[], client_ip text, client_user_agent text)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  new_bundle uuid;
  caller_role public.app_role := gateway.current_app_role();
begin
  if caller_role is distinct from 'admin' and caller_role is distinct from 'company' then
    return null;
  end if;
  if not gateway.all_approved(submission_ids) then
    return null;
  end if;
  if caller_role = 'company' and exists (
    select 1 from unnest(submission_ids) as selected(submission_id)
    where not exists (
      select 1 from public.dataset_members m
      join public.dataset_grants g on g.dataset_id = m.dataset_id
      where m.submission_id = selected.submission_id and g.company_id = gateway.current_company_id()
    )
  ) then
    return null;
  end if;
  insert into public.bundles (created_by, company_id) values (auth.uid(), gateway.current_company_id())
    returning id into new_bundle;
  insert into public.bundle_members (bundle_id, position, submission_id)
    select new_bundle, ordinality::integer - 1, submission_id
    from unnest(submission_ids) with ordinality as selected(submission_id, ordinality);
  insert into public.access_log (user_id, company_id, action, bundle_id, ip, user_agent)
    values (auth.uid(), gateway.current_company_id(), 'bundle.create', new_bundle, client_ip, client_user_agent);
  return new_bundle;
end
$$;

revoke all on function gateway.all_approved(uuid[]) from public;
revoke all on function gateway.dataset_granted_to_caller(uuid), gateway.create_dataset(text, text, uuid[], uuid),
  gateway.record_dataset_download(uuid, text, text) from public;
grant execute on function gateway.dataset_granted_to_caller(uuid), gateway.create_dataset(text, text, uuid[], uuid),
  gateway.record_dataset_download(uuid, text, text) to authenticated;
