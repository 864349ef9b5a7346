-- Ad-hoc bundles: a recorded selection of approved submissions that the gateway streams as one
-- ZIP. Every bundle and its members are kept, and its creation is written to the access log.

-- Companies see contributors only by pseudonym (manifest.csv). Random, so it cannot be derived
-- from the user id.
alter table public.profiles
  add column pseudonym text not null default left(replace(gen_random_uuid()::text, '-', ''), 16);
create unique index profiles_pseudonym on public.profiles (pseudonym);

create table public.bundles (
  id uuid primary key default gen_random_uuid(),
  created_by uuid not null default auth.uid() references public.profiles (id),
  company_id uuid references public.companies (id),
  created_at timestamptz not null default now()
);

create table public.bundle_members (
  bundle_id uuid not null references public.bundles (id) on delete cascade,
  position integer not null check (position >= 0),
  submission_id uuid not null references public.submissions (id),
  primary key (bundle_id, position),
  unique (bundle_id, submission_id)
);

alter table public.access_log add column bundle_id uuid references public.bundles (id);
alter table public.access_log drop constraint access_log_action_check;
alter table public.access_log add constraint access_log_action_check check (action in ('submission.view', 'bundle.create'));

alter table public.bundles enable row level security;
alter table public.bundle_members enable row level security;
grant select on public.bundles, public.bundle_members to authenticated;
revoke all on public.bundles, public.bundle_members from anon;

create policy "bundles: own, or admin" on public.bundles for select to authenticated
  using (created_by = auth.uid() or gateway.current_app_role() = 'admin');
create policy "bundle members: of visible bundles" on public.bundle_members for select to authenticated
  using (exists (select 1 from public.bundles b where b.id = bundle_members.bundle_id));

-- Records a bundle of approved submissions for the caller, with its access-log row, in one step.
-- Admins may bundle any approved submission. Company users will be allowed submissions of the
-- datasets granted to their company once datasets exist; until then only admins. Returns null
-- when the caller may not, or when any submission is missing or not approved.
create function gateway.create_bundle(submission_ids uuid[], client_ip text, client_user_agent text)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  new_bundle uuid;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return null;
  end if;
  if cardinality(submission_ids) = 0
     or (select count(distinct s.id) from public.submissions s
         where s.id = any (submission_ids) and s.status = 'approved') <> cardinality(submission_ids) then
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

-- What a download link needs, and nothing more. A bundle link carries no session: the gateway
-- checks the link's HMAC and expiry first, then reads the members through this one function as
-- `anon`. Members come in bundle order with what the archive plan needs.
create function gateway.bundle_download(requested_bundle uuid)
returns table (
  created_at timestamptz, submission_id uuid, task_id uuid, contributor_pseudonym text,
  content_type text, size bigint, crc32 bigint, sha256 text, uploaded_at timestamptz, object_key text
)
language sql stable security definer set search_path = '' as $$
  select b.created_at, s.id, s.task_id, p.pseudonym, s.content_type, s.size, s.crc32, s.sha256, s.uploaded_at, s.object_key
  from public.bundles b
  join public.bundle_members m on m.bundle_id = b.id
  join public.submissions s on s.id = m.submission_id
  join public.profiles p on p.id = s.contributor_id
  where b.id = requested_bundle
  order by m.position
$$;

revoke all on function gateway.create_bundle(uuid[], text, text), gateway.bundle_download(uuid) from public;
grant execute on function gateway.create_bundle(uuid[], text, text) to authenticated, service_role;
grant usage on schema gateway to anon;
grant execute on function gateway.bundle_download(uuid) to anon, authenticated, service_role;
