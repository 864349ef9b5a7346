-- Integrity and hardening (issue 10): one completion at a time per submission, a staging key for
-- single-PUT uploads, bundle links re-authorised and logged at download, and dataset failure
-- details for admins only.

-- Single-PUT uploads land here; `complete` copies the object to `object_key`, which no presigned
-- URL ever names, so a URL still valid after completion can change only this staging object.
-- Built from ids alone, like `object_key`.
alter table public.submissions
  add column staging_key text generated always as ('incoming/' || task_id::text || '/' || id::text) stored,
  -- Who is completing the upload now, and until when: completing reads the whole object, so only
  -- one request may do it at a time; the others wait for its result.
  add column completion_lease uuid,
  add column completion_lease_until timestamptz;

-- Takes the completion lease of the caller's pending submission, unless another request holds
-- an unexpired one. Returns the lease, or null.
create function gateway.claim_completion(submission_id uuid, lease_seconds integer)
returns uuid
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set completion_lease = gen_random_uuid(), completion_lease_until = now() + make_interval(secs => lease_seconds)
   where id = submission_id and contributor_id = auth.uid() and status = 'pending'
     and (completion_lease_until is null or completion_lease_until < now())
  returning completion_lease
$$;

-- Gives the lease back after a failed attempt, so a retry need not wait for it to expire.
create function gateway.release_completion(submission_id uuid, lease uuid)
returns void
language sql volatile security definer set search_path = '' as $$
  update public.submissions set completion_lease = null, completion_lease_until = null
   where id = submission_id and contributor_id = auth.uid() and completion_lease = lease
$$;

-- Completing now needs the lease: a request whose lease expired and was taken over cannot record
-- checksums of bytes another request has since replaced.
drop function gateway.complete_submission(uuid, bigint, bigint, text);
create function gateway.complete_submission(submission_id uuid, lease uuid, object_size bigint, object_crc32 bigint, object_sha256 text)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set status = 'uploaded', size = object_size, crc32 = object_crc32, sha256 = object_sha256, uploaded_at = now(),
         completion_lease = null, completion_lease_until = null
   where id = submission_id and contributor_id = auth.uid() and status = 'pending' and completion_lease = lease
  returning *
$$;

revoke all on function gateway.claim_completion(uuid, integer), gateway.release_completion(uuid, uuid),
  gateway.complete_submission(uuid, uuid, bigint, bigint, text) from public;
grant execute on function gateway.claim_completion(uuid, integer), gateway.release_completion(uuid, uuid),
  gateway.complete_submission(uuid, uuid, bigint, bigint, text) to authenticated;

-- Nobody reviews their own submission: a validator or admin may once have been a contributor.
create or replace function gateway.review_submission(submission_id uuid, decision text, note text)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  update public.submissions
     set status = case decision when 'approve' then 'approved'::public.submission_status else 'rejected'::public.submission_status end,
         reviewed_by = auth.uid(), reviewed_at = now(), review_note = note
   where id = submission_id
     and status = 'uploaded'
     and decision in ('approve', 'reject')
     and contributor_id <> auth.uid()
     and gateway.current_app_role() in ('validator', 'admin')
  returning *
$$;

-- Bundles ------------------------------------------------------------------------------------

alter table public.access_log drop constraint access_log_action_check;
alter table public.access_log add constraint access_log_action_check
  check (action in ('submission.view', 'bundle.create', 'dataset.download', 'bundle.download'));
create index access_log_bundle on public.access_log (bundle_id, id desc) where bundle_id is not null;

