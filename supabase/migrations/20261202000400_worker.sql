-- The worker's functions (src/worker): Postgres is its queue. Each task is one of these
-- functions, run by the worker with the servers' own login role (previewcv_api, locally
-- and hosted), which may execute them and nothing else: no table access, no switch to
-- service_role. Each takes its rows with FOR UPDATE SKIP LOCKED,
-- so any number of workers can run them at once without taking the same row twice.
--
--   private.worker_fan_out_events(n)           events -> notifications + deliveries
--   private.worker_batch_resume_views(n)        views -> at most one notice per resume per hour
--   private.worker_emit_expired_postings(n)     postings past expires_at -> job_posting.expired, once
--   private.worker_claim_webhook_deliveries     take due deliveries under a lease
--   private.worker_record_webhook_attempt       record an attempt: done, retry later, or failed
--   private.worker_release_webhook_deliveries   hand back leases not used (shutdown)
--   private.worker_webhook_secrets_to_rewrap / private.worker_rewrap_webhook_secret
--                                               re-seal secrets under the servers' newest key
--
-- Transactional tasks (the first three) hold their rows for one transaction: a worker
-- killed in the middle rolls back and the rows are taken again. A webhook delivery has
-- an effect outside the database, so it is held by a lease instead: claiming moves
-- next_attempt_at to the end of the lease, and a worker that dies before recording the
-- attempt loses nothing: the delivery is due again when the lease ends, and goes out with
-- the same webhook-id (receivers dedupe on it).
--
-- Adding a task (e.g. data retention): a function here that takes at most n rows with
-- SKIP LOCKED and returns how many it did, granted to previewcv_api, and one line in
-- src/worker/tasks.ts.

-- Telling an event --------------------------------------------------------------------

-- Writes the notifications and webhook deliveries of one event. Who hears of it:
--   resume.viewed                the resume's owner
--   application.*                the job's recruiter and the candidate (webhooks); in the
--                                app, the other party than the one who made the change
--   job_posting.closed/expired   the recruiter and the candidates whose applications were
--                                still open (in the app: everyone but who closed it)
create or replace function private.publish_event(
  event_type public.event_type,
  occurred_at timestamptz,
  actor_id uuid,
  event_data jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  data jsonb := event_data;
  audience uuid[];      -- their endpoints get the webhook
  told uuid[];          -- they get the notification
  title text;
  body text;
  job record;
  resume record;
  views integer;
begin
  case event_type
    when 'resume.viewed' then
      select r.id, r.user_id, r.resume_name into resume from public.resumes r where r.id = (data ->> 'resume_id')::bigint;
      if resume.id is null then return; end if;
      views := (data ->> 'view_count')::integer;
      data := data || jsonb_build_object('resume_name', resume.resume_name);
      audience := array[resume.user_id];
      told := audience;
      title := 'Your resume was viewed';
      body := format('"%s" was viewed %s %s.', left(resume.resume_name, 200), views, case when views = 1 then 'time' else 'times' end);

    when 'application.created', 'application.status_changed', 'application.withdrawn' then
      select j.id, j.title, j.recruiter_id into job from public.job_postings j where j.id = (data ->> 'job_id')::bigint;
      if job.id is null then return; end if;
      data := data || jsonb_build_object('job_title', job.title);
      audience := array[job.recruiter_id, (data ->> 'candidate_id')::uuid];
      if event_type = 'application.created' then
        told := array[job.recruiter_id];
        title := 'New application';
        body := format('Someone applied to "%s".', left(job.title, 200));
      elsif event_type = 'application.withdrawn' then
        told := array[job.recruiter_id];
        title := 'Application withdrawn';
        body := format('An applicant withdrew their application to "%s".', left(job.title, 200));
      else
        told := array[(data ->> 'candidate_id')::uuid];
        title := 'Your application moved on';
        body := format('Your application to "%s" is now %s.', left(job.title, 200), data ->> 'to_status');
      end if;

    when 'job_posting.closed', 'job_posting.expired' then
      select j.id, j.title, j.recruiter_id, j.is_active, j.expires_at into job from public.job_postings j where j.id = (data ->> 'job_id')::bigint;
      if job.id is null then return; end if;
      -- An expiry announced late must still be true: the posting was not closed or extended meanwhile.
      if event_type = 'job_posting.expired' and not (job.is_active and job.expires_at <= now()) then return; end if;
      data := data || jsonb_build_object('title', job.title);
      audience := array[job.recruiter_id] || array(
        select a.candidate_id from public.job_applications a
         where a.job_id = job.id and a.status in ('pending', 'reviewed', 'shortlisted'));
      told := audience;
      title := case when event_type = 'job_posting.closed' then 'Posting closed' else 'Posting expired' end;
      body := case when event_type = 'job_posting.closed'
                   then format('"%s" is no longer open.', left(job.title, 200))
                   else format('"%s" has expired.', left(job.title, 200)) end;
  end case;

  -- A deactivated account hears of nothing, in the app or at its endpoints.
  insert into public.notifications (user_id, type, title, body, data)
  select distinct u, event_type::text::public.notification_type, title, body, data
    from unnest(told) as u
    join public.profiles p on p.id = u and p.is_active
   where u is distinct from actor_id;

  insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload)
  select e.id, e.user_id, event_type,
         jsonb_build_object('type', event_type, 'timestamp', private.iso_utc(occurred_at), 'data', data)
    from public.webhook_endpoints e
    join public.profiles p on p.id = e.user_id and p.is_active
   where e.user_id = any(audience) and e.is_active and event_type = any(e.event_types);
