-- The caller's profile and the role check of every API call as one statement that the gateway can
-- pipeline with the call's other statements: a caller whose role is not among `allowed` gets an
-- error (SQLSTATE GW403), which aborts the transaction, so no statement after it in the same flight
-- takes effect and the COMMIT that ends the flight rolls back instead.
--
-- Security invoker: it reads `profiles` under RLS as the calling role, exactly as the gateway's
-- own `select ... from public.profiles where id = auth.uid()` did. A deleted user's anonymised
-- tombstone counts as no profile.
create function gateway.caller_profile(allowed public.app_role[])
returns table (role public.app_role, company_id uuid)
language plpgsql stable security invoker set search_path = '' as $$
begin
  return query
    select p.role, p.company_id from public.profiles p
    where p.id = auth.uid() and p.deleted_at is null and p.role = any (allowed);
  if not found then
    raise exception 'not allowed for this account' using errcode = 'GW403';
  end if;
end;
$$;

revoke all on function gateway.caller_profile(public.app_role[]) from public;
grant execute on function gateway.caller_profile(public.app_role[]) to authenticated;
