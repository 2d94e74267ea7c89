-- Events: what happened, written by the database in the transaction that made the
-- change, so a change that rolls back leaves no event and a committed one always has
-- its event. The worker (src/worker) turns them into notifications and webhook
-- deliveries (migration 20261202000400).
--
-- Three ways in, each as cheap as the change it rides on allows:
--   * applications (created, status changed, withdrawn) and postings closed: a row in
--     private.events, written by triggers;
--   * views of a shared resume, the hottest path of the system: one narrow row in
--     private.pending_resume_views per access-log row (a trigger on the log, so the
--     public fetch itself stays as it is), folded by the worker into at most one
--     "resume.viewed" event per resume per hour, carrying the count;
--   * postings that expire: there is no cron and nothing changes at that moment, so
--     private.job_posting_expiries keeps, per open posting, when it expires (kept by
--     a trigger), and the worker emits "job_posting.expired" once when that passes.

-- The event types, as Standard Webhooks names them (full-stop delimited, grouped by
-- resource). Endpoints subscribe to these; notifications carry them.
create type public.event_type as enum (
  'resume.viewed',
  'application.created',
  'application.status_changed',
  'application.withdrawn',
  'job_posting.closed',
  'job_posting.expired'
);
comment on type public.event_type is
  'What happened: resume.viewed (batched, at most one per resume per hour), application.created, application.status_changed, application.withdrawn, job_posting.closed, job_posting.expired.';

