-- Issue 21: a user banned in Supabase Auth kept their role until their token expired, since a
-- ban only stops Auth issuing and refreshing tokens: Auth sets auth.users.banned_until (the admin
-- API's `ban_duration`; "none" clears it) and treats the user as banned while it is in the future,
-- but a token already issued stays valid to its `exp`. Every API call starts with
-- gateway.caller_profile in the same message as its other statements, so refusing there refuses
-- every call from the moment of the ban, with no extra round trip.
--
-- caller_profile is security invoker (it reads profiles under RLS) and no API role may read
-- auth.users, so the ban is read by a security-definer function of its own, which answers only
-- for the caller.
create function gateway.caller_is_banned() returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select 1 from auth.users u where u.id = auth.uid() and u.banned_until > now())
$$;

revoke all on function gateway.caller_is_banned() from public;
grant execute on function gateway.caller_is_banned() to authenticated;

-- As in 20261129050000_caller_profile.sql, with the ban first: a banned caller gets SQLSTATE
-- GW401 (the gateway's 401, the one message of every refused token) whatever their role, and the
-- error aborts the transaction like GW403 does.
create or replace function gateway.caller_profile(allowed public.app_role[])
returns table (role public.app_role, company_id uuid)
language plpgsql stable security invoker set search_path = '' as $$
begin
  if gateway.caller_is_banned() then
    raise exception 'the account is banned' using errcode = 'GW401';
  end if;
  return query
    select p.role, p.company_id from public.profiles p
    where p.id = auth.uid() and p.deleted_at is null and p.role = any (allowed);
  if not found then
    raise exception 'not allowed for this account' using errcode = 'GW403';
  end if;
end;
$$;
