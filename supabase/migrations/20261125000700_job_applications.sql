-- Job applications and their status pipeline.
--
--   pending -> reviewed -> shortlisted -> accepted
--      \          \             \-----> rejected
--       \          \-------------------> rejected
--        \-----------------------------> rejected
--   any non-final status -> withdrawn (by the candidate only)
--
-- accepted, rejected and withdrawn are final. The database enforces the transitions,
-- stamps reviewed_at, and writes every change to job_application_status_history.

create type public.application_status as enum (
  'pending', 'reviewed', 'shortlisted', 'accepted', 'rejected', 'withdrawn'
);
comment on type public.application_status is 'Where an application stands. accepted, rejected and withdrawn are final.';

create table public.job_applications (
  id bigint generated always as identity primary key,
  job_id bigint not null references public.job_postings (id) on delete cascade,
  candidate_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  resume_id bigint not null references public.resumes (id) on delete cascade,
  status public.application_status not null default 'pending',
  cover_letter text constraint job_applications_cover_letter_length check (char_length(cover_letter) <= 10000),
  applied_at timestamptz not null default now(),
  reviewed_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint uq_job_candidate unique (job_id, candidate_id)
);

create index job_applications_candidate_id_idx on public.job_applications (candidate_id, applied_at desc);
create index job_applications_resume_id_idx on public.job_applications (resume_id);
create index job_applications_status_idx on public.job_applications (status);
create index job_applications_applied_at_idx on public.job_applications (applied_at);
-- (job_id, candidate_id) is indexed by uq_job_candidate, which also serves job_id lookups.

comment on table public.job_applications is
  'A candidate''s application to a job with one of their resumes. The candidate and the job''s recruiter read it; the recruiter moves its status, the candidate may withdraw it.';
comment on column public.job_applications.status is 'Changed only along the pipeline (see private.check_application_transition); every change is recorded in job_application_status_history.';
comment on column public.job_applications.reviewed_at is 'Stamped by the database when the recruiter first moves the application out of pending.';

grant select on public.job_applications to authenticated;
grant insert (job_id, candidate_id, resume_id, cover_letter) on public.job_applications to authenticated;
grant update (status) on public.job_applications to authenticated;

alter table public.job_applications enable row level security;

create trigger job_applications_set_updated_at
  before update on public.job_applications
  for each row execute function private.set_updated_at();

-- The pipeline. Raises SQLSTATE PT409 or PT403, which PostgREST answers as HTTP 409 or 403.
create or replace function private.check_application_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  if new.status = old.status then
    return new;
  end if;

  if old.status in ('accepted', 'rejected', 'withdrawn') then
    raise exception 'application is % and can no longer change', old.status
      using errcode = 'PT409';
  end if;

  if new.status = 'withdrawn' then
    -- Only the candidate withdraws (an admin with no JWT may too).
    if caller is not null and caller <> old.candidate_id then
      raise exception 'only the candidate can withdraw an application' using errcode = 'PT403';
    end if;
  else
    if caller is not null and caller = old.candidate_id then
      raise exception 'a candidate can only withdraw an application' using errcode = 'PT403';
    end if;
    if not (
      (old.status = 'pending' and new.status in ('reviewed', 'rejected'))
      or (old.status = 'reviewed' and new.status in ('shortlisted', 'rejected'))
      or (old.status = 'shortlisted' and new.status in ('accepted', 'rejected'))
    ) then
      raise exception 'cannot move an application from % to %', old.status, new.status
        using errcode = 'PT409';
    end if;
    if old.status = 'pending' then
      new.reviewed_at := now();
    end if;
  end if;
  return new;
end;
$$;
comment on function private.check_application_transition() is 'Trigger: allows only the pipeline''s transitions, by the right party, and stamps reviewed_at.';

create trigger job_applications_check_transition
  before update of status on public.job_applications
  for each row execute function private.check_application_transition();

-- applications_count, kept by the database: each insert adds one under the posting's
-- row lock, so concurrent applies never lose a count.
create or replace function private.count_job_application()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.job_postings set applications_count = applications_count + 1 where id = new.job_id;
  else
    update public.job_postings set applications_count = applications_count - 1 where id = old.job_id;
  end if;
  return null;
end;
$$;
comment on function private.count_job_application() is 'Trigger: keeps job_postings.applications_count equal to the number of applications.';

create trigger job_applications_count
  after insert or delete on public.job_applications
  for each row execute function private.count_job_application();

-- Did the caller post this job? The apply policy refuses a recruiter's application
-- to their own posting.
create or replace function private.is_job_owner(target_job_id bigint)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.job_postings j
     where j.id = target_job_id and j.recruiter_id = (select auth.uid())
  );
