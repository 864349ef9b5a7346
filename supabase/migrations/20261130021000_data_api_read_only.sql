-- The Data API is read-only for users, and the database refuses what the API refuses (issue 21).
--
-- Supabase exposes schema `public` through its Data API (PostgREST) to every signed-in user as
-- `authenticated` and to every holder of the anon key as `anon` (Supabase docs, "Securing your
-- API"). Until now `authenticated` held two writes there: INSERT of five columns of
-- `submissions` (the insert policy re-checked the task) and INSERT/DELETE on `dataset_grants`
-- (admins, by policy). The policy checked the task, not the values: twenty pending rows with a
-- 2 MB content type and a 9-million-character file name (a right-to-left override, a newline,
-- `<script>`) went in, so did `image/svg+xml`, and one validator's `GET /v1/submissions` built
-- 248 MiB of JSON.
--
-- 1. Users write nothing through the Data API. Every write a user may make goes through a
--    security-definer function of schema `gateway` (which PostgREST does not expose); the two
--    new ones below make exactly the checks the dropped policies made.
-- 2. CHECK constraints mirror the API's rules for every column a user supplies (the routes' zod
--    schemas, src/routes/**), so a row that bypasses the gateway (service_role, the SQL editor,
--    a future path) cannot break a reader either. Each mirrors a rule exactly; where the API
--    counts UTF-16 code units (zod's max) and PostgreSQL counts characters, the constraint is the
--    looser of the two, never the stricter, so the API never meets a constraint it did not check.

-- 1. No writes for API users ---------------------------------------------------------------------

-- REVOKE on a table also revokes the column privileges of its columns (manual, REVOKE), so the
-- five insert columns of `submissions` go with the table-wide INSERT.
revoke insert, update, delete on all tables in schema public from anon, authenticated;

-- Privileges alone now keep these writes shut; the policies would only matter if a privilege
-- came back (a careless GRANT), and then they would quietly admit exactly the rows this issue is
-- about. Without them, RLS refuses every insert and delete on these tables even if a privilege
-- returns: with row security enabled and no policy for a command, no row qualifies (manual,
-- 5.8 "Row Security Policies"). The gateway functions below carry the checks now.
drop policy "submissions: contributors open their own" on public.submissions;
drop policy "dataset grants: admins grant" on public.dataset_grants;
drop policy "dataset grants: admins revoke" on public.dataset_grants;

-- Opens a pending submission for the caller: a contributor, on an open task assigned to them, of
-- a type the task admits and a size within its maximum (the checks of the dropped insert policy).
-- No row when any check fails. The value rules (media type, active content, file name) are the
-- table's CHECK constraints below: a value they refuse raises check_violation (23514); the Worker
-- sends none, having refused it with a 400 first.
create function gateway.open_submission(requested_task uuid, declared_type text, declared_bytes bigint, filename text)
returns setof public.submissions
language sql volatile security definer set search_path = '' as $$
  insert into public.submissions (task_id, contributor_id, content_type, declared_size, original_filename)
  select t.id, auth.uid(), declared_type, declared_bytes, filename
  from public.tasks t
  where t.id = requested_task
    and gateway.current_app_role() = 'contributor'
    and t.status = 'open'
    and exists (select 1 from public.task_assignments a where a.task_id = t.id and a.user_id = auth.uid())
    and declared_bytes <= t.max_bytes
    and gateway.content_type_allowed(t.allowed_content_types, declared_type)
  returning *
$$;

-- Grants a dataset to a company: admins only, both must exist. One statement, as the Worker's was,
-- so the two existence checks and the insert read one snapshot.
create function gateway.grant_dataset(requested_dataset uuid, requested_company uuid)
returns text
language sql volatile security definer set search_path = '' as $$
  with caller as (select coalesce(gateway.current_app_role() = 'admin', false) as is_admin),
    dataset as (select 1 from public.datasets d where d.id = requested_dataset),
    company as (select 1 from public.companies c where c.id = requested_company),
    granted as (
      insert into public.dataset_grants (dataset_id, company_id, granted_by)
      select requested_dataset, requested_company, auth.uid()
      where (select is_admin from caller) and exists (select from dataset) and exists (select from company)
      on conflict do nothing
      returning 1)
  select case
    when not (select is_admin from caller) then 'forbidden'
    when not exists (select from dataset) then 'dataset_not_found'
    when not exists (select from company) then 'company_not_found'
    when exists (select from granted) then 'created'
    else 'existed'
  end
$$;

-- Revokes a company's grant: admins only. The company's id when there was such a grant.
create function gateway.revoke_dataset_grant(requested_dataset uuid, requested_company uuid)
returns setof uuid
language sql volatile security definer set search_path = '' as $$
  delete from public.dataset_grants g
   where g.dataset_id = requested_dataset and g.company_id = requested_company
     and gateway.current_app_role() = 'admin'
  returning g.company_id
$$;

revoke all on function gateway.open_submission(uuid, text, bigint, text), gateway.grant_dataset(uuid, uuid),
  gateway.revoke_dataset_grant(uuid, uuid) from public, anon;
grant execute on function gateway.open_submission(uuid, text, bigint, text), gateway.grant_dataset(uuid, uuid),
  gateway.revoke_dataset_grant(uuid, uuid) to authenticated;

-- 2. The API's value rules as CHECK constraints -----------------------------------------------------
--
-- Written out in each constraint rather than in a helper function: a function in a CHECK needs
-- EXECUTE by every role that writes the table, and none of these roles should hold EXECUTE on a
-- helper in `gateway` (nor in `public`, where it would be a /rest/v1/rpc endpoint). Character
-- classes are spelled as code point ranges, not [[:cntrl:]] or \s, whose meaning depends on the
-- database's locale. A CHECK is satisfied by NULL (manual, 5.4.1 "Check Constraints"), so
-- nullable columns need no `is null or`.
--
-- The rules, from the routes' zod schemas:
--   media type   src/uploads/media-types.ts mediaTypePattern: type "/" subtype, each an RFC 9110
--                token, then `; name=value` parameters with optional spaces or tabs (OWS); at
--                most 200 characters (contentTypeSchema); no `*` and no active content
--                (POST /v1/uploads: isActiveContentType, any +xml type).
--   file name    1 to 255 characters; no C0 control, DEL or C1 control, and no bidirectional
--                embedding, override or isolate (U+202A-U+202E, U+2066-U+2069), which make a
--                name display as another (`invoice<U+202E>gpj.exe`).
--   free text    freeTextSchema: tab, line feed and carriage return are text; every other C0
--                control, DEL and C1 control is refused. Titles and names: not blank (not only
--                the white space JavaScript's trim() removes).
--   task types   allowedContentTypesSchema: 1 to 50 patterns, each type "/" subtype or
--                type "/*", tokens without `*`, at most 200 characters, none active content.
--                Repeats (case-insensitive) are refused by the API only: that is not a
--                property of a value a reader could trip on.
--   display name what the sign-up trigger keeps of the user's metadata: at most 200 characters,
--                no control character.

-- Rows the Data API let in break the rules; these are made to keep them before the constraints
-- are added. Submissions: a file name the API would refuse is cleared (it is metadata, and is
-- cleared anyway when its author is deleted); a content type it would refuse becomes
-- application/octet-stream, which is how view links serve every type that is not playable media
-- already (src/uploads/media-types.ts viewResponseHeaders), and a pending submission with one is
-- aborted (the gateway never presigned an upload for it); a review note loses the control
-- characters the API refuses and is cut to 2,000 characters.
update public.submissions s
   set status = case when fix.type_ok then s.status when s.status = 'pending' then 'aborted' else s.status end,
       content_type = case when fix.type_ok then s.content_type else 'application/octet-stream' end,
       original_filename = case when fix.filename_ok is not false then s.original_filename end,
       review_note = case when fix.note_ok is not false then s.review_note
         else left(regexp_replace(s.review_note, '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]', '', 'g'), 2000) end
  from (
    select x.id,
      length(x.content_type) <= 200
        and x.content_type ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]+/[A-Za-z0-9!#$%&''*+.^_`|~-]+([ \t]*;[ \t]*[A-Za-z0-9!#$%&''*+.^_`|~-]+=[A-Za-z0-9!#$%&''*+.^_`|~-]+)*$'
        and strpos(x.content_type, '*') = 0
        and substring(x.content_type from '^[^; \t]*') !~* '^(text/html|text/xml|application/xml|text/xsl|text/javascript|application/javascript|application/x-javascript|application/ecmascript|text/ecmascript|application/pdf|application/x-shockwave-flash|multipart/x-mixed-replace|[^/]*/.*\+xml)$'
        as type_ok,
      length(x.original_filename) between 1 and 255
        and x.original_filename !~ '[\u0001-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]' as filename_ok,
      length(x.review_note) <= 2000
        and x.review_note !~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]' as note_ok
    from public.submissions x
  ) fix
 where fix.id = s.id and (not fix.type_ok or fix.filename_ok is false or fix.note_ok is false);