-- Timestamps inside event payloads: UTC ISO 8601 with microseconds, whatever the
-- session's TimeZone (jsonb_build_object would use it).
create or replace function private.iso_utc(moment timestamptz)
returns text
language sql
stable
set search_path = ''
as $$
  select to_char(moment at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
$$;
comment on function private.iso_utc(timestamptz) is 'A timestamp as UTC ISO 8601 with microseconds (2026-12-02T10:00:00.123456Z), for event payloads.';

-- The outbox: events waiting to be told. The worker takes them with FOR UPDATE SKIP
-- LOCKED, writes their notifications and deliveries, and deletes them, all in one
-- transaction, so each is told exactly once.
create table private.events (
  id bigint generated always as identity primary key,
  type public.event_type not null,
  occurred_at timestamptz not null default now(),
  actor_id uuid,
  data jsonb not null
);

comment on table private.events is
  'Events not yet turned into notifications and webhook deliveries (an outbox). Written by triggers in the transaction of the change; taken and deleted by the worker (private.worker_fan_out_events). No API role can read or write it.';
comment on column private.events.actor_id is 'auth.uid() of whoever made the change; null for an admin or the system. The actor is not notified of their own change.';
comment on column private.events.data is 'Ids of what changed (application_id, job_id, candidate_id, statuses, times); the worker adds titles when it tells.';

alter table private.events enable row level security;
-- No policies and no grants: only the triggers and the worker's functions touch it.

-- One row per counted view, until the worker folds it into the resume's batch.
-- As cheap to write as a row can be, on purpose: every public fetch writes one. No
-- foreign key (a lookup of the resume per view; views of a resume deleted since are
-- dropped when the worker folds them), and no key or index at all (no sequence, no
-- index entry per view): rows are only ever inserted, then taken whole by the worker
-- (by ctid, FOR UPDATE SKIP LOCKED) and deleted.
create table private.pending_resume_views (
  resume_id bigint not null,
  viewed_at timestamptz not null
);

comment on table private.pending_resume_views is
  'Views of shared resumes not yet folded into private.resume_view_batches (one row per access-log row). Written by trigger on public.resume_access_logs; taken and deleted by the worker.';

alter table private.pending_resume_views enable row level security;

-- Per resume: the views not yet announced, and when the last notice went out. A notice
-- is due at once for the first views, then at most once per hour.
create table private.resume_view_batches (
  resume_id bigint primary key references public.resumes (id) on delete cascade,
  pending_views integer not null default 0,
  first_pending_at timestamptz,
  last_pending_at timestamptz,
  last_notified_at timestamptz,
  due_at timestamptz
);

create index resume_view_batches_due_at_idx on private.resume_view_batches (due_at) where due_at is not null;

comment on table private.resume_view_batches is
  'Views of each resume waiting to be announced as one "resume.viewed" event, and when the last one was (at most one per private.view_notice_interval()).';
comment on column private.resume_view_batches.due_at is 'When the pending views may be announced: at once after a quiet hour, else an hour after the last notice. Null when nothing is pending.';

alter table private.resume_view_batches enable row level security;

-- When each open posting expires (kept by the trigger below); the worker emits
-- "job_posting.expired" when that moment passes and removes the row.
create table private.job_posting_expiries (
  job_id bigint primary key references public.job_postings (id) on delete cascade,
  expires_at timestamptz not null
);

create index job_posting_expiries_expires_at_idx on private.job_posting_expiries (expires_at);

comment on table private.job_posting_expiries is
  'Open postings with an expiry, and when: the worker emits job_posting.expired once that passes (private.worker_emit_expired_postings). Kept by trigger on public.job_postings.';

alter table private.job_posting_expiries enable row level security;

-- How often a resume's views may be announced: once per hour.
create or replace function private.view_notice_interval()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '1 hour' $$;
comment on function private.view_notice_interval() is 'At most one "your resume was viewed" notice (and resume.viewed event) per resume per this interval.';

-- Triggers -------------------------------------------------------------------------

-- Every access-log row is a counted view (issue 13 will tell bots and the owner's own
-- views apart: a WHEN clause on this trigger will leave them out).
create or replace function private.record_resume_view()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.pending_resume_views (resume_id, viewed_at) values (new.resume_id, new.accessed_at);
  return null;
end;
$$;
comment on function private.record_resume_view() is
  'Trigger on resume_access_logs insert: queues the view for the worker''s batched "resume.viewed" notice. Security definer: whoever logs the view cannot write private tables.';

create trigger resume_access_logs_record_view
  after insert on public.resume_access_logs
  for each row execute function private.record_resume_view();

-- (Apply is a hot path: the timestamp is formatted inline rather than through
-- private.iso_utc, whose pinned search_path costs a settings switch per call.)
create or replace function private.record_application_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.events (type, actor_id, data)
    values ('application.created', (select auth.uid()), jsonb_build_object(
      'application_id', new.id, 'job_id', new.job_id, 'candidate_id', new.candidate_id,
      'resume_id', new.resume_id, 'status', new.status,
      'applied_at', to_char(new.applied_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
  elsif new.status is distinct from old.status then
    insert into private.events (type, actor_id, data)
    values (
      case when new.status = 'withdrawn' then 'application.withdrawn' else 'application.status_changed' end::public.event_type,
      (select auth.uid()),
      jsonb_build_object(
        'application_id', new.id, 'job_id', new.job_id, 'candidate_id', new.candidate_id,
        'from_status', old.status, 'to_status', new.status,
        'changed_at', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')));
  end if;
  return null;
end;
$$;
comment on function private.record_application_event() is
  'Trigger on job_applications: application.created on insert, application.withdrawn or application.status_changed when the status changes. Security definer: the caller cannot write private.events.';

create trigger job_applications_record_event
  after insert or update of status on public.job_applications
  for each row execute function private.record_application_event();

-- Postings: "closed" when is_active goes false, and the expiry schedule kept in step.
-- The WHEN clauses keep the trigger from running at all for the inserts and updates
-- that concern neither (a bulk load of postings, the applications_count updates).
create or replace function private.record_job_posting_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.is_active and not new.is_active then
    insert into private.events (type, actor_id, data)
    values ('job_posting.closed', (select auth.uid()), jsonb_build_object('job_id', new.id, 'closed_at', private.iso_utc(now())));
  end if;

  if new.is_active and new.expires_at is not null and (tg_op = 'UPDATE' or new.expires_at > now()) then
    -- (A posting created already past its expiry was never open: nothing to announce.)
    insert into private.job_posting_expiries (job_id, expires_at) values (new.id, new.expires_at)
    on conflict (job_id) do update set expires_at = excluded.expires_at;
  elsif tg_op = 'UPDATE' then
    delete from private.job_posting_expiries where job_id = new.id;
  end if;
  return null;
end;
$$;
comment on function private.record_job_posting_change() is
  'Trigger on job_postings: job_posting.closed when is_active goes false; keeps private.job_posting_expiries in step with is_active and expires_at. Security definer: the recruiter cannot write private tables.';

create trigger job_postings_record_change
  after update of is_active, expires_at on public.job_postings
  for each row
  when (old.is_active is distinct from new.is_active or old.expires_at is distinct from new.expires_at)
  execute function private.record_job_posting_change();

create trigger job_postings_schedule_expiry
  after insert on public.job_postings
  for each row
  when (new.is_active and new.expires_at is not null)
  execute function private.record_job_posting_change();

-- Postings open today that will expire get their schedule; those already past expiry
-- expired before events existed and are not announced now.
insert into private.job_posting_expiries (job_id, expires_at)
select j.id, j.expires_at from public.job_postings j where j.is_active and j.expires_at > now();
