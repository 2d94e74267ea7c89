-- Switching an account off is one rule, wherever it is done (issue 11): an admin's
-- private.deactivate_account, the dashboard's Table Editor writing profiles.is_active =
-- false, any superuser's UPDATE. Until now only the admin function banned the account in
-- Supabase Auth and ended its sessions; a direct write left the account able to sign in
-- (the password grant and refresh tokens kept working, refused by RLS only afterwards)
-- and its sessions alive. Now a trigger applies the rule to every change of
-- profiles.is_active, and the admin functions call the same rule:
--   * is_active false: banned in Supabase Auth (auth.users.banned_until, 100 years, as
--     the dashboard's "ban forever" writes it; GoTrue then refuses sign-in and refresh)
--     and every session deleted (its refresh tokens go with it, by cascade), so every
--     token the account holds is a signed-out one too;
--   * is_active true: the ban lifted; ended sessions stay ended (the user signs in again).

-- The rule. Security definer: whoever changes is_active (a dashboard user, the admin
-- functions, an erasure) ends the access in auth.users and auth.sessions, which the API
-- roles cannot write. Granted to nobody: only the trigger and the admin functions run it.
create or replace function private.apply_account_activity(target_user_id uuid, active boolean)
returns table (banned_until timestamptz, sessions_ended integer)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if active then
    update auth.users u set banned_until = null where u.id = target_user_id;
    apply_account_activity.banned_until := null;
    apply_account_activity.sessions_ended := 0;
  else
    update auth.users u set banned_until = now() + interval '100 years' where u.id = target_user_id
    returning u.banned_until into apply_account_activity.banned_until;
    with ended as (delete from auth.sessions s where s.user_id = target_user_id returning 1)
    select count(*)::integer into apply_account_activity.sessions_ended from ended;
  end if;
  return next;
end;
$$;
comment on function private.apply_account_activity(uuid, boolean) is
  'The one rule of an account switched off or on (profiles.is_active): off bans it in Supabase Auth (banned_until, 100 years) and deletes every session; on lifts the ban. Run by the trigger profiles_apply_activity on every change of is_active, and by private.deactivate_account / private.reactivate_account. Returns the ban and how many sessions it ended.';

create or replace function private.profiles_apply_activity()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.apply_account_activity(new.id, new.is_active);
  return null;
end;
$$;
comment on function private.profiles_apply_activity() is
  'Trigger after profiles.is_active changes: applies private.apply_account_activity, so a direct write (the dashboard''s Table Editor, a superuser) bans or unbans the account and ends its sessions as the admin functions do.';

create trigger profiles_apply_activity
  after update of is_active on public.profiles
  for each row
  when (old.is_active is distinct from new.is_active)
  execute function private.profiles_apply_activity();

-- The admin functions, as in 20261201000400_account_admin.sql, with the rule instead of
-- their own copy of it. Each calls the rule itself, so that deactivating an account that
-- is already off still bans it and ends any session it has (the trigger fires only on a
-- change), and so that it can report what the rule did; the trigger then applies the
-- same rule again and finds nothing left to do.
create or replace function private.deactivate_account(target_user_id uuid, reason text, actor text default null)
returns table (user_id uuid, was_active boolean, sessions_ended integer, banned_until timestamptz)
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  why text := private.audit_text(reason, 'reason', 1000);
  who text := private.audit_text(actor, 'actor', 255);
  previously boolean;
  applied record;
begin
  if why is null then
    raise exception 'a deactivation needs a reason' using errcode = '22023';
  end if;
  select p.is_active into previously from public.profiles p where p.id = target_user_id for update;
  if not found then
    raise exception 'no account has id %', target_user_id using errcode = 'P0002';
  end if;

  select a.banned_until, a.sessions_ended into applied from private.apply_account_activity(target_user_id, false) a;
  -- Cascades to the recruiter's postings and profile (recruiter_is_active).
  update public.profiles p set is_active = false where p.id = target_user_id;

  insert into private.account_audit_log (user_id, action, reason, actor)
  values (target_user_id, 'deactivate', why, who);

  deactivate_account.user_id := target_user_id;
  deactivate_account.was_active := previously;
  deactivate_account.sessions_ended := applied.sessions_ended;
  deactivate_account.banned_until := applied.banned_until;
  return next;
end;
$$;

create or replace function private.reactivate_account(target_user_id uuid, reason text default null, actor text default null)
returns table (user_id uuid, was_active boolean)
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  why text := private.audit_text(reason, 'reason', 1000);
  who text := private.audit_text(actor, 'actor', 255);
  previously boolean;
begin
  select p.is_active into previously from public.profiles p where p.id = target_user_id for update;
  if not found then
    raise exception 'no account has id %', target_user_id using errcode = 'P0002';
  end if;

  perform private.apply_account_activity(target_user_id, true);
  update public.profiles p set is_active = true where p.id = target_user_id;

  insert into private.account_audit_log (user_id, action, reason, actor)
  values (target_user_id, 'reactivate', why, who);

  reactivate_account.user_id := target_user_id;
  reactivate_account.was_active := previously;
  return next;
end;
$$;
