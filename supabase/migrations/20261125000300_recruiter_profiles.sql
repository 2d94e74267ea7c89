-- Recruiter profiles: the public face of a recruiter, a company or an individual,
-- at https://previewcv.com/recruiter/profile/{username}.

create type public.recruiter_type as enum ('company', 'individual');
comment on type public.recruiter_type is 'A recruiter profile speaks for a company or for one person.';

create table public.recruiter_profiles (
  id bigint generated always as identity primary key,
  user_id uuid not null unique references public.profiles (id) on delete cascade,
  username varchar(100) not null
    constraint recruiter_profiles_username_format check (username ~ '^[A-Za-z0-9][A-Za-z0-9_-]{2,99}$'),
  recruiter_type public.recruiter_type not null,
  -- Company fields
  company_name varchar(255),
  company_website varchar(500) constraint recruiter_profiles_company_website_http check (company_website ~* '^https?://'),
  company_size varchar(50),
  industry varchar(100),
  -- Individual fields
  full_name varchar(255),
  specialization varchar(255),
  years_experience integer constraint recruiter_profiles_years_experience_range check (years_experience between 0 and 80),
  -- Common fields
  bio text constraint recruiter_profiles_bio_length check (char_length(bio) <= 5000),
  logo_url varchar(1000) constraint recruiter_profiles_logo_url_http check (logo_url ~* '^https?://'),
  phone varchar(50),
  linkedin_url varchar(500) constraint recruiter_profiles_linkedin_url_http check (linkedin_url ~* '^https?://'),
  location varchar(255),
  is_verified boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint recruiter_profiles_names_the_recruiter check (
    (recruiter_type = 'company' and nullif(btrim(company_name), '') is not null)
    or (recruiter_type = 'individual' and nullif(btrim(full_name), '') is not null)
  )
);

-- Usernames are unique whatever their case: "TechCorp" and "techcorp" are one name.
create unique index recruiter_profiles_username_lower_key on public.recruiter_profiles (lower(username));
create index recruiter_profiles_recruiter_type_idx on public.recruiter_profiles (recruiter_type);

comment on table public.recruiter_profiles is
  'Public profile of a recruiter account (at most one per user). Everyone may read every column except phone; the owner edits it; only admins set is_verified.';
comment on column public.recruiter_profiles.username is 'Public handle in the profile URL; unique case-insensitively (see recruiter_profiles_username_lower_key).';
comment on column public.recruiter_profiles.phone is 'Private: not granted to anon/authenticated. The owner reads it through public.my_recruiter_profile().';
comment on column public.recruiter_profiles.is_verified is 'Set by admins after checking the recruiter. Not writable through the API.';

-- Column grants are the column-level security: phone is not readable through the
-- API, and is_verified is not writable. (A client must name its columns; select=*
-- is refused for anon/authenticated.)
grant select (
  id, user_id, username, recruiter_type, company_name, company_website, company_size,
  industry, full_name, specialization, years_experience, bio, logo_url, linkedin_url,
  location, is_verified, created_at, updated_at
) on public.recruiter_profiles to anon, authenticated;
grant insert (
  user_id, username, recruiter_type, company_name, company_website, company_size, industry,
  full_name, specialization, years_experience, bio, logo_url, phone, linkedin_url, location
) on public.recruiter_profiles to authenticated;
grant update (
  username, recruiter_type, company_name, company_website, company_size, industry,
  full_name, specialization, years_experience, bio, logo_url, phone, linkedin_url, location
) on public.recruiter_profiles to authenticated;

alter table public.recruiter_profiles enable row level security;

create trigger recruiter_profiles_set_updated_at
  before update on public.recruiter_profiles
  for each row execute function private.set_updated_at();

