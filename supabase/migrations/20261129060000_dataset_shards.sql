-- A dataset is a set of shards: archives cut from its member list in archive order, each bounded
-- by a member count and a byte size, each built by its own queue messages (src/datasets/cut.ts,
-- src/datasets/build.ts). Build state that was the dataset's is now each shard's; the dataset keeps
-- the aggregate (status, bytes, entries), the stall clock the sweep reads, and a running count of
-- failed attempts over all its shards.

alter table public.datasets
  -- Defaults justified in the README (Datasets at scale): a 4 GiB shard downloads in minutes, and
  -- the plan of 10,000 members (~650 B each) keeps a build invocation far below 64 MB of heap.
  add column shard_max_members integer not null default 10000 check (shard_max_members between 1 and 100000),
  add column shard_max_bytes bigint not null default 4294967296
    check (shard_max_bytes between 67108864 and 53687091200),
  -- Set once the member list has been cut, with the shard rows, in one transaction.
  add column shard_count integer check (shard_count between 1 and 99999);

create table public.dataset_shards (
  dataset_id uuid not null references public.datasets (id) on delete cascade,
  shard_index integer not null check (shard_index >= 0),
  -- Members [first_position, last_position] of public.dataset_members, in archive order.
  first_position integer not null check (first_position >= 0),
  last_position integer not null,
  -- Built from the dataset's id and checked name only (src/datasets/shard-names.ts).
  object_key text not null,
  status public.dataset_status not null default 'building',
  bytes bigint check (bytes >= 0),
  entries integer check (entries >= 1),
  etag text,
  failure_reason text,
  -- The shard's multipart upload, so a retry continues it (S3 API: UploadPart).
  upload_id text,
  failed_attempts integer not null default 0 check (failed_attempts >= 0),
  finished_at timestamptz,
  primary key (dataset_id, shard_index),
  check (last_position >= first_position)
);

-- Datasets that exist now are single archives: each becomes one shard, under the key it already
-- has, carrying its build state (an unfinished build continues as shard 0; its queue message,
-- a dataset message, queues the shard).
insert into public.dataset_shards (dataset_id, shard_index, first_position, last_position, object_key, status, bytes,
  entries, etag, failure_reason, upload_id, failed_attempts, finished_at)
select d.id, 0, min(m.position), max(m.position), d.object_key, d.status, d.bytes, d.entries, d.etag, d.failure_reason,
  d.upload_id, d.failed_attempts, d.finished_at
from public.datasets d join public.dataset_members m on m.dataset_id = d.id
group by d.id;
update public.datasets d set shard_count = 1
where exists (select 1 from public.dataset_shards s where s.dataset_id = d.id);

-- Parts belong to one shard's upload; rows that exist now are of single-archive builds (shard 0).
alter table public.dataset_build_parts add column shard_index integer not null default 0 check (shard_index >= 0);
alter table public.dataset_build_parts drop constraint dataset_build_parts_pkey;
alter table public.dataset_build_parts add primary key (dataset_id, shard_index, part_number);

-- One access-log row per shard URL handed out.
alter table public.access_log add column dataset_shard integer check (dataset_shard >= 0);

alter table public.dataset_shards enable row level security;
revoke all on public.dataset_shards from anon, authenticated, service_role;
grant select (dataset_id, shard_index, first_position, last_position, object_key, status, bytes, entries, etag, finished_at)
  on public.dataset_shards to authenticated;
create policy "dataset shards: of visible datasets" on public.dataset_shards for select to authenticated
  using (exists (select 1 from public.datasets d where d.id = dataset_shards.dataset_id));

-- Readers of a dataset see how it is sharded (authenticated holds a column list on datasets,
-- 20261129010000_integrity.sql, which new columns do not join).
grant select (shard_max_members, shard_max_bytes, shard_count) on public.datasets to authenticated;

-- The build job records the cut and every shard's progress and outcome.
grant select, insert, update on public.dataset_shards to service_role;
grant update (shard_count) on public.datasets to service_role;

