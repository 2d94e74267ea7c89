-- Account state, enforced by the database: a caller may act only while their session
-- lives and their account is active. Until now a deactivated account
-- (profiles.is_active = false) and a signed-out token (its session deleted by
-- /auth/v1/logout) kept every right through the tables, for as long as the access token
-- had left to live (30 minutes). Now every policy for signed-in users and every function
-- they can run asks private.caller_may_act(), once per statement.
--
-- "May act" means all of these, read in one statement of primary-key lookups:
--   * the JWT's sub has a profile and an auth user that is not deleted;
--   * profiles.is_active (deactivation, by an admin: migration 20261201000400);
--   * auth.users.banned_until is not in the future (Supabase Auth's ban, from the
--     dashboard or the admin API, which ends no session by itself);
--   * the JWT's session_id names a row of auth.sessions of that user (sign-out deletes
--     it) whose not_after, if any, has not passed.
-- A token without session_id is refused: every access token Supabase Auth issues
-- carries one, and a token without a session could never be signed out.

-- The rule, for any user and session. Not granted to the API roles: it would tell
-- anyone about another user's account. Security definer: it reads auth.users and
-- auth.sessions, which no API role may read.
create or replace function private.account_state(target_user_id uuid, target_session_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
           when target_user_id is null then 'anonymous'
           when p.id is null or u.id is null or u.deleted_at is not null then 'no_account'
           when not p.is_active then 'deactivated'
           when u.banned_until > now() then 'banned'
           when s.id is null then 'signed_out'
           when s.not_after < now() then 'session_expired'
           else 'active'
         end
    from (values (1)) as one (x)
    left join public.profiles p on p.id = target_user_id
    left join auth.users u on u.id = target_user_id
    left join auth.sessions s on s.id = target_session_id and s.user_id = target_user_id;
$$;
comment on function private.account_state(uuid, uuid) is
  'What a user''s token may do: active, or why not (anonymous, no_account, deactivated, banned, signed_out, session_expired). Primary-key lookups of profiles, auth.users and auth.sessions. For the servers'' own functions; not granted to the API roles.';

-- The caller's state, from the JWT claims PostgREST (or asCaller) set.
create or replace function private.caller_state()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select private.account_state(
    (select auth.uid()),
    case when (select auth.jwt()) ->> 'session_id' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
         then ((select auth.jwt()) ->> 'session_id')::uuid end
  );
$$;
comment on function private.caller_state() is
  'The caller''s account state (private.account_state of the JWT''s sub and session_id): active, anonymous, no_account, deactivated, banned, signed_out or session_expired. Security definer because it reads auth.sessions and auth.users, which the API roles cannot; it answers about the caller only. The servers may ask it in the statement that sets the claims to answer 401/403 before anything else.';
grant execute on function private.caller_state() to authenticated;

-- The policy helper. Wrapped as (select private.caller_may_act()) in every policy, so
-- Postgres evaluates it once per statement (an InitPlan), not once per row.
create or replace function private.caller_may_act()
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.caller_state() = 'active';
$$;
comment on function private.caller_may_act() is
  'Policy helper: true while the caller''s session lives and their account is active (private.caller_state() = ''active''). Call it as (select private.caller_may_act()) so it runs once per statement.';
grant execute on function private.caller_may_act() to authenticated;

-- Policies ------------------------------------------------------------------------
-- Each policy for signed-in users keeps its rule and gains the helper. anon's policies
-- are unchanged: anonymous visitors have no account to deactivate or session to end.

alter policy "users read own profile" on public.profiles
  using ((select private.caller_may_act()) and id = (select auth.uid()));
alter policy "users update own profile" on public.profiles
  using ((select private.caller_may_act()) and id = (select auth.uid()))
  with check ((select private.caller_may_act()) and id = (select auth.uid()));

-- One select policy per role now: anon's stays open to every row, the signed-in one
-- needs a caller who may act.
drop policy "anyone reads recruiter profiles" on public.recruiter_profiles;
create policy "visitors read recruiter profiles"
  on public.recruiter_profiles for select
  to anon
  using (true);
create policy "users read recruiter profiles"
  on public.recruiter_profiles for select
  to authenticated
  using ((select private.caller_may_act()));
alter policy "recruiters create own profile" on public.recruiter_profiles
  with check ((select private.caller_may_act()) and user_id = (select auth.uid()) and (select private.is_active_recruiter()));
alter policy "recruiters update own profile" on public.recruiter_profiles
  using ((select private.caller_may_act()) and user_id = (select auth.uid()))
  with check ((select private.caller_may_act()) and user_id = (select auth.uid()));

alter policy "owners read own resumes" on public.resumes
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));
alter policy "owners create own resumes" on public.resumes
  with check ((select private.caller_may_act()) and user_id = (select auth.uid()));