$$;
comment on function private.is_job_owner(bigint) is
  'Policy helper: true when the caller posted this job. Security definer so the check reads the posting whatever its state or the caller''s policies.';
grant execute on function private.is_job_owner(bigint) to authenticated;

-- Is the job open? For the apply policy, by id.
create or replace function private.is_open_job(target_job_id bigint)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.job_postings j
     where j.id = target_job_id and private.job_posting_is_open(j)
  );
$$;
comment on function private.is_open_job(bigint) is
  'Policy helper: true when the job is open (private.job_posting_is_open). Security definer so the apply policy can ask about a posting by id whatever the caller may read.';
grant execute on function private.is_open_job(bigint) to authenticated;

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
comment on function private.applied_job_ids() is
  'Policy helper: ids of the jobs the caller applied to. Security definer: the job_postings policy that calls it cannot read job_applications under that table''s policies, which read job_postings (a loop).';
grant execute on function private.applied_job_ids() to authenticated;

-- One policy per command and role: a candidate reads their applications, a recruiter
-- the applications to their jobs.
create policy "candidates read own applications, recruiters those to own jobs"
  on public.job_applications for select
  to authenticated
  using (
    candidate_id = (select auth.uid())
    or job_id in (select j.id from public.job_postings j where j.recruiter_id = (select auth.uid()))
  );

create policy "candidates apply with own resume to open jobs"
  on public.job_applications for insert
  to authenticated
  with check (
    candidate_id = (select auth.uid())
    and status = 'pending'
    and resume_id in (
      select r.id from public.resumes r where r.user_id = (select auth.uid()) and r.is_active
    )
    and private.is_open_job(job_id)
    and not private.is_job_owner(job_id)
  );

-- A recruiter moves the applications to their jobs along the pipeline; a candidate
-- may only withdraw their own (the trigger above enforces who may set which status).
create policy "candidates withdraw own, recruiters move those to own jobs"
  on public.job_applications for update
  to authenticated
  using (
    job_id in (select j.id from public.job_postings j where j.recruiter_id = (select auth.uid()))
    or candidate_id = (select auth.uid())
  )
  with check (
    job_id in (select j.id from public.job_postings j where j.recruiter_id = (select auth.uid()))
    or (candidate_id = (select auth.uid()) and status = 'withdrawn')
  );

-- job_postings' select policy for signed-in users. It is created here because it
-- reads job_applications (through private.applied_job_ids): open postings like
-- everybody, the recruiter's own in any state, and the postings the candidate applied
-- to after they close or expire.
create policy "users read open, own and applied-to postings"
  on public.job_postings for select
  to authenticated
  using (
    private.job_posting_is_open(job_postings)
    or recruiter_id = (select auth.uid())
    or id in (select private.applied_job_ids())
  );

-- History of every status an application has had. Written only by the trigger below.
create table public.job_application_status_history (
  id bigint generated always as identity primary key,
  application_id bigint not null references public.job_applications (id) on delete cascade,
  from_status public.application_status,
  to_status public.application_status not null,
  changed_by uuid references public.profiles (id) on delete set null,
  changed_at timestamptz not null default now()
);

create index job_application_status_history_application_id_idx
  on public.job_application_status_history (application_id, changed_at);
create index job_application_status_history_changed_by_idx
  on public.job_application_status_history (changed_by);

comment on table public.job_application_status_history is
  'Every status change of every application: who, from, to, when. Append-only, written by trigger; readable by the application''s candidate and the job''s recruiter.';
comment on column public.job_application_status_history.from_status is 'Null for the application being submitted.';
comment on column public.job_application_status_history.changed_by is 'The user who made the change; null for an admin acting without a JWT (or a deleted user).';

grant select on public.job_application_status_history to authenticated;

alter table public.job_application_status_history enable row level security;

create or replace function private.record_application_status()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into public.job_application_status_history (application_id, from_status, to_status, changed_by)
    values (new.id, case when tg_op = 'UPDATE' then old.status end, new.status, (select auth.uid()));
  end if;
  return null;
end;
$$;
comment on function private.record_application_status() is 'Trigger: appends each status change to job_application_status_history.';

create trigger job_applications_record_status
  after insert or update of status on public.job_applications
  for each row execute function private.record_application_status();

-- Readable exactly when the application itself is: the subquery runs under
-- job_applications' own policies.
create policy "parties read history of visible applications"
  on public.job_application_status_history for select
  to authenticated
  using (application_id in (select a.id from public.job_applications a));

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
  'For the recruiter who posted the job: its applications with candidate name/email and the resume applied with. Empty for anyone else. Security definer because resumes and profiles are owner-only: it reads them with its owner''s rights, for the caller''s own job only.';
grant execute on function public.job_applicants(bigint) to authenticated;