-- The one rule for who may bundle what, at creation and at every download: admins any approved
-- submission; company users only members of datasets granted to their company.
create function gateway.may_bundle(bundler uuid, submission_ids uuid[])
returns boolean
language sql stable security definer set search_path = '' as $$
  select gateway.all_approved(submission_ids) and exists (
    select 1 from public.profiles p
    where p.id = bundler and (
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

create or replace function gateway.create_bundle(submission_ids uuid[], client_ip text, client_user_agent text)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  new_bundle uuid;
begin
  if not gateway.may_bundle(auth.uid(), submission_ids) then
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

-- A download through a bundle link. The link proves only that the gateway issued it; whether its
-- creator may still have these members is decided here, on every request: the grant may have
-- been revoked, the creator's role or company changed, or the profile removed. No rows: no such
-- bundle. One row with allowed = false: refused. Otherwise the members in bundle order.
-- A download is logged at most once per bundle, client address and hour: resuming and parallel
-- range requests of one download are one access, and the log still says who fetched what, from
-- where, and when.
create function gateway.open_bundle_download(requested_bundle uuid, record_download boolean, client_ip text, client_user_agent text)
returns table (
  allowed boolean, created_at timestamptz, submission_id uuid, task_id uuid, contributor_pseudonym text,
  content_type text, size bigint, crc32 bigint, sha256 text, uploaded_at timestamptz, object_key text
)
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.bundles;
  member_ids uuid[];
begin
  select * into found from public.bundles b where b.id = requested_bundle;
  if found.id is null then
    return;
  end if;
  select array_agg(m.submission_id order by m.position) into member_ids
    from public.bundle_members m where m.bundle_id = found.id;
  if not gateway.may_bundle(found.created_by, member_ids)
     or (select p.company_id from public.profiles p where p.id = found.created_by) is distinct from found.company_id then
    return query select false, found.created_at, null::uuid, null::uuid, null::text, null::text, null::bigint,
      null::bigint, null::text, null::timestamptz, null::text;
    return;
  end if;
  if record_download then
    -- Serialises concurrent requests of one client, so parallel ranges write one row.
    perform pg_advisory_xact_lock(hashtextextended(found.id::text || '/' || coalesce(client_ip, ''), 0));
    insert into public.access_log (user_id, company_id, action, bundle_id, ip, user_agent)
      select found.created_by, found.company_id, 'bundle.download', found.id, client_ip, client_user_agent
      where not exists (
        select 1 from public.access_log l
        where l.bundle_id = found.id and l.action = 'bundle.download'
          and l.ip is not distinct from client_ip and l.occurred_at > now() - interval '1 hour'
      );
  end if;
  return query
    select true, found.created_at, s.id, s.task_id, p.pseudonym, s.content_type, s.size, s.crc32, s.sha256, s.uploaded_at, s.object_key
    from public.bundle_members m
    join public.submissions s on s.id = m.submission_id
    join public.profiles p on p.id = s.contributor_id
    where m.bundle_id = found.id
    order by m.position;
end
$$;

revoke all on function gateway.may_bundle(uuid, uuid[]), gateway.open_bundle_download(uuid, boolean, text, text) from public;
-- A link carries no session, so its download runs as anon, which may call this function and no
-- other: the unauthorised read of a bundle (bundle_download) is no longer anon's.
grant execute on function gateway.open_bundle_download(uuid, boolean, text, text) to anon;
revoke execute on function gateway.bundle_download(uuid) from anon;

-- Datasets -----------------------------------------------------------------------------------

-- A failed build's reason names members and S3 error codes: for admins. Company users read the
-- datasets granted to them through RLS, which cannot hide a column, so the column itself is not
-- theirs to select (through the Data API either); this function gives each caller what they may see.
create function gateway.visible_failure_reason(requested_dataset uuid)
returns text
language sql stable security definer set search_path = '' as $$
  select case
    when d.status <> 'failed' then null
    when gateway.current_app_role() = 'admin' then d.failure_reason
    else 'the dataset could not be built'
  end
  from public.datasets d where d.id = requested_dataset
$$;
revoke all on function gateway.visible_failure_reason(uuid) from public;
grant execute on function gateway.visible_failure_reason(uuid) to authenticated;

revoke select on public.datasets from authenticated;
grant select (id, name, description, status, created_by, created_at, object_key, bytes, entries, etag, finished_at)
  on public.datasets to authenticated;
