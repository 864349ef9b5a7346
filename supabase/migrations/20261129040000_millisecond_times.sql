-- The API shows and pages by creation times in milliseconds (ISO 8601 from JavaScript Dates), while
-- now() has microseconds: two rows created in the same millisecond came back in microsecond
-- order but were compared, in a keyset cursor, at millisecond precision, so a page could skip or
-- repeat a row. The times the lists page by are stored at the precision the API carries.
alter table public.profiles alter column created_at set default date_trunc('milliseconds', now());
alter table public.submissions alter column created_at set default date_trunc('milliseconds', now());
alter table public.datasets alter column created_at set default date_trunc('milliseconds', now());

update public.profiles set created_at = date_trunc('milliseconds', created_at) where created_at <> date_trunc('milliseconds', created_at);
update public.submissions set created_at = date_trunc('milliseconds', created_at) where created_at <> date_trunc('milliseconds', created_at);
update public.datasets set created_at = date_trunc('milliseconds', created_at) where created_at <> date_trunc('milliseconds', created_at);
