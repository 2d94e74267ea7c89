-- Personal data: one registry of every table that holds someone's data, and the two
-- things it drives, the export (GET /api/v1/me/export, supabase.rpc('export_my_data'))
-- and the erasure (DELETE /api/v1/me), plus the queue of stored files still to delete.
--
-- The registry, private.personal_data, has one row per table that holds a user's data:
-- how to find the subject's rows ($1 = their user id, $2 = their email, $3 = the
-- addresses their sessions signed in from, as text[]), under which
-- name the export shows them (null: internal, not exported, `about` says why), which
-- columns never leave (secrets), which columns name stored files, and what erasure does
-- with them:
--   delete     the subject's rows are deleted (children first, erase_order ascending;
--              the profile last);
--   anonymize  the rows stay for someone else, without the subject (the trigger
--              private.forget_person, before the profile is deleted, does it);
--   auth       Supabase Auth deletes them with the auth user (its admin API);
--   kept       the erasure's own bookkeeping, which names nobody once it completes.
-- A new table is one row here (tests/database/personal-data.test.ts fails for a table
-- that holds a user reference and has none).
--
-- Erasing an account (private.erase_account), in one transaction:
--   1. a private.account_erasures row records it (the user id only while it is pending);
--   2. the account is disabled at once: profiles.is_active = false (every policy refuses
--      it, its postings and public profile leave the listings), banned in Supabase Auth,
--      every session ended;
--   3. the registry's delete entries run; deleting the resumes queues their files in
--      private.stored_file_deletions (trigger private.queue_stored_files); deleting the
--      profile fires private.forget_person, which keeps others' records without the
--      person: applications withdrawn if open, then stripped of candidate, cover letter
--      and resume; postings with applications kept closed without their recruiter; the
--      person's id scrubbed from the other party's notifications, webhook payloads and
--      queued events.
-- Then the servers delete the auth user (Supabase Auth's admin API) and the files; what
-- fails (Bunny down, Auth down) stays queued and the worker finishes it with backoff
-- (private.claim_* / private.record_*). When the auth user and every file are gone the
-- erasure is completed and its row forgets the user id.
--
-- The same trigger path runs whoever deletes a profile (the dashboard deleting an auth
-- user cascades to it): others' records are kept, files are queued, the worker deletes
-- them.

create table private.personal_data (
  relation regclass primary key,
  export_as text unique
    constraint personal_data_export_as_name check (export_as ~ '^[a-z][a-z0-9_]*$'),
  subject_rows text not null,
  hidden_columns text[] not null default '{}',
  file_columns text[] not null default '{}',
  on_erasure text not null
    constraint personal_data_on_erasure_known check (on_erasure in ('delete', 'anonymize', 'auth', 'kept')),
  erase_order integer not null default 10,
  about text not null
);
comment on table private.personal_data is
  'Every table holding someone''s data: how to find the subject''s rows (subject_rows, a condition on the table aliased t, $1 = user id, $2 = email, $3 = their sessions'' addresses), its name in the export (null: internal), columns never exported, columns naming stored files, and what erasure does (delete, anonymize, auth, kept). Drives private.personal_data_of (export) and private.erase_account.';
comment on column private.personal_data.subject_rows is 'A condition on the table (aliased t) selecting the subject''s rows: $1 is their user id (uuid), $2 their email (text), $3 the addresses their sessions signed in from (text[]).';
comment on column private.personal_data.file_columns is 'Columns holding storage keys: the export signs them, and deleting a row queues them for deletion (trigger private.queue_stored_files on the table).';
comment on column private.personal_data.erase_order is 'Delete entries run in this order, ascending: children before parents, the profile last.';
alter table private.personal_data enable row level security;

-- Erasures and the files still to delete ----------------------------------------------
create table private.account_erasures (
  id bigint generated always as identity primary key,
  user_id uuid unique,
  requested_by text not null constraint account_erasures_requested_by_known check (requested_by in ('user', 'admin')),
  requested_at timestamptz not null default now(),
  files_queued integer not null default 0,
  auth_user_deleted_at timestamptz,
  completed_at timestamptz,
  -- Deleting the auth user through Supabase Auth's admin API, retried with backoff.
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text constraint account_erasures_last_error_length check (char_length(last_error) <= 500),
  constraint account_erasures_user_until_completed check ((completed_at is null) = (user_id is not null))
);
create index account_erasures_pending_idx on private.account_erasures (next_attempt_at) where auth_user_deleted_at is null;
comment on table private.account_erasures is
  'Every account erasure: the user id while it is pending (the auth user or a file is still there), nothing identifying once completed. Written by private.erase_account; finished by the servers and the worker.';
alter table private.account_erasures enable row level security;

create table private.stored_file_deletions (
  storage_key text primary key,
  erasure_id bigint references private.account_erasures (id) on delete set null,
  queued_at timestamptz not null default now(),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text constraint stored_file_deletions_last_error_length check (char_length(last_error) <= 500)
);
create index stored_file_deletions_due_idx on private.stored_file_deletions (next_attempt_at);
create index stored_file_deletions_erasure_id_idx on private.stored_file_deletions (erasure_id);
comment on table private.stored_file_deletions is
  'Stored files whose row was deleted, until the storage has deleted them too: queued by trigger (private.queue_stored_files), taken by the servers and the worker with FOR UPDATE SKIP LOCKED, retried with backoff.';
alter table private.stored_file_deletions enable row level security;

-- The registry's entries (tables created above included).
insert into private.personal_data (relation, export_as, subject_rows, hidden_columns, file_columns, on_erasure, erase_order, about) values
  ('auth.users', 'account', 't.id = $1',
   '{encrypted_password,confirmation_token,recovery_token,email_change_token_new,email_change_token_current,phone_change_token,reauthentication_token}',
   '{}', 'auth', 0,
   'Your sign-in account (Supabase Auth): email, when it was created and last used. Credentials and one-time tokens are never exported.'),
  ('auth.identities', 'identities', 't.user_id = $1', '{}', '{}', 'auth', 0,
   'How you sign in (email and password).'),
  ('auth.sessions', 'sessions', 't.user_id = $1', '{}', '{}', 'delete', 10,
   'Your signed-in sessions: when, from which address and browser. Ended when the account is erased.'),
  ('public.profiles', 'profile', 't.id = $1', '{}', '{}', 'delete', 100,
   'Your profile: email, name, account type, state, last sign-in.'),
  ('public.recruiter_profiles', 'recruiter_profile', 't.user_id = $1', '{}', '{}', 'delete', 10,
   'Your public recruiter profile.'),
  ('public.resumes', 'resumes', 't.user_id = $1', '{}', '{pdf_filename}', 'delete', 20,
   'Your resumes: name, share link token, QR code, stored file. The files themselves are in `files`, with short-lived download links.'),
  ('public.resume_view_counters', 'resume_view_counters', 't.resume_id in (select r.id from public.resumes r where r.user_id = $1)', '{}', '{}', 'delete', 10,
   'View counts of your resumes (kept in up to 16 rows per resume).'),
  ('public.resume_access_logs', 'resume_access_logs', 't.resume_id in (select r.id from public.resumes r where r.user_id = $1)', '{}', '{}', 'delete', 10,
   'Each view of your shared resumes: the viewer''s IP address, browser and referring page. After the retention window (30 days by default) the address is cut to its network (/24, /48), the browser to its family and the referrer to its site.'),
  ('public.job_postings', 'job_postings', 't.recruiter_id = $1', '{}', '{}', 'anonymize', 10,
   'Jobs you posted. On erasure, postings nobody applied to are deleted; those with applications stay, closed and without you, for the candidates who applied.'),
  ('public.job_posting_view_counters', 'job_posting_view_counters', 't.job_id in (select j.id from public.job_postings j where j.recruiter_id = $1)', '{}', '{}', 'delete', 10,
   'Unique daily viewers of your postings (counts only).'),
  ('public.job_applications', 'job_applications', 't.candidate_id = $1', '{}', '{}', 'anonymize', 10,
   'Your applications. On erasure, open ones are withdrawn; the recruiter keeps each record''s status and history, without your name, email, cover letter or resume.'),
  ('public.job_application_status_history', 'job_application_status_history',
   't.application_id in (select a.id from public.job_applications a where a.candidate_id = $1) or t.changed_by = $1', '{}', '{}', 'anonymize', 10,
   'Every status change of your applications, and the changes you made to applications you received. On erasure they stay without your user id.'),
  ('public.notifications', 'notifications', 't.user_id = $1', '{}', '{}', 'delete', 10,
   'Your in-app notifications. Read ones are deleted 90 days after reading (by default).'),
  ('public.webhook_endpoints', 'webhook_endpoints', 't.user_id = $1',
   '{secret_ciphertext,secret_key_id,previous_secret_ciphertext,previous_secret_key_id}', '{}', 'delete', 30,
   'Your webhook endpoints. Their signing secrets are never exported.'),
  ('public.webhook_deliveries', 'webhook_deliveries', 't.user_id = $1', '{lease_token}', '{}', 'delete', 20,
   'What was sent to your webhook endpoints. Delivered or failed ones are deleted after 30 days (by default).'),
  ('public.webhook_delivery_attempts', 'webhook_delivery_attempts', 't.user_id = $1', '{}', '{}', 'delete', 10,
   'Each attempt to deliver to your endpoints and what they answered; deleted with their delivery.'),
  ('private.account_audit_log', 'account_changes', 't.user_id = $1', '{db_role,db_login,actor}', '{}', 'delete', 10,
   'What administrators did to your account (deactivated, reactivated, verified) and why. Which administrator is not exported.'),
  ('private.rate_limit_counters', null,
   'right(t.bucket, char_length('':email:'' || $2)) = '':email:'' || $2 or right(t.bucket, char_length('':user:'' || $1::text)) = '':user:'' || $1::text or split_part(t.bucket, '':ip:'', 2) = any($3)',
   '{}', '{}', 'delete', 10,
   'Rate-limit counters (fixed windows of minutes to an hour). Counters keyed by your email, your user id or an address you signed in from go with the account; the others are deleted a day after their window.'),
  ('private.events', null, 't.actor_id = $1 or t.data ->> ''candidate_id'' = $1::text', '{}', '{}', 'anonymize', 10,
   'Events waiting for the worker (seconds): on erasure your id is removed from them.'),
  ('private.pending_resume_views', null, 't.resume_id in (select r.id from public.resumes r where r.user_id = $1)', '{}', '{}', 'delete', 10,
   'Views of your resumes waiting to be counted into notices (seconds).'),
  ('private.resume_view_batches', null, 't.resume_id in (select r.id from public.resumes r where r.user_id = $1)', '{}', '{}', 'delete', 10,
   'Views of your resumes waiting for the hourly notice.'),
  ('private.job_posting_expiries', null, 't.job_id in (select j.id from public.job_postings j where j.recruiter_id = $1)', '{}', '{}', 'delete', 10,
   'When your open postings expire (for the expiry notice).'),
  ('private.job_posting_visitors', null, 't.job_id in (select j.id from public.job_postings j where j.recruiter_id = $1)', '{}', '{}', 'delete', 10,
   'Keyed hashes of today''s viewers of your postings (no IP, no user id), forgotten daily.'),
  ('private.account_erasures', null, 't.user_id = $1', '{}', '{}', 'kept', 10,
   'The erasure itself: the user id is kept only until the auth user and every file are gone, then cleared; when it was asked and finished stays.'),
  ('private.stored_file_deletions', null, 't.erasure_id in (select e.id from private.account_erasures e where e.user_id = $1)', '{}', '{}', 'kept', 10,
   'Stored files still to delete (random keys, no personal data); each row goes when its file is gone.');


-- Deleting a row that names stored files queues them (its table's file_columns).
create or replace function private.queue_stored_files()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  erasure bigint := nullif(current_setting('previewcv.erasure_id', true), '')::bigint;
begin
  insert into private.stored_file_deletions as q (storage_key, erasure_id)
  select to_jsonb(old) ->> c.name, erasure
    from private.personal_data d
   cross join lateral unnest(d.file_columns) as c(name)
   where d.relation = tg_relid and to_jsonb(old) ->> c.name is not null
  on conflict (storage_key) do update set erasure_id = coalesce(q.erasure_id, excluded.erasure_id);
  return null;
end;
$$;
comment on function private.queue_stored_files() is
  'Trigger after delete on a table with file_columns in private.personal_data: queues its stored files for deletion (private.stored_file_deletions), tied to the erasure under way if any. Security definer: whoever deletes the row cannot write the queue.';

create trigger resumes_queue_stored_files
  after delete on public.resumes
  for each row execute function private.queue_stored_files();

-- Before a profile goes: what others keep, they keep without the person -------------------
create or replace function private.forget_person()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  previous_claims text := nullif(current_setting('request.jwt.claims', true), '');
  told uuid[];
begin
  -- Who heard of this person's applications: the recruiters of the jobs they applied to.
  select coalesce(array_agg(distinct j.recruiter_id) filter (where j.recruiter_id is not null), '{}') into told
    from public.job_applications a join public.job_postings j on j.id = a.job_id
   where a.candidate_id = old.id;

  -- As the person: their open applications are withdrawn along the pipeline (history,
  -- and the recruiter is told), and their postings that have applications are closed
  -- (the candidates are told).
  perform set_config('request.jwt.claims', jsonb_build_object('sub', old.id, 'role', 'authenticated')::text, true);
  update public.job_applications a set status = 'withdrawn'
   where a.candidate_id = old.id and a.status in ('pending', 'reviewed', 'shortlisted');
  update public.job_postings j set is_active = false
   where j.recruiter_id = old.id and j.is_active
     and exists (select 1 from public.job_applications a where a.job_id = j.id);
  perform set_config('request.jwt.claims', coalesce(previous_claims, '{}'), true);

  -- The applications stay, without the person.
  update public.job_applications a
     set candidate_id = null, candidate_erased_at = now(), cover_letter = null,
         resume_deleted_at = case when a.resume_id is not null then now() else a.resume_deleted_at end,
         resume_id = null
   where a.candidate_id = old.id;
  -- Postings with applications stay for the candidates, without their recruiter; the
  -- others go with the profile (foreign key cascade).
  update public.job_postings j set recruiter_id = null
   where j.recruiter_id = old.id
     and exists (select 1 from public.job_applications a where a.job_id = j.id);

  -- The person's id out of what the other party was told, and out of queued events.
  update public.notifications n set data = n.data || jsonb_build_object('candidate_id', null)
   where n.user_id = any(told) and n.data ->> 'candidate_id' = old.id::text;
  update public.webhook_deliveries d set payload = jsonb_set(d.payload, '{data,candidate_id}', 'null'::jsonb)
   where d.user_id = any(told) and d.payload -> 'data' ->> 'candidate_id' = old.id::text;
  update private.events e
     set actor_id = case when e.actor_id = old.id then null else e.actor_id end,
         data = case when e.data ->> 'candidate_id' = old.id::text then e.data || jsonb_build_object('candidate_id', null) else e.data end
   where e.actor_id = old.id or e.data ->> 'candidate_id' = old.id::text;
  return old;
end;
$$;
comment on function private.forget_person() is
  'Trigger before a profile is deleted (an erasure, or an auth user deleted in the dashboard): withdraws the person''s open applications and closes their postings that have applications, as them; keeps every application without the candidate (candidate_erased_at) and those postings without their recruiter; removes their id from the other party''s notifications and webhook payloads and from queued events.';

create trigger profiles_forget_person
  before delete on public.profiles
  for each row execute function private.forget_person();

-- Erasure ----------------------------------------------------------------------------

-- Completes an erasure once the auth user and every file are gone: it forgets the user.
create or replace function private.settle_account_erasure(target_erasure_id bigint)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  settled text;
begin
  update private.account_erasures e
     set completed_at = now(), user_id = null, last_error = null
   where e.id = target_erasure_id and e.completed_at is null and e.auth_user_deleted_at is not null
     and not exists (select 1 from private.stored_file_deletions f where f.erasure_id = e.id);
  select case when e.completed_at is null then 'pending' else 'completed' end into settled
    from private.account_erasures e where e.id = target_erasure_id;
  return settled;
end;
$$;
comment on function private.settle_account_erasure(bigint) is
  'Marks an erasure completed (and clears its user id) once its auth user and every file are gone; returns pending or completed.';

-- The erasure itself, for any account: disable it, delete what is the person's, queue
-- their files. Admins run it from the SQL editor (select * from private.erase_account('<id>');)
-- and the worker finishes the job; the servers run it through begin_account_erasure.
create or replace function private.erase_account(target_user_id uuid, requested_by text default 'admin')
returns table (erasure_id bigint, status text, storage_keys text[])
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  pending record;
  subject_email text;
  addresses text[];
  entry record;
  erasure bigint;
  previous_claims text := nullif(current_setting('request.jwt.claims', true), '');
  account_found boolean;
begin
  -- The auth user's row lock makes two erasures of one account wait for each other: the
  -- second then finds the first's erasure.
  select u.email into subject_email from auth.users u where u.id = target_user_id for update;
  account_found := found;
  select e.id into pending from private.account_erasures e where e.user_id = target_user_id for update;
  if pending.id is not null then
    return query select pending.id, 'pending'::text,
      array(select f.storage_key from private.stored_file_deletions f where f.erasure_id = pending.id order by 1);
    return;
  end if;
  if not account_found then
    return; -- no such account: nothing
  end if;
  perform 1 from public.profiles p where p.id = target_user_id for update;

  select coalesce(array_agg(distinct host(s.ip)) filter (where s.ip is not null), '{}') into addresses
    from auth.sessions s where s.user_id = target_user_id;
  insert into private.account_erasures (user_id, requested_by) values (target_user_id, requested_by) returning id into erasure;
  perform set_config('previewcv.erasure_id', erasure::text, true);
  -- Everything below runs as the person (the triggers' auth.uid()): their withdrawals
  -- are theirs in the history.
  perform set_config('request.jwt.claims', jsonb_build_object('sub', target_user_id, 'role', 'authenticated')::text, true);

  -- Disabled at once, whatever happens after: refused by every policy, banned in
  -- Supabase Auth, every session ended.
  update public.profiles p set is_active = false where p.id = target_user_id;
  update auth.users u set banned_until = now() + interval '100 years' where u.id = target_user_id;
  delete from auth.sessions s where s.user_id = target_user_id;

  -- The person's rows, children first, the profile last (private.forget_person).
  for entry in select d.relation, d.subject_rows from private.personal_data d where d.on_erasure = 'delete' order by d.erase_order, d.relation::text loop
    execute format('delete from %s as t where %s', entry.relation, entry.subject_rows) using target_user_id, coalesce(subject_email, ''), addresses;
  end loop;
  perform set_config('request.jwt.claims', coalesce(previous_claims, '{}'), true);
  perform set_config('previewcv.erasure_id', '', true);

  -- The servers delete the files right after; the worker waits a minute before it
  -- tries the same ones.
  update private.stored_file_deletions f set next_attempt_at = now() + interval '1 minute' where f.erasure_id = erasure;
  update private.account_erasures e
     set files_queued = (select count(*) from private.stored_file_deletions f where f.erasure_id = erasure),
         next_attempt_at = now() + interval '1 minute'
   where e.id = erasure;

  return query select erasure, 'pending'::text,
    array(select f.storage_key from private.stored_file_deletions f where f.erasure_id = erasure order by 1);
end;
$$;
comment on function private.erase_account(uuid, text) is
  'Admin (and the servers, through begin_account_erasure): erases an account. Disables it at once (is_active, Supabase Auth ban, sessions ended), deletes every row private.personal_data says is theirs (others'' records are kept without them: private.forget_person), queues their stored files, and records the erasure. Returns its id and the files to delete; the auth user and the files are deleted by the servers or, failing that, the worker. Nothing for an unknown account; the pending erasure for one already being erased. Example: select * from private.erase_account(''<user id>'');';

-- What the servers may know of an account before they erase it.
create or replace function private.account_erasure_state(target_user_id uuid, target_session_id uuid)
returns table (state text, erasure_id bigint, pending_files integer)
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(case when e.id is not null then 'erasing' end, private.account_state(target_user_id, target_session_id)),
         e.id,
         (select count(*)::integer from private.stored_file_deletions f where f.erasure_id = e.id)
    from (values (1)) as one (x)
    left join private.account_erasures e on e.user_id = target_user_id;
$$;
comment on function private.account_erasure_state(uuid, uuid) is
  'For the servers, about the caller whose token they verified: erasing (with the erasure and its files left), or private.account_state (active, no_account, deactivated, banned, signed_out, session_expired).';

-- The servers' entry point: the caller's own account, in a live session.
create or replace function private.begin_account_erasure(target_user_id uuid, target_session_id uuid)
returns table (erasure_id bigint, status text, storage_keys text[])
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from private.account_erasures e where e.user_id = target_user_id) then
    perform private.assert_account_may_act(target_user_id, target_session_id);
  end if;
  return query select * from private.erase_account(target_user_id, 'user');
end;
$$;
comment on function private.begin_account_erasure(uuid, uuid) is
  'The servers erase the caller''s account (private.erase_account) after checking their session and account (PT401/PT403, private.assert_account_may_act); an erasure under way is answered as it stands. Granted to previewcv_api only.';

-- Files: taken by the servers and the worker, deleted, recorded.
create or replace function private.claim_stored_file_deletions(batch_size integer, lease_seconds integer)
returns table (storage_key text, attempts integer)
language sql
security definer
set search_path = ''
as $$
  with due as (
    select f.storage_key from private.stored_file_deletions f
     where f.next_attempt_at <= now()
     order by f.next_attempt_at
     limit batch_size
       for update skip locked
  )
  update private.stored_file_deletions f
     set next_attempt_at = now() + make_interval(secs => lease_seconds)
    from due where f.storage_key = due.storage_key
  returning f.storage_key, f.attempts;
$$;
comment on function private.claim_stored_file_deletions(integer, integer) is
  'Worker: takes up to batch_size due file deletions (SKIP LOCKED) for lease_seconds: each is due again then unless recorded first.';

create or replace function private.record_stored_file_deletion(target_storage_key text, failure text, retry_in_seconds double precision)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  erasure bigint;
begin
  if failure is null then
    delete from private.stored_file_deletions f where f.storage_key = target_storage_key returning f.erasure_id into erasure;
    if erasure is not null then
      return private.settle_account_erasure(erasure);
    end if;
    return 'deleted';
  end if;
  update private.stored_file_deletions f
     set attempts = f.attempts + 1, last_error = left(failure, 500),
         next_attempt_at = now() + make_interval(secs => greatest(retry_in_seconds, 0))
   where f.storage_key = target_storage_key;
  return 'retry';
end;
$$;
comment on function private.record_stored_file_deletion(text, text, double precision) is
  'Servers and worker: a queued file was deleted (failure null: the row goes, and its erasure completes if that was the last thing), or could not be (tried again in retry_in_seconds). Returns deleted, retry, or the erasure''s pending/completed.';

-- Auth users: deleted through Supabase Auth's admin API by the servers and the worker.
create or replace function private.claim_auth_user_deletions(batch_size integer, lease_seconds integer)
returns table (erasure_id bigint, user_id uuid, attempts integer)
language sql
security definer
set search_path = ''
as $$
  with due as (
    select e.id from private.account_erasures e
     where e.auth_user_deleted_at is null and e.completed_at is null and e.next_attempt_at <= now()
     order by e.next_attempt_at
     limit batch_size
       for update skip locked
  )
  update private.account_erasures e
     set next_attempt_at = now() + make_interval(secs => lease_seconds)
    from due where e.id = due.id
  returning e.id, e.user_id, e.attempts;
$$;
comment on function private.claim_auth_user_deletions(integer, integer) is
  'Worker: takes up to batch_size erasures whose auth user is still to delete (SKIP LOCKED) for lease_seconds.';

create or replace function private.record_auth_user_deletion(target_erasure_id bigint, failure text, retry_in_seconds double precision)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  erasure record;
  problem text := failure;
begin
  select e.id, e.user_id into erasure from private.account_erasures e where e.id = target_erasure_id for update;
  if erasure.id is null then
    return null;
  end if;
  -- Supabase Auth's answer is believed only if the user is gone.
  if problem is null and exists (select 1 from auth.users u where u.id = erasure.user_id) then
    problem := 'Supabase Auth answered, yet the user is still there';
  end if;
  if problem is null then
    update private.account_erasures e set auth_user_deleted_at = coalesce(e.auth_user_deleted_at, now()), last_error = null
     where e.id = target_erasure_id;
    return private.settle_account_erasure(target_erasure_id);
  end if;
  update private.account_erasures e
     set attempts = e.attempts + 1, last_error = left(problem, 500),
         next_attempt_at = now() + make_interval(secs => greatest(retry_in_seconds, 0))
   where e.id = target_erasure_id;
  return 'pending';
end;
$$;
comment on function private.record_auth_user_deletion(bigint, text, double precision) is
  'Servers and worker: Supabase Auth deleted the erasure''s user (failure null; checked against auth.users), or could not (tried again in retry_in_seconds). Returns the erasure''s pending/completed.';

grant execute on function
  private.account_erasure_state(uuid, uuid),
  private.begin_account_erasure(uuid, uuid),
  private.claim_stored_file_deletions(integer, integer),
  private.record_stored_file_deletion(text, text, double precision),
  private.claim_auth_user_deletions(integer, integer),
  private.record_auth_user_deletion(bigint, text, double precision)
  to previewcv_api;

-- Export ------------------------------------------------------------------------------

-- Everything private.personal_data says is the subject's, as one document.
create or replace function private.personal_data_of(subject uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  subject_email text;
  addresses text[];
  entry record;
  found_rows jsonb;
  data jsonb := '{}';
  about jsonb := '{}';
  files jsonb := '[]';
  column_name text;
  ordering text;
begin
  select u.email into subject_email from auth.users u where u.id = subject;
  select coalesce(array_agg(distinct host(s.ip)) filter (where s.ip is not null), '{}') into addresses
    from auth.sessions s where s.user_id = subject;
  for entry in select d.* from private.personal_data d order by d.relation::text loop
    ordering := case when exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = entry.relation and a.attname = 'id' and not a.attisdropped)
                     then 't.id' else '1' end;
    if entry.export_as is not null then
      execute format('select coalesce(jsonb_agg(to_jsonb(t) - $4 order by %s), ''[]'') from %s as t where %s', ordering, entry.relation, entry.subject_rows)
        into found_rows using subject, coalesce(subject_email, ''), addresses, entry.hidden_columns;
      data := data || jsonb_build_object(entry.export_as, found_rows);
      about := about || jsonb_build_object(entry.export_as, entry.about);
    end if;
    foreach column_name in array entry.file_columns loop
      execute format(
        'select coalesce(jsonb_agg(jsonb_build_object(''source'', %L, ''row_id'', to_jsonb(t) -> ''id'', ''column'', %L, ''storage_key'', to_jsonb(t) ->> %L) order by %s), ''[]'')'
        ' from %s as t where (%s) and to_jsonb(t) ->> %L is not null',
        coalesce(entry.export_as, entry.relation::text), column_name, column_name, ordering, entry.relation, entry.subject_rows, column_name)
        into found_rows using subject, coalesce(subject_email, ''), addresses;
      files := files || found_rows;
    end loop;
  end loop;

  return jsonb_build_object(
    'format', 'previewcv-export/1',
    'generated_at', private.iso_utc(now()),
    'user_id', subject,
    'data', data,
    -- Per resume, what the owner's analytics show (computed from the rows above).
    'resume_analytics', coalesce((
      select jsonb_agg(jsonb_build_object(
               'resume_id', r.id,
               'total_views', coalesce((select sum(v.views) from public.resume_view_counters v where v.resume_id = r.id), 0),
               'unique_visitors', (select count(distinct l.ip_address) from public.resume_access_logs l where l.resume_id = r.id),
               'last_accessed_at', (select max(v.last_viewed_at) from public.resume_view_counters v where v.resume_id = r.id)
             ) order by r.id)
        from public.resumes r where r.user_id = subject), '[]'::jsonb),
    'files', files,
    'about', about
  );
end;
$$;
comment on function private.personal_data_of(uuid) is
  'The export document of one user: every row private.personal_data names as theirs (secrets left out), per-resume analytics, their stored files (keys; the facade adds signed download links) and what each section is. For admins answering an access request: select private.personal_data_of(''<user id>'');';

create or replace function public.export_my_data()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select case when (select auth.uid()) is not null and (select private.caller_may_act())
              then private.personal_data_of((select auth.uid())) end;
$$;
comment on function public.export_my_data() is
  'Everything stored about the caller, as one JSON document (supabase.rpc(''export_my_data'')): every table private.personal_data lists, secrets left out, the storage keys of their files (GET /api/v1/me/export adds short-lived signed links). Null for a caller who may not act. Security definer because part of it (sessions, the admin log, the account) is in tables no API role may read; it reads the caller''s own rows only.';
grant execute on function public.export_my_data() to authenticated;
