-- When a dataset build last moved, so a build nobody is working on can be found: its queue
-- message dropped or dead-lettered after too many deliveries, or a consumer that dies before it
-- records anything. The Worker's Cron Trigger (src/datasets/sweep.ts) re-queues such a build, and
-- after a bounded number of re-queues fails it and aborts its multipart upload.

-- Moved: the upload was started or restarted, a part was recorded, a failed attempt was counted,
-- or the sweep re-queued it. Rows that exist now count from this migration.
alter table public.datasets
  add column progressed_at timestamptz not null default now(),
  -- Re-queues by the sweep since the build last moved on its own; a build that moves again
  -- starts afresh.
  add column build_requeues integer not null default 0 check (build_requeues >= 0);

-- The sweep asks only for building datasets, oldest progress first.
create index datasets_building_progress on public.datasets (progressed_at) where status = 'building';

-- The build job (service_role) records progress; nobody else sees or writes these columns.
-- authenticated holds a column list on datasets (20261129010000_integrity.sql), which new columns
-- do not join; service_role already selects the whole table.
grant update (progressed_at, build_requeues) on public.datasets to service_role;
