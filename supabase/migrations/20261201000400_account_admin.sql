-- What admins do to accounts, from the dashboard's SQL editor or `npm run admin`:
-- deactivate and reactivate an account, verify and un-verify a recruiter. Each change is
-- recorded in private.account_audit_log: who (the database role that ran it, and the
-- name an admin tool passes), when, what, why.
--
-- Deactivating takes effect at once everywhere:
--   * profiles.is_active = false: every policy and API function refuses the account
--     (private.caller_may_act, 20261201000200), and its postings and public profile
--     leave the listings (20261201000300);
--   * auth.users.banned_until: Supabase Auth's own ban, so signing in and refreshing
--     fail (GoTrue refuses a banned user's password grant and refresh token);
--   * its sessions are deleted (with their refresh tokens, by cascade), so every token
--     it holds is a signed-out one too.
--
-- The functions run with the caller's rights (security invoker): they are granted to
-- nobody, so only the roles admins use run them (postgres, the owner, in the SQL
-- editor and for `npm run admin`), never anon, authenticated, service_role or the
-- servers' previewcv_api.

create table private.account_audit_log (
  id bigint generated always as identity primary key,
  -- No foreign key: the record outlives the account it is about.
  user_id uuid not null,
  action text not null
    constraint account_audit_log_action check (action in ('deactivate', 'reactivate', 'verify_recruiter', 'unverify_recruiter')),
  reason text constraint account_audit_log_reason_length check (char_length(reason) <= 1000),
  -- Who: the role whose rights ran the change, the login it came from, and the admin's
  -- own name when a tool passes one (npm run admin -- ... --by NAME).
  db_role text not null default current_user,
  db_login text not null default session_user,
  actor text constraint account_audit_log_actor_length check (char_length(actor) <= 255),
  created_at timestamptz not null default now()
);

create index account_audit_log_user_id_created_at_idx on private.account_audit_log (user_id, created_at desc);
create index account_audit_log_created_at_idx on private.account_audit_log (created_at);

comment on table private.account_audit_log is
  'Every admin change to an account: deactivate, reactivate, verify_recruiter, unverify_recruiter; who (db_role, db_login, actor), when, why. Append-only, written by the private.*_account and private.*verify_recruiter functions. Keep personal data out of reasons.';

alter table private.account_audit_log enable row level security;
-- No grants and no policies: only its owner (postgres) reads it.

-- A reason or an actor name as the audit log keeps it: trimmed, empty as null, no
-- control characters, at most `max_length` characters.
create or replace function private.audit_text(value text, what text, max_length integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  cleaned text := nullif(btrim(value), '');
begin
  if cleaned is null then
    return null;
  end if;
  if char_length(cleaned) > max_length then
    raise exception '% is longer than % characters', what, max_length using errcode = '22023';
  end if;
  if cleaned ~ '[\u0001-\u001f\u007f-\u009f]' then
    raise exception '% must not contain control characters', what using errcode = '22023';
  end if;
  return cleaned;
end;
$$;
comment on function private.audit_text(text, text, integer) is 'Helper of the account admin functions: a reason or actor name, trimmed and checked.';

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
begin
  if why is null then
    raise exception 'a deactivation needs a reason' using errcode = '22023';
  end if;
  select p.is_active into previously from public.profiles p where p.id = target_user_id for update;
  if not found then
    raise exception 'no account has id %', target_user_id using errcode = 'P0002';
  end if;

  -- Cascades to the recruiter's postings and profile (recruiter_is_active).
  update public.profiles p set is_active = false where p.id = target_user_id;
  -- 100 years, as the dashboard's "ban forever" (ban_duration 876000h) writes it.
  update auth.users u set banned_until = now() + interval '100 years' where u.id = target_user_id
  returning u.banned_until into deactivate_account.banned_until;
  with ended as (delete from auth.sessions s where s.user_id = target_user_id returning 1)
  select count(*)::integer into deactivate_account.sessions_ended from ended;

  insert into private.account_audit_log (user_id, action, reason, actor)
  values (target_user_id, 'deactivate', why, who);

  deactivate_account.user_id := target_user_id;
  deactivate_account.was_active := previously;
  return next;
end;
$$;
comment on function private.deactivate_account(uuid, text, text) is
  'Admin: deactivates an account at once (profiles.is_active = false, banned in Supabase Auth, every session ended) and records who and why. Example: select * from private.deactivate_account(''<user id>'', ''spam'', ''jane@ops'');';

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

  update public.profiles p set is_active = true where p.id = target_user_id;
  update auth.users u set banned_until = null where u.id = target_user_id;

  insert into private.account_audit_log (user_id, action, reason, actor)
  values (target_user_id, 'reactivate', why, who);

  reactivate_account.user_id := target_user_id;
  reactivate_account.was_active := previously;
  return next;
end;
$$;
comment on function private.reactivate_account(uuid, text, text) is
  'Admin: reactivates an account (profiles.is_active = true, the Supabase Auth ban lifted) and records who. The user signs in again; ended sessions stay ended.';

-- Verifying is setting recruiter_profiles.is_verified, which the API roles cannot write.
create or replace function private.set_recruiter_verified(target_user_id uuid, verified boolean, reason text, actor text)
returns table (user_id uuid, username text, is_verified boolean, was_verified boolean)
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  why text := private.audit_text(reason, 'reason', 1000);
  who text := private.audit_text(actor, 'actor', 255);
  profile record;
begin
  select r.username, r.is_verified into profile from public.recruiter_profiles r where r.user_id = target_user_id for update;
  if not found then
    raise exception 'no recruiter profile belongs to account %', target_user_id using errcode = 'P0002';
  end if;

  update public.recruiter_profiles r set is_verified = verified where r.user_id = target_user_id;

  insert into private.account_audit_log (user_id, action, reason, actor)
  values (target_user_id, case when verified then 'verify_recruiter' else 'unverify_recruiter' end, why, who);

  set_recruiter_verified.user_id := target_user_id;
  set_recruiter_verified.username := profile.username;
  set_recruiter_verified.is_verified := verified;
  set_recruiter_verified.was_verified := profile.is_verified;
  return next;
end;
$$;
comment on function private.set_recruiter_verified(uuid, boolean, text, text) is
  'Helper of private.verify_recruiter / private.unverify_recruiter: sets recruiter_profiles.is_verified and records the change.';

create or replace function private.verify_recruiter(target_user_id uuid, reason text default null, actor text default null)
returns table (user_id uuid, username text, is_verified boolean, was_verified boolean)
language sql
security invoker
set search_path = ''
as $$
  select * from private.set_recruiter_verified(target_user_id, true, reason, actor);
$$;
comment on function private.verify_recruiter(uuid, text, text) is
  'Admin: marks the account''s recruiter profile verified (shown on its public profile and its postings) and records who. Example: select * from private.verify_recruiter(''<user id>'', actor => ''jane@ops'');';

create or replace function private.unverify_recruiter(target_user_id uuid, reason text default null, actor text default null)
returns table (user_id uuid, username text, is_verified boolean, was_verified boolean)
language sql
security invoker
set search_path = ''
as $$
  select * from private.set_recruiter_verified(target_user_id, false, reason, actor);
$$;
comment on function private.unverify_recruiter(uuid, text, text) is
  'Admin: withdraws the verification of the account''s recruiter profile and records who and why.';
