-- Profiles: the seed's `users` columns for every Supabase Auth user.
-- Credentials stay in auth.users (Supabase Auth owns them); this row is created by a
-- trigger when the auth user is, and kept in step with its email and last sign-in.

create type public.user_type as enum ('candidate', 'recruiter');
comment on type public.user_type is 'What an account is for: applying to jobs, or posting them.';

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email varchar(255),
  full_name varchar(255),
  user_type public.user_type not null default 'candidate',
  is_active boolean not null default true,
  is_verified boolean not null default false,
  last_login timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index profiles_email_idx on public.profiles (email);
create index profiles_user_type_idx on public.profiles (user_type);
create index profiles_created_at_idx on public.profiles (created_at);

comment on table public.profiles is
  'One row per Supabase Auth user (id = auth.users.id), created by trigger on sign-up. Users read and rename themselves; role, verification and activity are set by admins only.';
comment on column public.profiles.email is 'Copied from auth.users.email (kept in step by trigger); change it through Supabase Auth.';
comment on column public.profiles.user_type is 'candidate or recruiter, chosen at sign-up (user_metadata.user_type). Users cannot change it; admins can.';
comment on column public.profiles.is_active is 'False blocks sign-in through the /api/v1 facade (403). Admin-only.';
comment on column public.profiles.is_verified is 'Set by admins after checking the account. Admin-only.';
comment on column public.profiles.last_login is 'Copied from auth.users.last_sign_in_at on every sign-in, whichever client signed in.';

-- Users read their own row and may change only their display name.
grant select on public.profiles to authenticated;
grant update (full_name) on public.profiles to authenticated;

alter table public.profiles enable row level security;

create trigger profiles_set_updated_at
  before update of email, full_name, user_type, is_active, is_verified on public.profiles
  for each row execute function private.set_updated_at();

-- On sign-up: the profile, from the metadata the client sent (never from app_metadata,
-- which only admins write, and never trusted again after this insert: policies read
-- profiles.user_type, not the JWT's user_metadata, which users can edit).
create or replace function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  metadata jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  requested_type text := coalesce(nullif(metadata ->> 'user_type', ''), 'candidate');
begin
  if requested_type not in ('candidate', 'recruiter') then
    raise exception 'unknown user_type "%"', requested_type
      using errcode = '22023', hint = 'user_type is candidate or recruiter';
  end if;

  insert into public.profiles (id, email, full_name, user_type, last_login)
  values (
    new.id,
    new.email,
    nullif(btrim(metadata ->> 'full_name'), ''),
    requested_type::public.user_type,
    new.last_sign_in_at
  );
  return new;
end;
$$;
comment on function private.handle_new_user() is 'Trigger on auth.users insert: creates the public.profiles row from the sign-up metadata.';

-- Triggers on auth.users fire in name order; the _1_ keeps the profile first, before
-- any later trigger that needs it (the recruiter profile one).
create trigger on_auth_user_created_1_profile
  after insert on auth.users
  for each row execute function private.handle_new_user();

create or replace function private.sync_profile_from_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Separate statements, so a sign-in does not bump updated_at (its trigger watches email).
  if old.email is distinct from new.email then
    update public.profiles set email = new.email where id = new.id;
  end if;
  if old.last_sign_in_at is distinct from new.last_sign_in_at then
    update public.profiles set last_login = new.last_sign_in_at where id = new.id;
  end if;
  return new;
end;
$$;
comment on function private.sync_profile_from_auth_user() is 'Trigger on auth.users update: copies email and last sign-in to public.profiles.';

create trigger on_auth_user_updated_sync_profile
  after update of email, last_sign_in_at on auth.users
  for each row
  when (old.email is distinct from new.email or old.last_sign_in_at is distinct from new.last_sign_in_at)
  execute function private.sync_profile_from_auth_user();

-- Policy helper: is the caller an active recruiter? security definer so policies on
-- other tables can ask without the caller needing to read profiles themselves.
create or replace function private.is_active_recruiter()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
      from public.profiles p
     where p.id = (select auth.uid())
       and p.user_type = 'recruiter'
       and p.is_active
  );
$$;
comment on function private.is_active_recruiter() is
  'Policy helper: true when the caller is an active recruiter. Security definer so policies on other tables can ask it whatever the caller may read of profiles.';
grant execute on function private.is_active_recruiter() to authenticated;

create policy "users read own profile"
  on public.profiles for select
  to authenticated
  using (id = (select auth.uid()));

create policy "users update own profile"
  on public.profiles for update
  to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