alter policy "owners update own resumes" on public.resumes
  using ((select private.caller_may_act()) and user_id = (select auth.uid()))
  with check ((select private.caller_may_act()) and user_id = (select auth.uid()));
alter policy "owners delete own resumes" on public.resumes
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));

alter policy "owners read own resume counters" on public.resume_view_counters
  using ((select private.caller_may_act()) and resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));
alter policy "owners read own resume access logs" on public.resume_access_logs
  using ((select private.caller_may_act()) and resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));

alter policy "recruiters create own postings" on public.job_postings
  with check ((select private.caller_may_act()) and recruiter_id = (select auth.uid()) and (select private.is_active_recruiter()));
alter policy "recruiters update own postings" on public.job_postings
  using ((select private.caller_may_act()) and recruiter_id = (select auth.uid()))
  with check ((select private.caller_may_act()) and recruiter_id = (select auth.uid()));
alter policy "recruiters delete own postings" on public.job_postings
  using ((select private.caller_may_act()) and recruiter_id = (select auth.uid()));
alter policy "users read open, own and applied-to postings" on public.job_postings
  using (
    (select private.caller_may_act())
    and (
      private.job_posting_is_open(job_postings)
      or recruiter_id = (select auth.uid())
      or id in (select private.applied_job_ids())
    )
  );

alter policy "candidates read own applications, recruiters those to own jobs" on public.job_applications
  using (
    (select private.caller_may_act())
    and (
      candidate_id = (select auth.uid())
      or job_id in (select j.id from public.job_postings j where j.recruiter_id = (select auth.uid()))
    )
  );
alter policy "candidates apply with own resume to open jobs" on public.job_applications
  with check (
    (select private.caller_may_act())
    and candidate_id = (select auth.uid())
    and status = 'pending'
    and resume_id in (
      select r.id from public.resumes r where r.user_id = (select auth.uid()) and r.is_active
    )
    and private.is_open_job(job_id)
    and not private.is_job_owner(job_id)
  );
alter policy "candidates withdraw own, recruiters move those to own jobs" on public.job_applications
  using (
    (select private.caller_may_act())
    and (
      job_id in (select j.id from public.job_postings j where j.recruiter_id = (select auth.uid()))
      or candidate_id = (select auth.uid())
    )
  )
  with check (
    (select private.caller_may_act())
    and (
      job_id in (select j.id from public.job_postings j where j.recruiter_id = (select auth.uid()))
      or (candidate_id = (select auth.uid()) and status = 'withdrawn')
    )
  );

alter policy "parties read history of visible applications" on public.job_application_status_history
  using ((select private.caller_may_act()) and application_id in (select a.id from public.job_applications a));

-- Functions the API roles run --------------------------------------------------------
-- Each answers nothing to a signed-in caller who may not act: no rows, false or null.
-- The listing functions run for anon too, who have no account: they refuse only a
-- caller whose JWT names a user (auth.uid() is not null) that may not act.
-- (public.recruiter_username_available changes with the recruiter profiles' visibility,
-- in the next migration; public.resume_analytics runs with the caller's rights, so the
-- policies above already leave it nothing; private.job_posting_is_open reads nothing
-- but the row it is given.)

create or replace function private.is_active_recruiter()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (select private.caller_may_act())
     and exists (
       select 1
         from public.profiles p
        where p.id = (select auth.uid())
          and p.user_type = 'recruiter'
          and p.is_active
     );
$$;

create or replace function private.is_job_owner(target_job_id bigint)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (select private.caller_may_act())
     and exists (
       select 1 from public.job_postings j
        where j.id = target_job_id and j.recruiter_id = (select auth.uid())
     );
$$;

create or replace function private.is_open_job(target_job_id bigint)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (select private.caller_may_act())
     and exists (
       select 1 from public.job_postings j
        where j.id = target_job_id and private.job_posting_is_open(j)
     );
