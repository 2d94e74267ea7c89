-- Application records outlive the deletion of a resume, of a candidate's account and of
-- a recruiter's account (issue 15).
--
-- Until now job_applications.resume_id was ON DELETE CASCADE: a candidate deleting a
-- resume wiped every application made with it, an accepted one included, and its whole
-- status history, from the recruiter's records. Likewise deleting an account (candidate
-- or recruiter) cascaded through every application it touched. Now:
--   * deleting a resume withdraws the open applications made with it (along the
--     pipeline, with history, as the candidate) and keeps every application without the
--     file: resume_id null, resume_deleted_at says when the resume went;
--   * an erased candidate's applications stay in the recruiter's records with their
--     status and history and nothing of the person: candidate_id, cover_letter and
--     resume_id null, candidate_erased_at says when (the trigger that does it is in
--     20261203300200, with the rest of the erasure);
--   * an erased recruiter's postings that have applications stay, closed, for the
--     candidates who applied (recruiter_id null); the others go with the account;
--   * who made each status change is kept as a role (candidate, recruiter, admin) in the
--     history itself, so it still reads right once the person who made it is erased
--     (changed_by becomes null then).

-- Applications ---------------------------------------------------------------------------
alter table public.job_applications
  alter column resume_id drop not null,
  alter column candidate_id drop not null,
  add column resume_deleted_at timestamptz,
  add column candidate_erased_at timestamptz,
  add constraint job_applications_resume_or_why_not check (resume_id is not null or resume_deleted_at is not null),
  add constraint job_applications_candidate_or_why_not check (candidate_id is not null or candidate_erased_at is not null);

-- The triggers below detach first; the foreign keys no longer delete anything.
alter table public.job_applications
  drop constraint job_applications_resume_id_fkey,
  add constraint job_applications_resume_id_fkey foreign key (resume_id) references public.resumes (id) on delete set null,
  drop constraint job_applications_candidate_id_fkey,
  add constraint job_applications_candidate_id_fkey foreign key (candidate_id) references public.profiles (id) on delete set null;

comment on column public.job_applications.resume_id is
  'The resume applied with; null once the candidate deleted it (resume_deleted_at) or was erased. The application stays.';
comment on column public.job_applications.candidate_id is
  'The candidate; null once their account was erased (candidate_erased_at): the recruiter keeps the record, status and history, without the person.';
comment on column public.job_applications.resume_deleted_at is 'When the resume applied with was deleted (the file went with it). Kept by the database.';
comment on column public.job_applications.candidate_erased_at is 'When the candidate''s account was erased: name, email, cover letter and resume are gone from this record. Kept by the database.';

-- Postings -------------------------------------------------------------------------------
-- (No new column: PostgreSQL 15 refuses to add one to a table whose row type an
-- SQL-standard function body uses, see private.job_posting_is_open. A null recruiter
-- says it all.)
alter table public.job_postings alter column recruiter_id drop not null;
comment on column public.job_postings.recruiter_id is
  'The recruiter who posted it; null once their account was erased: the posting stays, closed, for the candidates who applied to it.';

-- The pipeline, unchanged but for an application whose candidate was erased (its
-- candidate_id is null): nobody can withdraw it for them.
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
    if caller is not null and caller is distinct from old.candidate_id then
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

-- History: who, as a role that outlives the person ------------------------------------
alter table public.job_application_status_history
  add column changed_by_role text
    constraint job_application_status_history_changed_by_role_known check (changed_by_role in ('candidate', 'recruiter', 'admin'));
update public.job_application_status_history h
   set changed_by_role = case when h.changed_by is null then 'admin'
                              when h.changed_by = a.candidate_id then 'candidate'
                              else 'recruiter' end
  from public.job_applications a
 where a.id = h.application_id;
update public.job_application_status_history set changed_by_role = 'admin' where changed_by_role is null;
alter table public.job_application_status_history alter column changed_by_role set not null;
comment on column public.job_application_status_history.changed_by_role is
  'Who made the change, as the parties see it: candidate, recruiter, or admin (no JWT). Kept when changed_by is erased.';

create or replace function private.record_application_status()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into public.job_application_status_history (application_id, from_status, to_status, changed_by, changed_by_role)
    values (new.id, case when tg_op = 'UPDATE' then old.status end, new.status, caller,
            case when caller is null then 'admin' when caller = new.candidate_id then 'candidate' else 'recruiter' end);
  end if;
  return null;
end;
$$;

-- Deleting a resume keeps the applications made with it ---------------------------------
create or replace function private.detach_resume_from_applications()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Open ones are withdrawn along the pipeline: the history records it, the recruiter
  -- is told (application.withdrawn). The caller is whoever deletes: the owner through
  -- the API, an admin (no JWT) in the dashboard.
  update public.job_applications a
     set status = 'withdrawn'
   where a.resume_id = old.id and a.status in ('pending', 'reviewed', 'shortlisted');
  update public.job_applications a
     set resume_id = null, resume_deleted_at = now()
   where a.resume_id = old.id;
  return old;
end;
$$;
comment on function private.detach_resume_from_applications() is
  'Trigger before a resume is deleted: its open applications are withdrawn (with history), and every application made with it keeps its record without the file (resume_id null, resume_deleted_at). Security definer: the owner may not write applications'' resume_id.';

create trigger resumes_detach_applications
  before delete on public.resumes
  for each row execute function private.detach_resume_from_applications();

-- The recruiter's applicants: every application stays listed, with what is left ----------
drop function public.job_applicants(bigint);
create function public.job_applicants(target_job_id bigint)
returns table (
  application_id bigint,
  status public.application_status,
  cover_letter text,
  applied_at timestamptz,
  reviewed_at timestamptz,
  candidate_id uuid,
  candidate_name text,
  candidate_email text,
  candidate_erased_at timestamptz,
  resume_id bigint,
  resume_name text,
  resume_pdf_filename text,
  resume_is_active boolean,
  resume_deleted_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select a.id, a.status, a.cover_letter, a.applied_at, a.reviewed_at,
         p.id, p.full_name, p.email, a.candidate_erased_at,
         r.id, r.resume_name, r.pdf_filename, coalesce(r.is_active, false), a.resume_deleted_at
    from public.job_applications a
    join public.job_postings j on j.id = a.job_id
    left join public.profiles p on p.id = a.candidate_id
    left join public.resumes r on r.id = a.resume_id
   where a.job_id = target_job_id
     and j.recruiter_id = (select auth.uid())
     and (select private.caller_may_act())
   order by a.applied_at desc, a.id desc;
$$;
comment on function public.job_applicants(bigint) is
  'For the recruiter who posted the job: its applications with candidate name/email and the resume applied with (null, with candidate_erased_at or resume_deleted_at, once the candidate was erased or deleted the resume). Empty for anyone else. Security definer because resumes and profiles are owner-only: it reads them with its owner''s rights, for the caller''s own job only.';
grant execute on function public.job_applicants(bigint) to authenticated;
