-- Datasets in more than one format: ZIP (as before), Parquet and WebDataset. The format is fixed
-- at creation, like the members, so every rebuild of a shard gives the same bytes.
alter table public.datasets
  add column format text not null default 'zip' check (format in ('zip', 'parquet', 'webdataset'));

grant select (format) on public.datasets to authenticated;

-- create_dataset with a format. `largest_member` is the largest body the format can hold (one
-- Parquet value, a page of at most 2^31 - 1 bytes), null when it has no bound of its own: a
-- selection with a larger member is refused before anything is recorded, and the first such
-- member (in archive order) is returned so the caller can say which.
create function gateway.create_dataset(
  dataset_name text, dataset_description text, submission_ids uuid[], from_task uuid,
  max_members integer, max_bytes bigint, dataset_format text, largest_member bigint
)
returns table (id uuid, oversized_member uuid, oversized_bytes bigint)
language plpgsql volatile security definer set search_path = '' as $$
declare
  new_dataset uuid;
  oversized record;
begin
  if gateway.current_app_role() is distinct from 'admin' then
    return query select null::uuid, null::uuid, null::bigint;
    return;
  end if;
  if largest_member is not null then
    if from_task is not null then
      select s.id, s.size into oversized from public.submissions s
      where s.task_id = from_task and s.status = 'approved' and s.size > largest_member
      order by s.created_at, s.id limit 1;
    else
      select s.id, s.size into oversized
      from unnest(coalesce(submission_ids, '{}')) with ordinality as selected(submission_id, ordinality)
      join public.submissions s on s.id = selected.submission_id
      where s.size > largest_member
      order by selected.ordinality limit 1;
    end if;
    if oversized.id is not null then
      return query select null::uuid, oversized.id, oversized.size;
      return;
    end if;
  end if;
  new_dataset := gateway.create_dataset(dataset_name, dataset_description, submission_ids, from_task, max_members, max_bytes);
  if new_dataset is not null then
    update public.datasets d set format = dataset_format where d.id = new_dataset;
  end if;
  return query select new_dataset, null::uuid, null::bigint;
end
$$;

revoke all on function gateway.create_dataset(text, text, uuid[], uuid, integer, bigint, text, bigint) from public, anon;
grant execute on function gateway.create_dataset(text, text, uuid[], uuid, integer, bigint, text, bigint) to authenticated;