$$;

create or replace function private.applied_job_ids()
returns setof bigint
language sql
stable
security definer
set search_path = ''
as $$
  select a.job_id from public.job_applications a
   where a.candidate_id = (select auth.uid()) and (select private.caller_may_act());
$$;

create or replace function public.my_recruiter_profile()
returns setof public.recruiter_profiles
language sql
stable
security definer
set search_path = ''
as $$
  select * from public.recruiter_profiles
   where user_id = (select auth.uid()) and (select private.caller_may_act());
$$;

create or replace function public.job_applicants(target_job_id bigint)
returns table (
  application_id bigint,
  status public.application_status,
  cover_letter text,
  applied_at timestamptz,
  reviewed_at timestamptz,
  candidate_id uuid,
  candidate_name text,
  candidate_email text,
  resume_id bigint,
  resume_name text,
  resume_pdf_filename text,
  resume_is_active boolean
)
language sql
stable
security definer
set search_path = ''
as $$
  select a.id, a.status, a.cover_letter, a.applied_at, a.reviewed_at,
         p.id, p.full_name, p.email,
         r.id, r.resume_name, r.pdf_filename, r.is_active
    from public.job_applications a
    join public.job_postings j on j.id = a.job_id
    join public.profiles p on p.id = a.candidate_id
    join public.resumes r on r.id = a.resume_id
   where a.job_id = target_job_id
     and j.recruiter_id = (select auth.uid())
     and (select private.caller_may_act())
   order by a.applied_at desc, a.id desc;
$$;

create or replace function public.view_job_posting(target_job_id bigint)
returns setof public.job_postings
language sql
security definer
set search_path = ''
as $$
  update public.job_postings j
     set views_count = j.views_count + 1
   where j.id = target_job_id
     and (private.job_posting_is_open(j) or j.recruiter_id = (select auth.uid()))
     and ((select auth.uid()) is null or (select private.caller_may_act()))
  returning j.*;
$$;

create or replace function public.list_open_job_postings(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null,
  after_created_at timestamptz default null,
  after_id bigint default null,
  page_limit integer default 20,
  page_offset integer default 0
)
returns table (
  id bigint,
  title varchar,
  company_name varchar,
  location varchar,
  job_type public.job_type,
  experience_level public.experience_level,
  salary_range varchar,
  created_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  filters record := private.open_job_postings_filters(filter_location, search_text);
  statement text;
begin
  if page_limit is null or page_limit not between 1 and 1000 then
    raise exception 'page_limit must be between 1 and 1000' using errcode = '22023';
  end if;
  if page_offset is null or page_offset not between 0 and 10000 then
    raise exception 'page_offset must be between 0 and 10000 (use the keyset after_created_at/after_id for deeper pages)' using errcode = '22023';
  end if;
  if (after_created_at is null) <> (after_id is null) then
    raise exception 'after_created_at and after_id go together' using errcode = '22023';
  end if;
  -- A signed-in caller who may not act sees nothing (anon has no account to check).
  if (select auth.uid()) is not null and not private.caller_may_act() then
    return;
  end if;

  statement := 'select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at'
            || ' from public.job_postings j where '
            || private.open_job_postings_conditions(
                 filter_job_type is not null, filter_experience_level is not null,
                 filters.location_pattern is not null, filters.search_query is not null)
            || case when after_id is not null then ' and (j.created_at, j.id) < ($5, $6)' else '' end
            || ' order by j.created_at desc, j.id desc limit $7 offset $8';
  return query execute statement
    using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query,
          after_created_at, after_id, page_limit, page_offset;
end;
$$;

create or replace function public.count_open_job_postings(
  filter_job_type public.job_type default null,
  filter_experience_level public.experience_level default null,
  filter_location text default null,
  search_text text default null
)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  filters record := private.open_job_postings_filters(filter_location, search_text);
  total bigint;
begin
  -- A signed-in caller who may not act is answered null (no count), like anon's nothing.
  if (select auth.uid()) is not null and not private.caller_may_act() then
    return null;
  end if;
  execute 'select count(*) from public.job_postings j where '
       || private.open_job_postings_conditions(
            filter_job_type is not null, filter_experience_level is not null,
            filters.location_pattern is not null, filters.search_query is not null)
    into total
    using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query;
  return total;
end;
$$;
