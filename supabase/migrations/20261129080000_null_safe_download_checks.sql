-- Issue 21: the download functions refused a caller with `not (role = 'admin' or granted)`. For a
-- caller with no role (no profile, or a deleted account's tombstone) `role = 'admin'` is NULL, so
-- the whole condition is NULL, `if` treats it as false, and the function went on: it answered a
-- dataset that is not ready (name, status, object key) and tried to log a download of a ready one.
-- Only gateway.caller_profile, in the same message, stopped such a caller. `is not true` refuses
-- NULL as well as false (PostgreSQL manual, 9.2 "Comparison Functions and Operators": IS NOT TRUE
-- never yields NULL). The bodies are otherwise those of 20261128030000_datasets.sql and
-- 20261129060000_dataset_shards.sql.

create or replace function gateway.record_dataset_download(requested_dataset uuid, client_ip text, client_user_agent text)
returns table (name text, status public.dataset_status, object_key text, bytes bigint)
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.datasets;
begin
  select * into found from public.datasets d where d.id = requested_dataset;
  if found.id is null
     or (gateway.current_app_role() = 'admin' or gateway.dataset_granted_to_caller(found.id)) is not true then
    return;
  end if;
  if found.status = 'ready' then
    insert into public.access_log (user_id, company_id, action, dataset_id, ip, user_agent)
      values (auth.uid(), gateway.current_company_id(), 'dataset.download', found.id, client_ip, client_user_agent);
  end if;
  return query select found.name, found.status, found.object_key, found.bytes;
end
$$;

create or replace function gateway.record_dataset_shard_downloads(
  requested_dataset uuid, requested_shards integer[], client_ip text, client_user_agent text
)
returns table (name text, status public.dataset_status, shard_count integer, shard_index integer,
  object_key text, bytes bigint, etag text)
language plpgsql volatile security definer set search_path = '' as $$
declare
  found public.datasets;
begin
  select * into found from public.datasets d where d.id = requested_dataset;
  if found.id is null
     or (gateway.current_app_role() = 'admin' or gateway.dataset_granted_to_caller(found.id)) is not true then
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
