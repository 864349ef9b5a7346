-- Demo data for the local stack: one user per role, a company, and an open task the
-- contributor is assigned to. Fixed ids, so `npm run token -- <role>` needs no database.
-- Idempotent: running it twice changes nothing.

insert into auth.users (id, email) values
  ('00000000-0000-4000-8000-00000000c001', 'contributor@demo.xum-ai.app'),
  ('00000000-0000-4000-8000-00000000c002', 'validator@demo.xum-ai.app'),
  ('00000000-0000-4000-8000-00000000c003', 'admin@demo.xum-ai.app'),
  ('00000000-0000-4000-8000-00000000c004', 'company@demo.xum-ai.app')
on conflict (id) do nothing;

insert into public.companies (id, name) values
  ('00000000-0000-4000-8000-0000000c0a01', 'Demo Company')
on conflict (id) do nothing;

insert into public.profiles (id, role, company_id, display_name) values
  ('00000000-0000-4000-8000-00000000c001', 'contributor', null, 'Demo Contributor'),
  ('00000000-0000-4000-8000-00000000c002', 'validator', null, 'Demo Validator'),
  ('00000000-0000-4000-8000-00000000c003', 'admin', null, 'Demo Admin'),
  ('00000000-0000-4000-8000-00000000c004', 'company', '00000000-0000-4000-8000-0000000c0a01', 'Demo Company User')
-- Signing up (the insert above) already made each a contributor without a name; the seed gives
-- them their roles once, and leaves alone a demo user an admin has changed since.
on conflict (id) do update set role = excluded.role, company_id = excluded.company_id, display_name = excluded.display_name
  where public.profiles.display_name is null and public.profiles.deleted_at is null;

insert into public.tasks (id, title, description, status, allowed_content_types, max_bytes) values
  ('00000000-0000-4000-8000-0000000a0001', 'Read a sentence aloud',
   'Record yourself reading the sentence shown on screen.', 'open',
   array['audio/*', 'image/*', 'video/*', 'application/octet-stream'], 5368709120)
on conflict (id) do nothing;

insert into public.task_assignments (task_id, user_id) values
  ('00000000-0000-4000-8000-0000000a0001', '00000000-0000-4000-8000-00000000c001')
on conflict do nothing;
