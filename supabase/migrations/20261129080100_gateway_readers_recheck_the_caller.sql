-- Issue 21: two security-definer functions trusted whoever called them.
--
-- gateway.bundle_download(bundle) answered any bundle's members with their object keys,
-- checksums and contributor pseudonyms, and gateway.log_access(...) wrote any access-log row
-- (any allowed action, any submission, for the caller), to every `authenticated` caller: a
-- contributor who sees no bundle under RLS could read an admin's, and write log rows for
-- submissions they cannot see, as soon as anything exposed schema `gateway` (PostgREST's
-- `db-schemas`, a dashboard change away).
--
-- Why re-check inside rather than revoke from `authenticated`: the gateway calls both as
-- `authenticated`, inside the caller's own one-message transaction (src/db/bundles.ts reads the
-- bundle POST /v1/bundles has just created in the same message; src/db/access-log.ts logs the
-- view POST /v1/submissions/{id}/view-url answers). Running them on a service path instead would
-- take them out of that message (a second connection and round trip per call, and a log row
-- that could commit without the URL it records, or the reverse). So each now decides for itself,
-- from auth.uid() and the caller's current role, exactly what the route already allows:
--   - bundle_download: only the bundle's creator, while they may still bundle every member
--     (gateway.may_bundle, the rule a bundle link is re-authorised by at every download) and
--     still belong to the bundle's company; anyone else gets no rows, as for no such bundle;
--   - log_access: only `submission.view`, of a submission with an uploaded object that the
--     caller may view (their own as a contributor, any as a validator or admin); anything else
--     writes nothing and answers null.
-- Neither is needed by `service_role` (the dataset build job calls neither), so it loses them too;
-- `anon` and PUBLIC already had none (20261129010000_integrity.sql, 20261128000000_gateway_spine.sql).

create or replace function gateway.bundle_download(requested_bundle uuid)
returns table (
  created_at timestamptz, submission_id uuid, task_id uuid, contributor_pseudonym text,
  content_type text, size bigint, crc32 bigint, sha256 text, uploaded_at timestamptz, object_key text
)
language sql stable security definer set search_path = '' as $$
  with allowed as (
    select b.id, b.created_at from public.bundles b
    where b.id = requested_bundle
      and b.created_by = auth.uid()
      and b.company_id is not distinct from gateway.current_company_id()
      and gateway.may_bundle(b.created_by, array(
        select m.submission_id from public.bundle_members m where m.bundle_id = b.id order by m.position
      )) is true
  )
  select a.created_at, s.id, s.task_id, p.pseudonym, s.content_type, s.size, s.crc32, s.sha256, s.uploaded_at, s.object_key
  from allowed a
  join public.bundle_members m on m.bundle_id = a.id
  join public.submissions s on s.id = m.submission_id
  join public.profiles p on p.id = s.contributor_id
  order by m.position
$$;

create or replace function gateway.log_access(logged_action text, logged_submission_id uuid, client_ip text, client_user_agent text)
returns bigint
language sql volatile security definer set search_path = '' as $$
  insert into public.access_log (user_id, company_id, action, submission_id, ip, user_agent)
  select auth.uid(), gateway.current_company_id(), logged_action, s.id, client_ip, client_user_agent
  from public.submissions s
  where logged_action = 'submission.view'
    and s.id = logged_submission_id
    and s.status not in ('pending', 'aborted')
    and (gateway.current_app_role() in ('validator', 'admin')
         or (gateway.current_app_role() = 'contributor' and s.contributor_id = auth.uid()))
  returning id
$$;

revoke all on function gateway.bundle_download(uuid), gateway.log_access(text, uuid, text, text)
  from public, anon, service_role;
grant execute on function gateway.bundle_download(uuid), gateway.log_access(text, uuid, text, text) to authenticated;
