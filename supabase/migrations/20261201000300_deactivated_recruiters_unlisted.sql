-- A deactivated recruiter leaves every public listing: their postings are no longer
-- open (the listing, the detail read, the public profile's postings, applying) and
-- their public profile is no longer readable, by anon and signed-in users alike. Their
-- rows stay: reactivation brings them back as they were. (The recruiter themself can
-- read nothing while deactivated: a deactivated account may not act at all, see
-- 20261201000200_account_state.sql; admins read everything as postgres.)
--
-- The listing must keep its indexes. A per-row lookup of the recruiter's profile in the
-- open rule would cost it every partial index, so each posting and each recruiter
-- profile carries its owner's state, recruiter_is_active, and the open rule and the
-- partial listing indexes include it. Postgres keeps the copy true itself: a composite
-- foreign key (recruiter_id, recruiter_is_active) references profiles (id, is_active)
-- ON UPDATE CASCADE, so deactivating a profile updates its postings and recruiter
-- profile in the same statement, and no write (a superuser's included) can store a
-- copy that disagrees with the profile.

-- profiles (id, is_active) must be unique to be referenced; id alone already is.
alter table public.profiles add constraint profiles_id_is_active_key unique (id, is_active);

-- Job postings ---------------------------------------------------------------------
-- private.job_posting_is_open has an SQL-standard body over the posting's row type, and
-- PostgreSQL 15 (hosted Supabase) refuses to add a column to a table whose row type such
-- a function uses. So the rule and the two policies that call it are dropped and made
-- again, with the new column, in this same transaction.
drop policy "visitors read open postings" on public.job_postings;
drop policy "users read open, own and applied-to postings" on public.job_postings;
drop function private.job_posting_is_open(public.job_postings);

alter table public.job_postings add column recruiter_is_active boolean not null default true;
comment on column public.job_postings.recruiter_is_active is
  'Copy of the recruiter''s profiles.is_active, kept by the foreign key job_postings_recruiter_fkey (ON UPDATE CASCADE). False takes the posting out of every public read. Not writable through the API.';

update public.job_postings j
   set recruiter_is_active = false
  from public.profiles p
 where p.id = j.recruiter_id and not p.is_active;

alter table public.job_postings
  add constraint job_postings_recruiter_fkey foreign key (recruiter_id, recruiter_is_active)
  references public.profiles (id, is_active) on update cascade on delete cascade;
alter table public.job_postings drop constraint job_postings_recruiter_id_fkey;

-- The recruiter's postings, newest first: the foreign key's lookups (its cascades), the
-- public profile's open postings (recruiter_is_active is then known: true) and the
-- policies that match recruiter_id. Replaces the index on (recruiter_id, created_at).
drop index public.job_postings_recruiter_id_idx;
create index job_postings_recruiter_id_idx
  on public.job_postings (recruiter_id, recruiter_is_active, created_at desc);

-- "A job is open" (the one definition, see 20261125000600_job_postings.sql for why it
-- is written this way): active, its recruiter active, and not past expires_at. Still
-- inlined wherever it is called: language sql, stable, no SET, an SQL-standard body.
create function private.job_posting_is_open(job public.job_postings)
returns boolean
language sql
stable
parallel safe
return job.is_active and job.recruiter_is_active and coalesce(job.expires_at, 'infinity') > now();
comment on function private.job_posting_is_open(public.job_postings) is
  'True when the posting is open: active, its recruiter active (recruiter_is_active), and not past expires_at. The one definition of the rule: the policies, the listing and detail functions, the apply check and the facade''s queries call it.';
grant execute on function private.job_posting_is_open(public.job_postings) to anon, authenticated;

-- The two policies again, as they were (20261125000600, 20261201000200).
create policy "visitors read open postings"
  on public.job_postings for select
  to anon
  using (private.job_posting_is_open(job_postings));

create policy "users read open, own and applied-to postings"
  on public.job_postings for select
  to authenticated
  using (
    (select private.caller_may_act())
    and (
      private.job_posting_is_open(job_postings)
      or recruiter_id = (select auth.uid())
      or id in (select private.applied_job_ids())
    )
  );

-- The listing's partial indexes, with the rule's new condition in their predicate, so
-- they hold open postings only and still answer a count without visiting the table.
drop index public.job_postings_open_listing_idx;
create index job_postings_open_listing_idx
  on public.job_postings (created_at desc, id desc) include (expires_at) where is_active and recruiter_is_active;
drop index public.job_postings_open_job_type_idx;
create index job_postings_open_job_type_idx
  on public.job_postings (job_type, created_at desc, id desc) include (expires_at) where is_active and recruiter_is_active;
drop index public.job_postings_open_experience_idx;
create index job_postings_open_experience_idx
  on public.job_postings (experience_level, created_at desc, id desc) include (expires_at) where is_active and recruiter_is_active;
drop index public.job_postings_open_job_type_experience_idx;
create index job_postings_open_job_type_experience_idx
  on public.job_postings (job_type, experience_level, created_at desc, id desc) include (expires_at) where is_active and recruiter_is_active;

-- Recruiter profiles ---------------------------------------------------------------
alter table public.recruiter_profiles add column recruiter_is_active boolean not null default true;
comment on column public.recruiter_profiles.recruiter_is_active is
  'Copy of the recruiter''s profiles.is_active, kept by the foreign key recruiter_profiles_recruiter_fkey (ON UPDATE CASCADE). False hides the public profile. Not writable through the API.';

update public.recruiter_profiles r
   set recruiter_is_active = false
  from public.profiles p
 where p.id = r.user_id and not p.is_active;

alter table public.recruiter_profiles
  add constraint recruiter_profiles_recruiter_fkey foreign key (user_id, recruiter_is_active)
  references public.profiles (id, is_active) on update cascade on delete cascade;
alter table public.recruiter_profiles drop constraint recruiter_profiles_user_id_fkey;
-- The foreign key's lookups, and the policies' recruiter_is_active.
create index recruiter_profiles_user_id_is_active_idx on public.recruiter_profiles (user_id, recruiter_is_active);

-- Not granted to the API roles (neither to read, pointless as it is always true in what
-- the policies show, nor to write).

alter policy "visitors read recruiter profiles" on public.recruiter_profiles
  using (recruiter_is_active);
alter policy "users read recruiter profiles" on public.recruiter_profiles
  using ((select private.caller_may_act()) and recruiter_is_active);

-- Is a username free? It must see every profile, a deactivated recruiter's too (the
-- name stays theirs: reactivation brings the profile back), which the policies above
-- now hide. So it reads with its owner's rights, and answers one boolean about the
-- name asked, nothing else.
create or replace function public.recruiter_username_available(candidate_username text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select case
           when (select auth.uid()) is not null and not (select private.caller_may_act()) then null
           else not exists (
             select 1 from public.recruiter_profiles where lower(username) = lower(candidate_username)
           )
         end;
$$;
comment on function public.recruiter_username_available(text) is
  'True when no recruiter profile uses this username (case-insensitively), a deactivated recruiter''s hidden profile included; null to a signed-in caller who may not act. Security definer because the policies hide deactivated recruiters'' profiles, whose usernames stay taken: it reads every username and answers only whether this one is free.';
