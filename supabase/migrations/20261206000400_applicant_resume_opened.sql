-- The recruiter opens an applicant's resume → the application is "reviewed" (issue 13).
-- The applicants list's signed links are opened straight from the CDN, where nothing
-- can notice; GET /api/v1/applications/{id}/resume (a fresh signed URL) calls this.
-- A pending application moves to reviewed through the enforced pipeline (the
-- transition trigger, reviewed_at, the history row, the application.status_changed
-- event), once: later openings change nothing.

create or replace function public.open_applicant_resume(target_application_id bigint)
returns table (
  application_id bigint,
  status public.application_status,
  reviewed_at timestamptz,
  resume_id bigint,
  resume_name text,
  resume_pdf_filename text,
  resume_is_active boolean
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  found_application public.job_applications%rowtype;
begin
  if not (select private.caller_may_act()) then
    return;
  end if;
  -- Only the recruiter who posted the job; a withdrawn application no longer shares its resume.
  select a.* into found_application
    from public.job_applications a
    join public.job_postings j on j.id = a.job_id
   where a.id = target_application_id
     and j.recruiter_id = (select auth.uid())
     and a.status <> 'withdrawn'
   for update of a;
  if found_application.id is null then
    return;
  end if;

  if found_application.status = 'pending' then
    -- The pipeline's own update: the trigger checks the move (the caller is the job's
    -- recruiter, not the candidate), stamps reviewed_at and writes the history with the
    -- caller as changed_by (auth.uid() is the caller's under security definer too).
    update public.job_applications a set status = 'reviewed' where a.id = found_application.id
    returning a.* into found_application;
  end if;

  return query
    select found_application.id, found_application.status, found_application.reviewed_at,
           r.id, r.resume_name::text, r.pdf_filename::text, r.is_active
      from public.resumes r where r.id = found_application.resume_id;
end;
$$;
comment on function public.open_applicant_resume(bigint) is
  'The job''s recruiter opens an applicant''s resume: a pending application moves to reviewed (once, through the pipeline''s trigger, with history), and the resume''s storage key is returned for a signed URL. Empty for anyone else, for a withdrawn application, and for a caller who may not act. Security definer because resumes are owner-only: it reads the one resume applied with, for the job''s own recruiter only.';
grant execute on function public.open_applicant_resume(bigint) to authenticated;
