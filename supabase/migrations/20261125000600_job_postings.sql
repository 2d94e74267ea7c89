-- Job postings: open ones are public (anon too); recruiters manage their own.

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
  expires_at timestamptz
);

create index job_postings_recruiter_id_idx on public.job_postings (recruiter_id);
create index job_postings_is_active_idx on public.job_postings (is_active);
create index job_postings_created_at_idx on public.job_postings (created_at);
create index job_postings_job_type_idx on public.job_postings (job_type);
create index job_postings_experience_level_idx on public.job_postings (experience_level);
create index job_postings_expires_at_idx on public.job_postings (expires_at);

comment on table public.job_postings is
  'Jobs posted by recruiters. Anyone (anon too) reads postings that are active and not past expires_at; a recruiter reads and manages all of their own.';
comment on column public.job_postings.is_active is 'False hides the posting (the API''s delete sets this). Owner-writable.';
comment on column public.job_postings.expires_at is 'After this moment the posting drops out of every public read, with no job to run: the read policy compares it with now().';
comment on column public.job_postings.views_count is 'Detail views. Kept by the database, not writable through the API.';
comment on column public.job_postings.applications_count is 'Number of applications (rows in job_applications). Kept exact by trigger, not writable through the API.';

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

create policy "anyone reads open postings"
  on public.job_postings for select
  to anon, authenticated
  using (is_active and (expires_at is null or expires_at > now()));

create policy "recruiters read own postings"
  on public.job_postings for select
  to authenticated
  using (recruiter_id = (select auth.uid()));

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
