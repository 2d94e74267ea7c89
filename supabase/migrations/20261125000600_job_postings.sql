-- Job postings: open ones are public (anon too); recruiters manage their own; a
-- candidate keeps reading the postings they applied to (that policy reads
-- job_applications, so it is created with that table, in the next migration).
-- The public listing, its indexes and its functions are migration 20261125001300.

create type public.job_type as enum ('full-time', 'part-time', 'contract', 'internship');
create type public.experience_level as enum ('entry', 'mid', 'senior', 'lead');

create table public.job_postings (
  id bigint generated always as identity primary key,
  recruiter_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  title varchar(255) not null constraint job_postings_title_not_blank check (btrim(title) <> ''),
  company_name varchar(255) not null constraint job_postings_company_name_not_blank check (btrim(company_name) <> ''),
  location varchar(255),
  job_type public.job_type,
  experience_level public.experience_level,
  description text not null
    constraint job_postings_description_length check (btrim(description) <> '' and char_length(description) <= 20000),
  requirements text constraint job_postings_requirements_length check (char_length(requirements) <= 20000),
  salary_range varchar(100),
  is_active boolean not null default true,
  views_count bigint not null default 0,
  applications_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  expires_at timestamptz,
  -- Full-text search over title, company and description ('english': stems words).
  search_vector tsvector generated always as (
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(company_name, '')), 'A')
    || setweight(to_tsvector('english', coalesce(description, '')), 'C')
  ) stored
);

-- A recruiter's postings, newest first: their own list, the public profile's open
-- postings, and the policies that match recruiter_id.
create index job_postings_recruiter_id_idx on public.job_postings (recruiter_id, created_at desc);
create index job_postings_expires_at_idx on public.job_postings (expires_at);

comment on table public.job_postings is
  'Jobs posted by recruiters. Anyone (anon too) reads open postings (private.job_posting_is_open: active and not past expires_at); a recruiter reads and manages all of their own; a candidate keeps reading the postings they applied to.';
comment on column public.job_postings.is_active is 'False hides the posting (the API''s delete sets this). Owner-writable.';
comment on column public.job_postings.expires_at is 'After this moment the posting drops out of every public read, with no job to run: the read policy compares it with now().';
comment on column public.job_postings.views_count is 'Detail views. Kept by the database, not writable through the API.';
comment on column public.job_postings.applications_count is 'Number of applications (rows in job_applications). Kept exact by trigger, not writable through the API.';
comment on column public.job_postings.search_vector is 'Generated: what the text search (q) matches. Title and company weigh more than description.';

grant select on public.job_postings to anon, authenticated;
grant insert (
  recruiter_id, title, company_name, location, job_type, experience_level, description,
  requirements, salary_range, is_active, expires_at
) on public.job_postings to authenticated;
grant update (
  title, company_name, location, job_type, experience_level, description, requirements,
  salary_range, is_active, expires_at
) on public.job_postings to authenticated;
grant delete on public.job_postings to authenticated;

alter table public.job_postings enable row level security;

-- Only edits by the recruiter move updated_at; the counters the database keeps don't.
create trigger job_postings_set_updated_at
  before update of title, company_name, location, job_type, experience_level, description,
                   requirements, salary_range, is_active, expires_at
  on public.job_postings
  for each row execute function private.set_updated_at();

-- "A job is open": active and not past expires_at. The rule is written here and
-- nowhere else: the read policies, the apply check (private.is_open_job), the detail
-- read, the listing functions and the facade's queries all call this function.
--
-- Postgres inlines it wherever it is called (language sql, stable, not security
-- definer, no SET clause: a SET, even of search_path, would stop the inlining), so
-- the planner sees the expression itself, exactly as if it were written out: the
-- listing still matches its partial indexes (where is_active) and checks expiry from
-- their INCLUDE (expires_at). Its body is SQL-standard (RETURN ...), parsed and bound
-- when the function is created, so no caller's search_path can change what it means;
-- that is why it alone needs no pinned search_path.
--
-- Expiry is written coalesce(expires_at, 'infinity') > now(): the same rows as
-- "expires_at is null or expires_at > now()", but not a condition the planner can
-- answer from job_postings_expires_at_idx. In that form it built a bitmap of every
-- unexpired posting (~45 ms at 1,000,000 postings) to AND with a selective location
-- or text-search bitmap; in this one it checks expiry on the rows the other
-- conditions found.
create or replace function private.job_posting_is_open(job public.job_postings)
returns boolean
language sql
stable
parallel safe
return job.is_active and coalesce(job.expires_at, 'infinity') > now();
comment on function private.job_posting_is_open(public.job_postings) is
  'True when the posting is open: active and not past expires_at. The one definition of the rule: the policies, the listing and detail functions, the apply check and the facade''s queries call it.';
-- It lives in private (helpers, not exposed by the Data API), yet the policies and the
-- facade call it as the caller, so the API roles may execute it; it reads nothing.
grant execute on function private.job_posting_is_open(public.job_postings) to anon, authenticated;

-- The detail read: the posting, if it is open or the caller's own, with one more view
-- counted.
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
  returning j.*;
$$;
comment on function public.view_job_posting(bigint) is
  'Returns an open posting (or the caller''s own) and counts one view; empty otherwise (a closed posting a candidate applied to is read from the table, not counted). Security definer because counting the view writes views_count, which no API role may write; it shows no posting the caller''s select policy does not.';
grant execute on function public.view_job_posting(bigint) to anon, authenticated;

create policy "visitors read open postings"
  on public.job_postings for select
  to anon
  using (private.job_posting_is_open(job_postings));

create policy "recruiters create own postings"
  on public.job_postings for insert
  to authenticated
  with check (recruiter_id = (select auth.uid()) and (select private.is_active_recruiter()));

create policy "recruiters update own postings"
  on public.job_postings for update
  to authenticated
  using (recruiter_id = (select auth.uid()))
  with check (recruiter_id = (select auth.uid()));

create policy "recruiters delete own postings"
  on public.job_postings for delete
  to authenticated
  using (recruiter_id = (select auth.uid()));
