-- The job board's reads: search and keyset listing of open postings, a detail read
-- that counts views, and the recruiter's list of applicants.

create extension if not exists pg_trgm with schema extensions;

-- Full-text search over title, company and description ('english': stems words).
alter table public.job_postings
  add column search_vector tsvector generated always as (
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(company_name, '')), 'A')
    || setweight(to_tsvector('english', coalesce(description, '')), 'C')
  ) stored;
comment on column public.job_postings.search_vector is 'Generated: what the text search (q) matches. Title and company weigh more than description.';

create index job_postings_search_vector_idx on public.job_postings using gin (search_vector);
-- location is matched as a substring, case-insensitively (ILIKE '%...%').
create index job_postings_location_trgm_idx on public.job_postings using gin (location extensions.gin_trgm_ops);

-- The listing: newest first, keyset by (created_at, id), only active rows (expiry is
-- checked on the fly: now() cannot be part of an index predicate).
create index job_postings_open_listing_idx on public.job_postings (created_at desc, id desc) where is_active;
create index job_postings_open_job_type_idx on public.job_postings (job_type, created_at desc, id desc) where is_active;
create index job_postings_open_experience_idx on public.job_postings (experience_level, created_at desc, id desc) where is_active;
-- Replaced by the partial indexes above.
drop index public.job_postings_is_active_idx;
drop index public.job_postings_created_at_idx;
drop index public.job_postings_job_type_idx;
drop index public.job_postings_experience_level_idx;

-- The public profile lists a recruiter's open postings.
drop index public.job_postings_recruiter_id_idx;
create index job_postings_recruiter_id_idx on public.job_postings (recruiter_id, created_at desc);

-- A candidate keeps seeing a posting they applied to after it closes or expires.
-- The ids come from a security definer function: reading job_applications under its
-- own policies here would loop (they read job_postings).
create or replace function private.applied_job_ids()
returns setof bigint
language sql
stable
security definer
set search_path = ''
as $$
  select a.job_id from public.job_applications a where a.candidate_id = (select auth.uid());
$$;
comment on function private.applied_job_ids() is 'Policy helper: ids of the jobs the caller applied to.';
grant execute on function private.applied_job_ids() to authenticated;

create policy "candidates read postings they applied to"
  on public.job_postings for select
  to authenticated
  using (id in (select private.applied_job_ids()));

-- The detail read: the posting, if the caller may see it, with one more view counted.
create or replace function public.view_job_posting(target_job_id bigint)
returns setof public.job_postings
language sql
security definer
set search_path = ''
as $$
  update public.job_postings j
     set views_count = j.views_count + 1
   where j.id = target_job_id
     and ((j.is_active and (j.expires_at is null or j.expires_at > now())) or j.recruiter_id = (select auth.uid()))
  returning j.*;
$$;
comment on function public.view_job_posting(bigint) is
  'Returns an open posting (or the caller''s own) and counts one view. Empty when the caller may not see it.';
grant execute on function public.view_job_posting(bigint) to anon, authenticated;

-- The recruiter's applicants to one job, with the resume each applied with: resumes
-- are owner-only, so this reads them with the definer's rights, after checking that
-- the caller posted the job.
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
   order by a.applied_at desc, a.id desc;
$$;
comment on function public.job_applicants(bigint) is
  'For the recruiter who posted the job: its applications with candidate name/email and the resume applied with. Empty for anyone else.';
grant execute on function public.job_applicants(bigint) to authenticated;