-- A recruiter who signs up with user_metadata.recruiter_profile gets the profile in the
-- same transaction as the auth user: a taken username fails the whole sign-up, so no
-- account is left half-made. The block is then removed from the metadata, so it does
-- not ride along in every access token.
create or replace function private.handle_new_recruiter_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  requested jsonb := new.raw_user_meta_data -> 'recruiter_profile';
begin
  if requested is null or jsonb_typeof(requested) <> 'object' then
    return new;
  end if;
  if coalesce(new.raw_user_meta_data ->> 'user_type', 'candidate') <> 'recruiter' then
    raise exception 'a recruiter_profile needs user_type "recruiter"' using errcode = '22023';
  end if;

  insert into public.recruiter_profiles (
    user_id, username, recruiter_type, company_name, company_website, company_size, industry,
    full_name, specialization, years_experience, bio, logo_url, phone, linkedin_url, location
  ) values (
    new.id,
    requested ->> 'username',
    (requested ->> 'recruiter_type')::public.recruiter_type,
    requested ->> 'company_name',
    requested ->> 'company_website',
    requested ->> 'company_size',
    requested ->> 'industry',
    -- An individual's profile defaults to the account's own name.
    coalesce(requested ->> 'full_name',
             case when requested ->> 'recruiter_type' = 'individual' then new.raw_user_meta_data ->> 'full_name' end),
    requested ->> 'specialization',
    (requested ->> 'years_experience')::integer,
    requested ->> 'bio',
    requested ->> 'logo_url',
    requested ->> 'phone',
    requested ->> 'linkedin_url',
    requested ->> 'location'
  );

  update auth.users
     set raw_user_meta_data = raw_user_meta_data - 'recruiter_profile'
   where id = new.id;
  return new;
end;
$$;
comment on function private.handle_new_recruiter_profile() is
  'Trigger on auth.users insert: creates the recruiter profile sent as user_metadata.recruiter_profile, atomically with the user.';

create trigger on_auth_user_created_2_recruiter_profile
  after insert on auth.users
  for each row execute function private.handle_new_recruiter_profile();

-- The insert trigger strips the block once, but Supabase Auth's admin API writes the
-- whole user_metadata it holds in memory back after the insert (when it confirms the
-- email), which brings the block back, and with it the recruiter's phone into every
-- access token. The block only means something at sign-up, so any later write drops it.
create or replace function private.drop_recruiter_profile_metadata()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.raw_user_meta_data ? 'recruiter_profile' then
    new.raw_user_meta_data := new.raw_user_meta_data - 'recruiter_profile';
  end if;
  return new;
end;
$$;
comment on function private.drop_recruiter_profile_metadata() is
  'Trigger on auth.users update: removes user_metadata.recruiter_profile, which is read only when the user is created.';

create trigger on_auth_user_updated_drop_recruiter_profile
  before update of raw_user_meta_data on auth.users
  for each row execute function private.drop_recruiter_profile_metadata();

-- Supabase Auth also copies a sign-up's `data` into the email identity's
-- identity_data (returned in user.identities): drop the block there too.
create or replace function private.drop_recruiter_profile_identity_data()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.identity_data := new.identity_data - 'recruiter_profile';
  return new;
end;
$$;
comment on function private.drop_recruiter_profile_identity_data() is
  'Trigger on auth.identities: removes identity_data.recruiter_profile, a copy of the sign-up block.';

create trigger on_auth_identity_drop_recruiter_profile
  before insert or update of identity_data on auth.identities
  for each row
  when (new.identity_data ? 'recruiter_profile')
  execute function private.drop_recruiter_profile_identity_data();

-- The owner's whole profile, phone included (phone is not granted column-wise).
create or replace function public.my_recruiter_profile()
returns setof public.recruiter_profiles
language sql
stable
security definer
set search_path = ''
as $$
  select * from public.recruiter_profiles where user_id = (select auth.uid());
$$;
comment on function public.my_recruiter_profile() is
  'The caller''s own recruiter profile with every column, phone included. Security definer because phone is not granted to the API roles: the function reads it with its owner''s rights, for the caller''s own row only.';
grant execute on function public.my_recruiter_profile() to authenticated;

-- Is a username free? For sign-up forms, before any account exists. It runs with the
-- caller's rights: anyone, anon included, may read every username (see the grants and
-- the policy "anyone reads recruiter profiles"), so it needs no more than they have.
create or replace function public.recruiter_username_available(candidate_username text)
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
  select not exists (
    select 1 from public.recruiter_profiles where lower(username) = lower(candidate_username)
  );
$$;
comment on function public.recruiter_username_available(text) is 'True when no recruiter profile uses this username (case-insensitively).';
grant execute on function public.recruiter_username_available(text) to anon, authenticated;

create policy "anyone reads recruiter profiles"
  on public.recruiter_profiles for select
  to anon, authenticated
  using (true);

create policy "recruiters create own profile"
  on public.recruiter_profiles for insert
  to authenticated
  with check (user_id = (select auth.uid()) and (select private.is_active_recruiter()));

create policy "recruiters update own profile"
  on public.recruiter_profiles for update
  to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
