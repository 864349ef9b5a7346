-- What the API roles may do in schema `public`, stated once, for every table.
--
-- Supabase exposes `public` through its Data API (PostgREST): anyone holding the project's anon
-- key reaches every table there as `anon`, every signed-in user as `authenticated`, and the
-- service key as `service_role`, which row-level security does not restrain (BYPASSRLS). A
-- Supabase project also grants those three roles ALL on every table, sequence and function
-- created in `public` (default privileges; scripts/sql/supabase-baseline.sql reproduces them
-- locally), so unless a migration takes them back:
--   - `authenticated` may insert any column of `submissions` (review fields, checksums, its own
--     id and creation time), since a column-limited grant adds nothing to a table-wide one;
--   - `authenticated` holds UPDATE, DELETE and TRUNCATE on most tables, kept shut only by the
--     absence of a policy (TRUNCATE ignores RLS altogether);
--   - `service_role` may read and rewrite everything: approve submissions, erase the access log,
--     grant datasets.
-- So: take everything back, then grant each role exactly the statements it needs. RLS still
-- decides which rows; these grants decide which statements and columns, so a missing or wrong
-- policy cannot open a write nobody was meant to have. test/stack/rls-matrix.test.ts proves the
-- result cell by cell, and fails for a table it has no rows for. The same matrix found one
-- policy too loose (the submissions insert policy, at the end).

revoke all on all tables in schema public from anon, authenticated, service_role;
revoke all on all sequences in schema public from anon, authenticated, service_role;

-- anon: nothing. The only anonymous request is a signed bundle link, which reads through
-- gateway.bundle_download (security definer), never a table.

-- authenticated: reads, which the RLS policies narrow to the caller's rows.
grant select on public.companies, public.profiles, public.tasks, public.task_assignments,
  public.submissions, public.access_log, public.bundles, public.bundle_members,
  public.datasets, public.dataset_members, public.dataset_grants to authenticated;
-- The two writes made under RLS rather than through a gateway function: opening a pending
-- submission (POST /v1/uploads; the policy checks owner, task, type and size) with only the
-- columns a client chooses, and granting or revoking a dataset (admins, by policy). Everything
-- else a user changes goes through security-definer functions in schema `gateway`, which
-- PostgREST does not expose.
grant insert (task_id, contributor_id, content_type, declared_size, original_filename)
  on public.submissions to authenticated;
grant insert (dataset_id, company_id), delete on public.dataset_grants to authenticated;
-- dataset_build_parts: nothing. Build progress is the job's alone.

-- service_role: exactly what the dataset build job does (src/db/dataset-builds.ts): read the
-- dataset, its members and their submissions and pseudonyms; record progress and the outcome
-- in the build columns; keep the list of finished parts.
grant select on public.datasets, public.dataset_members, public.submissions, public.profiles to service_role;
grant update (status, bytes, entries, etag, failure_reason, upload_id, failed_attempts, finished_at)
  on public.datasets to service_role;
grant select, insert, update, delete on public.dataset_build_parts to service_role;

-- TRUNCATE, REFERENCES and TRIGGER stay with the table owner: none is granted above.

-- Opening a submission is a contributor's act (POST /v1/uploads admits contributors only), but
-- the insert policy asked only for an assignment, and assignments outlive a change of role: a
-- contributor promoted to validator or admin could still open submissions through the Data API.
drop policy "submissions: contributors open their own" on public.submissions;
create policy "submissions: contributors open their own" on public.submissions for insert to authenticated
  with check (
    gateway.current_app_role() = 'contributor'
    and contributor_id = auth.uid()
    and status = 'pending'
    and exists (
      select 1 from public.tasks t
      join public.task_assignments a on a.task_id = t.id and a.user_id = auth.uid()
      -- Qualified: unqualified, task_id would bind to task_assignments.task_id in this scope.
      where t.id = submissions.task_id and t.status = 'open' and submissions.declared_size <= t.max_bytes
        and gateway.content_type_allowed(t.allowed_content_types, submissions.content_type)
    )
  );