end;
$$;
comment on function private.publish_event(public.event_type, timestamptz, uuid, jsonb) is
  'Writes the notifications and the webhook deliveries of one event (see the comment above it for who hears of what). Called by the worker''s functions.';

create or replace function private.worker_fan_out_events(batch_size integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  taken record;
  told integer := 0;
begin
  for taken in
    with due as (
      select e.id from private.events e order by e.id limit batch_size for update skip locked
    )
    delete from private.events e using due where e.id = due.id
    returning e.type, e.occurred_at, e.actor_id, e.data
  loop
    perform private.publish_event(taken.type, taken.occurred_at, taken.actor_id, taken.data);
    told := told + 1;
  end loop;
  return told;
end;
$$;
comment on function private.worker_fan_out_events(integer) is
  'Worker task: tells up to batch_size events (notifications and webhook deliveries) and deletes them, in one transaction. Returns how many.';

-- Views: fold what the public fetch queued into each resume's batch, then announce
-- every batch that is due (at most one notice per resume per private.view_notice_interval()).
create or replace function private.worker_batch_resume_views(batch_size integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  folded integer;
  due record;
  announced integer := 0;
begin
  with taken as (
    delete from private.pending_resume_views p
     where p.ctid = any(array(select q.ctid from private.pending_resume_views q limit batch_size for update skip locked))
    returning p.resume_id, p.viewed_at
  ), per_resume as (
    select t.resume_id, count(*)::integer as views, min(t.viewed_at) as first_at, max(t.viewed_at) as last_at
      from taken t
      join public.resumes r on r.id = t.resume_id -- views of resumes deleted since are dropped
     group by t.resume_id
  ), folded_into as (
    insert into private.resume_view_batches as b (resume_id, pending_views, first_pending_at, last_pending_at, due_at)
    select v.resume_id, v.views, v.first_at, v.last_at, now() from per_resume v
    order by v.resume_id -- one lock order for every worker
    on conflict (resume_id) do update
      set pending_views = b.pending_views + excluded.pending_views,
          first_pending_at = coalesce(b.first_pending_at, excluded.first_pending_at),
          last_pending_at = greatest(b.last_pending_at, excluded.last_pending_at),
          due_at = coalesce(b.due_at, greatest(now(), b.last_notified_at + private.view_notice_interval()))
    returning 1
  )
  select (select count(*) from taken)::integer into folded;

  for due in
    select b.resume_id, b.pending_views, b.first_pending_at, b.last_pending_at
      from private.resume_view_batches b
     where b.due_at <= now()
     order by b.due_at
     limit batch_size
       for update skip locked
  loop
    update private.resume_view_batches b
       set pending_views = 0, first_pending_at = null, last_pending_at = null, due_at = null, last_notified_at = now()
     where b.resume_id = due.resume_id;
    perform private.publish_event('resume.viewed', due.last_pending_at, null, jsonb_build_object(
      'resume_id', due.resume_id, 'view_count', due.pending_views,
      'first_viewed_at', private.iso_utc(due.first_pending_at), 'last_viewed_at', private.iso_utc(due.last_pending_at)));
    announced := announced + 1;
  end loop;
  return folded + announced;
end;
$$;
comment on function private.worker_batch_resume_views(integer) is
  'Worker task: folds up to batch_size queued views into their resumes'' batches and announces up to batch_size due batches as resume.viewed events (count included). Returns how many views and batches it handled.';

create or replace function private.worker_emit_expired_postings(batch_size integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  expired record;
  emitted integer := 0;
begin
  for expired in
    with due as (
      select x.job_id from private.job_posting_expiries x
       where x.expires_at <= now()
       order by x.expires_at
       limit batch_size
         for update skip locked
    )
    delete from private.job_posting_expiries x using due where x.job_id = due.job_id
    returning x.job_id, x.expires_at
  loop
    perform private.publish_event('job_posting.expired', expired.expires_at, null,
      jsonb_build_object('job_id', expired.job_id, 'expired_at', private.iso_utc(expired.expires_at)));
    emitted := emitted + 1;
  end loop;
  return emitted;
end;
$$;
comment on function private.worker_emit_expired_postings(integer) is
  'Worker task: emits job_posting.expired, once, for up to batch_size postings whose expires_at has passed. Returns how many.';

-- Webhook deliveries -----------------------------------------------------------------

create or replace function private.worker_claim_webhook_deliveries(batch_size integer, lease_seconds integer)
returns table (
  delivery_id bigint,
  lease_token uuid,
  webhook_id text,
  attempt_number integer,
  payload jsonb,
  endpoint_id bigint,
  user_id uuid,
  url text,
  secret_ciphertext bytea,
  secret_key_id text,
  previous_secret_ciphertext bytea,
  previous_secret_key_id text
)
language sql
security definer
set search_path = ''
as $$
  with due as (
    select d.id from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id
     where d.status = 'pending' and d.next_attempt_at <= now() and e.is_active
     order by d.next_attempt_at
     limit batch_size
       for update of d skip locked
  ), claimed as (
    update public.webhook_deliveries d
       set lease_token = gen_random_uuid(),
           attempt_count = d.attempt_count + 1,
           next_attempt_at = now() + make_interval(secs => lease_seconds)
      from due where d.id = due.id
    returning d.id, d.lease_token, d.webhook_id, d.attempt_count, d.payload, d.endpoint_id
  )
  select c.id, c.lease_token, c.webhook_id, c.attempt_count, c.payload, e.id, e.user_id, e.url,
         e.secret_ciphertext, e.secret_key_id,
         case when e.previous_secret_expires_at > now() then e.previous_secret_ciphertext end,
         case when e.previous_secret_expires_at > now() then e.previous_secret_key_id end
    from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id;
$$;
comment on function private.worker_claim_webhook_deliveries(integer, integer) is
  'Worker: takes up to batch_size due deliveries (SKIP LOCKED) under a lease of lease_seconds: each is due again when the lease ends unless its attempt is recorded first. Returns what to send and the sealed secrets to sign it with.';

-- Switches an endpoint off (410 Gone, or a day of failures) and tells its owner.
create or replace function private.disable_webhook_endpoint(target_endpoint_id bigint, reason text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  endpoint record;
begin
  update public.webhook_endpoints e set is_active = false, disabled_reason = reason
   where e.id = target_endpoint_id and e.is_active
  returning e.id, e.user_id, e.url into endpoint;
  if endpoint.id is null then return; end if;
  insert into public.notifications (user_id, type, title, body, data)
  values (endpoint.user_id, 'webhook_endpoint.disabled', 'Webhook endpoint switched off',
    format('Deliveries to %s stopped: %s. Switch the endpoint on again once it answers.',
      left(substring(endpoint.url from '^[a-z]+://([^/?#]+)'), 200),
      case reason when 'gone' then 'it answered 410 Gone' else 'it has failed every delivery for a day' end),
    jsonb_build_object('endpoint_id', endpoint.id, 'reason', reason));
end;
$$;
comment on function private.disable_webhook_endpoint(bigint, text) is 'Switches an endpoint off (reason gone or failing) and notifies its owner in the app. Called by private.worker_record_webhook_attempt.';

create or replace function private.worker_record_webhook_attempt(
  target_delivery_id bigint,
  claimed_lease uuid,
  claimed_attempt integer,       -- the attempt_number the claim returned
  outcome text,                  -- succeeded | retry | gone
  answered_status integer,
  failure text,
  took_ms integer,
  answered_body text,
  retry_in_seconds double precision,
  retry_window_seconds integer
)
returns public.webhook_delivery_status
language plpgsql
security definer
set search_path = ''
as $$
declare
  delivery record;
  endpoint record;
  next_status public.webhook_delivery_status;
begin
  if outcome not in ('succeeded', 'retry', 'gone') then
    raise exception 'unknown outcome %', outcome using errcode = '22023';
  end if;
  -- Locks are taken endpoint first, then delivery, as when an endpoint is switched off
  -- (which fails its pending deliveries): two transactions never wait on each other.
  select d.endpoint_id, d.user_id into delivery from public.webhook_deliveries d where d.id = target_delivery_id;
  if delivery.endpoint_id is null then
    return null; -- deleted meanwhile (its endpoint was deleted)
  end if;
  if outcome = 'succeeded' then
    update public.webhook_endpoints e set last_success_at = now()
     where e.id = delivery.endpoint_id and (e.last_success_at is null or e.last_success_at < now() - interval '5 seconds');
  else
    perform 1 from public.webhook_endpoints e where e.id = delivery.endpoint_id for no key update;
  end if;
  select d.* into delivery from public.webhook_deliveries d where d.id = target_delivery_id for update;

  insert into public.webhook_delivery_attempts (delivery_id, user_id, attempt_number, duration_ms, status_code, error, response_body)
  values (delivery.id, delivery.user_id, claimed_attempt, took_ms, answered_status, left(failure, 500), left(answered_body, 2000));

  -- A lease that ran out and was taken again (or a delivery failed meanwhile) belongs
  -- to its new state: the attempt is recorded, nothing else changes.
  if delivery.lease_token is distinct from claimed_lease or delivery.status <> 'pending' then
    return delivery.status;
  end if;

  if outcome = 'succeeded' then
    next_status := 'succeeded';
  elsif outcome = 'gone' or now() + make_interval(secs => retry_in_seconds) > delivery.window_started_at + make_interval(secs => retry_window_seconds) then
    next_status := 'failed';
  else
    next_status := 'pending';
  end if;

  update public.webhook_deliveries d
     set status = next_status,
         lease_token = null,
         next_attempt_at = case when next_status = 'pending' then now() + make_interval(secs => retry_in_seconds) else d.next_attempt_at end,
         last_attempt_at = now(),
         last_status_code = answered_status,
         last_error = left(failure, 500),
         delivered_at = case when next_status = 'succeeded' then now() end
   where d.id = delivery.id;

  if outcome = 'gone' then
    perform private.disable_webhook_endpoint(delivery.endpoint_id, 'gone');
  elsif next_status = 'failed' then
    -- Retried for the whole window, and nothing reached the endpoint since it began.
    select e.last_success_at into endpoint from public.webhook_endpoints e where e.id = delivery.endpoint_id;
    if endpoint.last_success_at is null or endpoint.last_success_at < delivery.window_started_at then
      perform private.disable_webhook_endpoint(delivery.endpoint_id, 'failing');
    end if;
  end if;
  return next_status;
end;
$$;
comment on function private.worker_record_webhook_attempt(bigint, uuid, integer, text, integer, text, integer, text, double precision, integer) is
  'Worker: records one attempt and moves the delivery on: succeeded (2xx), pending again in retry_in_seconds, or failed (410 Gone, or the retry would fall past the window). 410, or a failed delivery with no success to the endpoint since its window began, switches the endpoint off and notifies its owner. An expired lease records the attempt only.';

create or replace function private.worker_release_webhook_deliveries(lease_tokens uuid[])
returns integer
language sql
security definer
set search_path = ''
as $$
  with released as (
    update public.webhook_deliveries d
       set lease_token = null, next_attempt_at = now(), attempt_count = greatest(d.attempt_count - 1, 0)
     where d.lease_token = any(lease_tokens) and d.status = 'pending'
    returning 1
  )
  select count(*)::integer from released;
$$;
comment on function private.worker_release_webhook_deliveries(uuid[]) is
  'Worker: hands back deliveries it claimed and did not attempt (a worker stopping): due at once, for any worker.';

-- The servers' key rotation: the worker re-seals secrets still under an older key.
create or replace function private.worker_webhook_secrets_to_rewrap(current_key_id text, batch_size integer)
returns table (
  endpoint_id bigint,
  user_id uuid,
  secret_ciphertext bytea,
  secret_key_id text,
  previous_secret_ciphertext bytea,
  previous_secret_key_id text
)
language sql
security definer
set search_path = ''
as $$
  select e.id, e.user_id, e.secret_ciphertext, e.secret_key_id, e.previous_secret_ciphertext, e.previous_secret_key_id
    from public.webhook_endpoints e
   where e.secret_key_id <> current_key_id
      or (e.previous_secret_key_id is not null and e.previous_secret_key_id <> current_key_id)
   order by e.id
   limit batch_size;
$$;
comment on function private.worker_webhook_secrets_to_rewrap(text, integer) is
  'Worker: endpoints whose secrets are sealed under another key than current_key_id (the servers'' key rotation).';

create or replace function private.worker_rewrap_webhook_secret(
  target_endpoint_id bigint,
  sealed_under text,
  resealed_secret bytea,
  previous_sealed_under text,
  resealed_previous bytea,
  current_key_id text
)
returns boolean
language sql
security definer
set search_path = ''
as $$
  -- Only if nothing changed since it was read (a rotation of the endpoint's own secret).
  update public.webhook_endpoints e
     set secret_ciphertext = resealed_secret, secret_key_id = current_key_id,
         previous_secret_ciphertext = resealed_previous,
         previous_secret_key_id = case when resealed_previous is null then null else current_key_id end
   where e.id = target_endpoint_id
     and e.secret_key_id = sealed_under
     and e.previous_secret_key_id is not distinct from previous_sealed_under
  returning true;
$$;
comment on function private.worker_rewrap_webhook_secret(bigint, text, bytea, text, bytea, text) is
  'Worker: stores an endpoint''s secrets re-sealed under current_key_id, unless they changed since they were read.';

-- The servers' login role runs these without switching role (like the public fetch).
grant execute on function
  private.worker_fan_out_events(integer),
  private.worker_batch_resume_views(integer),
  private.worker_emit_expired_postings(integer),
  private.worker_claim_webhook_deliveries(integer, integer),
  private.worker_record_webhook_attempt(bigint, uuid, integer, text, integer, text, integer, text, double precision, integer),
  private.worker_release_webhook_deliveries(uuid[]),
  private.worker_webhook_secrets_to_rewrap(text, integer),
  private.worker_rewrap_webhook_secret(bigint, text, bytea, text, bytea, text)
  to previewcv_api;