-- Display names: what the sign-up trigger keeps, with the control characters spelled out, since
-- [[:cntrl:]] alone leaves C1 controls in a database whose locale is C.
update public.profiles
   set display_name = nullif(left(btrim(regexp_replace(display_name, '[[:cntrl:]\u0001-\u001f\u007f-\u009f]', '', 'g')), 200), '')
 where length(display_name) > 200 or display_name ~ '[\u0001-\u001f\u007f-\u009f]';

create or replace function gateway.create_profile_for_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.profiles (id, role, display_name)
  values (
    new.id,
    'contributor',
    nullif(left(btrim(regexp_replace(
      coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name', ''),
      '[[:cntrl:]\u0001-\u001f\u007f-\u009f]', '', 'g')), 200), '')
  )
  on conflict (id) do nothing;
  return null;
end
$$;
revoke all on function gateway.create_profile_for_new_user() from public;

-- Added NOT VALID (checked for every row written from now on), then validated below where the
-- rows already there keep them.
alter table public.submissions
  add constraint submissions_content_type_media_type check (
    length(content_type) <= 200
    and content_type ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]+/[A-Za-z0-9!#$%&''*+.^_`|~-]+([ \t]*;[ \t]*[A-Za-z0-9!#$%&''*+.^_`|~-]+=[A-Za-z0-9!#$%&''*+.^_`|~-]+)*$'
    and strpos(content_type, '*') = 0
  ) not valid,
  add constraint submissions_content_type_not_active check (
    substring(content_type from '^[^; \t]*') !~* '^(text/html|text/xml|application/xml|text/xsl|text/javascript|application/javascript|application/x-javascript|application/ecmascript|text/ecmascript|application/pdf|application/x-shockwave-flash|multipart/x-mixed-replace|[^/]*/.*\+xml)$'
  ) not valid,
  add constraint submissions_original_filename_text check (
    length(original_filename) between 1 and 255
    and original_filename !~ '[\u0001-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]'
  ) not valid,
  add constraint submissions_review_note_text check (
    length(review_note) <= 2000 and review_note !~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]'
  ) not valid;