-- create_dataset with shard bounds: the same checks and member freeze, then the bounds.
create function gateway.create_dataset(
  dataset_name text, dataset_description text, submission_ids uuid[], from_task uuid,
  max_members integer, max_bytes bigint
)
returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  new_dataset uuid := gateway.create_dataset(dataset_name, dataset_description, submission_ids, from_task);
begin
  if new_dataset is not null then
    update public.datasets
    set shard_max_members = coalesce(max_members, shard_max_members), shard_max_bytes = coalesce(max_bytes, shard_max_bytes)
    where id = new_dataset;
  end if;
  return new_dataset;
end
$$;

-- Downloads of shards: like record_dataset_download, one access-log row per ready shard returned.
-- `requested_shards` null means every shard. Nothing is returned for a dataset the caller may not
-- see; a visible dataset that is not ready, or asked for a shard it does not have, comes back as
-- one row with null shard columns, unlogged.
create function gateway.record_dataset_shard_downloads(
  requested_dataset uuid, requested_shards integer[], client_ip text, client_user_agent text
)
returns table (name text, status public.dataset_status, shard_count integer, shard_index integer,
  object_key text, bytes bigint, etag text)
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.datasets;
begin
  select * into found from public.datasets d where d.id = requested_dataset;
  if found.id is null or not (gateway.current_app_role() = 'admin' or gateway.dataset_granted_to_caller(found.id)) then
    return;
  end if;
  -- Not ready, all of more shards than one request may sign (100), or a shard asked for that does
  -- not exist: no URL, so no row.
  if found.status <> 'ready' or (requested_shards is null and found.shard_count > 100) or exists (
    select 1 from unnest(requested_shards) as requested(shard_index)
    where requested.shard_index < 0 or requested.shard_index >= found.shard_count
  ) then
    return query select found.name, found.status, found.shard_count, null::integer, null::text, null::bigint, null::text;
    return;
  end if;
  insert into public.access_log (user_id, company_id, action, dataset_id, dataset_shard, ip, user_agent)
    select auth.uid(), gateway.current_company_id(), 'dataset.download', found.id, s.shard_index, client_ip, client_user_agent
    from public.dataset_shards s
    where s.dataset_id = found.id and (requested_shards is null or s.shard_index = any (requested_shards))
    order by s.shard_index;
  return query
    select found.name, found.status, found.shard_count, s.shard_index, s.object_key, s.bytes, s.etag
    from public.dataset_shards s
    where s.dataset_id = found.id and (requested_shards is null or s.shard_index = any (requested_shards))
    order by s.shard_index;
end
$$;

-- Retrying a failed dataset: its failed shards build again from scratch, the ready ones stay.
-- Admins only; returns the shards to queue (none when the dataset is not failed), or, for a
-- dataset that failed before it was cut, -1 meaning "cut it".
create function gateway.retry_dataset(requested_dataset uuid)
returns table (shard_index integer)
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.datasets;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return;
  end if;
  select * into found from public.datasets d where d.id = requested_dataset for update;
  if found.id is null or found.status <> 'failed' then
    return;
  end if;
  update public.datasets
  set status = 'building', failure_reason = null, finished_at = null, failed_attempts = 0, progressed_at = now(),
    build_requeues = 0
  where id = found.id;
  if found.shard_count is null then
    return query select -1;
    return;
  end if;
  return query
    update public.dataset_shards s
    set status = 'building', failure_reason = null, finished_at = null, failed_attempts = 0, upload_id = null
    where s.dataset_id = found.id and s.status = 'failed'
    returning s.shard_index;
end
$$;

revoke all on function gateway.create_dataset(text, text, uuid[], uuid, integer, bigint),
  gateway.record_dataset_shard_downloads(uuid, integer[], text, text), gateway.retry_dataset(uuid) from public, anon;
grant execute on function gateway.create_dataset(text, text, uuid[], uuid, integer, bigint),
  gateway.record_dataset_shard_downloads(uuid, integer[], text, text), gateway.retry_dataset(uuid) to authenticated;