alter table public.tasks
  add constraint tasks_title_text check (
    length(title) <= 200 and title !~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]'
    and title ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]'
  ) not valid,
  add constraint tasks_description_text check (
    length(description) <= 2000 and description !~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]'
  ) not valid,
  -- The patterns joined with ',', which no token holds (and no element may): one pattern between
  -- commas, and a run of 201 characters without one is a pattern over 200.
  add constraint tasks_allowed_content_types_patterns check (
    array_ndims(allowed_content_types) = 1
    and cardinality(allowed_content_types) between 1 and 50
    and array_position(allowed_content_types, null) is null
    and strpos(array_to_string(allowed_content_types, ''), ',') = 0
    and array_to_string(allowed_content_types, ',') ~ '^[A-Za-z0-9!#$%&''+.^_`|~-]+/([A-Za-z0-9!#$%&''+.^_`|~-]+|\*)(,[A-Za-z0-9!#$%&''+.^_`|~-]+/([A-Za-z0-9!#$%&''+.^_`|~-]+|\*))*$'
    and array_to_string(allowed_content_types, ',') !~ '[^,]{201}'
    and array_to_string(allowed_content_types, ',') !~* '(^|,)(text/html|text/xml|application/xml|text/xsl|text/javascript|application/javascript|application/x-javascript|application/ecmascript|text/ecmascript|application/pdf|application/x-shockwave-flash|multipart/x-mixed-replace|[^,/]*/[^,]*\+xml)(,|$)'
  ) not valid;

alter table public.companies
  add constraint companies_name_text check (
    length(name) <= 200 and name !~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]'
    and name ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]'
  ) not valid;

-- The name already has its rule (20261128030000_datasets.sql), the description its length.
alter table public.datasets
  add constraint datasets_description_text check (
    description !~ '[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]'
  ) not valid;

alter table public.profiles
  add constraint profiles_display_name_text check (
    length(display_name) <= 200 and display_name !~ '[\u0001-\u001f\u007f-\u009f]'
  ) not valid;

-- Submissions and profiles were repaired above, so theirs validate. Tasks, companies and dataset
-- descriptions were never writable through the Data API: only the gateway's admin functions
-- (under the same zod rules) and the project's operators wrote them. A row an operator wrote
-- against a rule is not rewritten here; the migration leaves that constraint NOT VALID with a
-- warning naming it (new and changed rows are still checked), and once the rows are fixed
-- `alter table ... validate constraint ...` completes it.
do $$
declare
  added record;
begin
  for added in
    select c.conrelid::regclass::text as relation, c.conname as name
    from pg_constraint c
    where c.connamespace = 'public'::regnamespace and c.contype = 'c' and not c.convalidated
      and c.conname in ('submissions_content_type_media_type', 'submissions_content_type_not_active',
        'submissions_original_filename_text', 'submissions_review_note_text', 'tasks_title_text',
        'tasks_description_text', 'tasks_allowed_content_types_patterns', 'companies_name_text',
        'datasets_description_text', 'profiles_display_name_text')
  loop
    begin
      execute format('alter table %s validate constraint %I', added.relation, added.name);
    exception when check_violation then
      raise warning 'constraint % on % is NOT VALID: rows written before it break it; fix them, then run: alter table % validate constraint %',
        added.name, added.relation, added.relation, added.name;
    end;
  end loop;
end
$$;
