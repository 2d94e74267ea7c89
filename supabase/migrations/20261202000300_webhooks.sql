-- Webhooks: endpoints users register for chosen event types, the deliveries the worker
-- makes to them (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature),
-- and every attempt of every delivery.
--
-- Who may do what:
--   * creating an endpoint, changing its URL and rotating its secret go through the
--     /api/v1 facade only (private functions, which the Data API does not expose): the
--     facade checks the URL against the SSRF rules (it resolves the host; the database
--     cannot) and encrypts the secret with the servers' key before it is stored;
--   * the owner reads their endpoints (never the secret), renames them, changes their
--     event types, switches them off and on, deletes them, reads every delivery and
--     attempt, and asks for a redelivery (public.redeliver_webhook), through supabase-js
--     or the facade;
--   * the worker claims deliveries, records attempts, and switches off endpoints that
--     answer 410 Gone or keep failing (migration 20261202000400).

create type public.webhook_delivery_status as enum ('pending', 'succeeded', 'failed');
comment on type public.webhook_delivery_status is 'pending: to be (re)tried; succeeded: a 2xx answer; failed: retried for the whole window, answered 410, or its endpoint was switched off.';

create table public.webhook_endpoints (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  url text not null
    -- http(s), a host without credentials, no spaces, at most 2,000 characters. HTTPS and
    -- the address rules (no loopback, private or metadata addresses) are the facade's
    -- and the worker's to check: they depend on the servers' allow-list and on DNS.
    constraint webhook_endpoints_url_shape check (char_length(url) <= 2000 and url ~ '^https?://[^/?#@[:space:]]+([/?#][^[:space:]]*)?$'),
  description text constraint webhook_endpoints_description_length check (char_length(description) <= 500),
  event_types public.event_type[] not null
    constraint webhook_endpoints_event_types_not_empty check (cardinality(event_types) >= 1),
  is_active boolean not null default true,
  disabled_reason text constraint webhook_endpoints_disabled_reason_known check (disabled_reason in ('gone', 'failing')),
  disabled_at timestamptz,
  last_success_at timestamptz,
  -- AES-256-GCM under one of the servers' keys (WEBHOOK_SECRET_KEYS): 12-byte IV,
  -- ciphertext, 16-byte tag. A dump of the database alone does not yield the secret.
  secret_ciphertext bytea not null constraint webhook_endpoints_secret_sealed check (octet_length(secret_ciphertext) >= 12 + 16 + 24),
  secret_key_id text not null,
  -- The secret before the last rotation, still signing beside the new one until
  -- previous_secret_expires_at (Standard Webhooks' zero-downtime rotation).
  previous_secret_ciphertext bytea,
  previous_secret_key_id text,
  previous_secret_expires_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index webhook_endpoints_user_id_created_at_idx on public.webhook_endpoints (user_id, created_at desc);
-- The servers' key rotation re-encrypts the rows under an older key.
create index webhook_endpoints_secret_key_id_idx on public.webhook_endpoints (secret_key_id);

comment on table public.webhook_endpoints is
  'HTTPS endpoints a user registered for chosen event types. Created and re-pointed through the /api/v1 facade only (the URL is checked against the SSRF rules there and at every delivery); the owner reads, edits, switches off and deletes their own. The secret is never readable through the API.';
comment on column public.webhook_endpoints.url is 'Where deliveries are POSTed. Checked at registration and again before every delivery: https, at most 2,000 characters, no loopback, private, link-local, CGNAT, unique-local, multicast or metadata address (except the servers'' WEBHOOK_ALLOWED_HOSTS).';
comment on column public.webhook_endpoints.event_types is 'The event types delivered to this endpoint.';
comment on column public.webhook_endpoints.is_active is 'False: nothing is delivered (pending deliveries fail). Switched off by the owner, or by the worker on 410 Gone (disabled_reason gone) or after a day of failures (failing); the owner may switch it on again.';
comment on column public.webhook_endpoints.last_success_at is 'When a delivery to it last succeeded (kept by the worker).';
comment on column public.webhook_endpoints.secret_ciphertext is 'The signing secret (whsec_...), sealed with AES-256-GCM under the servers'' key secret_key_id. Not granted to any API role.';

grant select (
  id, user_id, url, description, event_types, is_active, disabled_reason, disabled_at, last_success_at,
  previous_secret_expires_at, created_at, updated_at
) on public.webhook_endpoints to authenticated;
grant update (description, event_types, is_active) on public.webhook_endpoints to authenticated;
grant delete on public.webhook_endpoints to authenticated;

alter table public.webhook_endpoints enable row level security;

create trigger webhook_endpoints_set_updated_at
  before update on public.webhook_endpoints
  for each row execute function private.set_updated_at();

-- Switching on clears why it was off; switching off stamps when.
create or replace function private.stamp_webhook_endpoint_state()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.is_active and not old.is_active then
    new.disabled_reason := null;
    new.disabled_at := null;
  elsif not new.is_active and old.is_active then
    new.disabled_at := now();
  end if;
  return new;
end;
$$;
comment on function private.stamp_webhook_endpoint_state() is 'Trigger: keeps disabled_at and disabled_reason true when is_active changes.';

create trigger webhook_endpoints_stamp_state
  before update of is_active on public.webhook_endpoints
  for each row execute function private.stamp_webhook_endpoint_state();

-- At most this many endpoints per account.
create or replace function private.webhook_endpoint_limit()
returns integer
language sql
immutable
set search_path = ''
as $$ select 10 $$;
comment on function private.webhook_endpoint_limit() is 'How many webhook endpoints one account may have.';

-- Deliveries: one per event and endpoint. webhook-id stays the same for every attempt
-- and redelivery, so receivers can dedupe on it.
create table public.webhook_deliveries (
  id bigint generated always as identity primary key,
  endpoint_id bigint not null references public.webhook_endpoints (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  webhook_id text not null unique default ('msg_' || replace(gen_random_uuid()::text, '-', '')),
  event_type public.event_type not null,
  payload jsonb not null,
  status public.webhook_delivery_status not null default 'pending',
  attempt_count integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  window_started_at timestamptz not null default now(),
  lease_token uuid,
  last_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The worker's queue: pending deliveries by when they are next due.
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at) where status = 'pending';
-- One endpoint's deliveries, newest first (keyset by created_at, id).
create index webhook_deliveries_endpoint_id_created_at_idx on public.webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_user_id_idx on public.webhook_deliveries (user_id);

comment on table public.webhook_deliveries is
  'One event to one endpoint: the Standard Webhooks payload, its webhook-id, and where delivery stands. Retried with exponential backoff and full jitter for a day, then failed. Readable by the endpoint''s owner; written by the worker (and public.redeliver_webhook).';
comment on column public.webhook_deliveries.webhook_id is 'The webhook-id header: the same for every attempt and redelivery of this event to this endpoint (receivers dedupe on it).';
comment on column public.webhook_deliveries.payload is 'The body delivered: {"type", "timestamp", "data"} (Standard Webhooks).';
comment on column public.webhook_deliveries.next_attempt_at is 'When the worker next tries it. While a worker holds it, the end of that worker''s lease: a worker that dies loses nothing, the delivery is due again when the lease ends.';
comment on column public.webhook_deliveries.window_started_at is 'Start of the retry window (creation, or the last redelivery request): it is failed once a retry would fall beyond the window.';
comment on column public.webhook_deliveries.lease_token is 'The claim of the worker holding it (internal).';

grant select on public.webhook_deliveries to authenticated;

alter table public.webhook_deliveries enable row level security;

create trigger webhook_deliveries_set_updated_at
  before update on public.webhook_deliveries
  for each row execute function private.set_updated_at();

-- An endpoint switched off delivers nothing more: what was pending fails (the owner
-- can ask for a redelivery once it is on again).
create or replace function private.fail_deliveries_of_disabled_endpoint()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.webhook_deliveries d
     set status = 'failed', lease_token = null,
         last_error = coalesce(d.last_error || '; ', '') || 'endpoint switched off'
   where d.endpoint_id = new.id and d.status = 'pending';
  return null;
end;
$$;
comment on function private.fail_deliveries_of_disabled_endpoint() is 'Trigger: when an endpoint is switched off, its pending deliveries fail. Security definer: the owner may not write deliveries.';

create trigger webhook_endpoints_fail_pending_when_disabled
  after update of is_active on public.webhook_endpoints
  for each row when (old.is_active and not new.is_active)
  execute function private.fail_deliveries_of_disabled_endpoint();

-- Every attempt: when, how long, what came back (cut to 2,000 characters).
create table public.webhook_delivery_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references public.webhook_deliveries (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  attempt_number integer not null,
  attempted_at timestamptz not null default now(),
  duration_ms integer not null,
  status_code integer,
  error text constraint webhook_delivery_attempts_error_length check (char_length(error) <= 500),
  response_body text constraint webhook_delivery_attempts_response_body_length check (char_length(response_body) <= 2000)
);

create index webhook_delivery_attempts_delivery_id_idx on public.webhook_delivery_attempts (delivery_id, attempt_number);
create index webhook_delivery_attempts_user_id_idx on public.webhook_delivery_attempts (user_id);

comment on table public.webhook_delivery_attempts is
  'Every attempt of every webhook delivery: status code or error (timeout, connection closed, refused address), duration, the start of the answer. Readable by the owner; written by the worker.';
comment on column public.webhook_delivery_attempts.error is 'Why no answer counted: "timeout after 15000 ms", "connection closed", "refused: the host resolves to a loopback address"...';

grant select on public.webhook_delivery_attempts to authenticated;

alter table public.webhook_delivery_attempts enable row level security;

-- Functions the facade calls as the caller ---------------------------------------------

create or replace function private.create_webhook_endpoint(
  endpoint_url text,
  endpoint_event_types public.event_type[],
  endpoint_description text,
  sealed_secret bytea,
  sealed_with text
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  created bigint;
begin
  if caller is null or not private.caller_may_act() then
    raise exception 'sign in to register a webhook endpoint' using errcode = '42501';
  end if;
  -- One creation at a time per account, so the limit holds under concurrent requests.
  perform 1 from public.profiles p where p.id = caller for no key update;
  if (select count(*) from public.webhook_endpoints e where e.user_id = caller) >= private.webhook_endpoint_limit() then
    raise exception 'An account can have at most % webhook endpoints', private.webhook_endpoint_limit() using errcode = 'PT409';
  end if;
  insert into public.webhook_endpoints (user_id, url, event_types, description, secret_ciphertext, secret_key_id)
  values (caller, endpoint_url, endpoint_event_types, nullif(btrim(endpoint_description), ''), sealed_secret, sealed_with)
  returning id into created;
  return created;
end;
$$;
comment on function private.create_webhook_endpoint(text, public.event_type[], text, bytea, text) is
  'Registers an endpoint for the caller, with its secret sealed by the facade. Called by the /api/v1 facade as the caller after its SSRF checks (private: the Data API does not expose it). Security definer because no API role may write the secret columns.';
grant execute on function private.create_webhook_endpoint(text, public.event_type[], text, bytea, text) to authenticated;

create or replace function private.set_webhook_endpoint_url(target_endpoint_id bigint, endpoint_url text)
returns boolean
language sql
security definer
set search_path = ''
as $$
  update public.webhook_endpoints e set url = endpoint_url
   where e.id = target_endpoint_id and e.user_id = (select auth.uid()) and (select private.caller_may_act())
  returning true;
$$;
comment on function private.set_webhook_endpoint_url(bigint, text) is
  'Re-points one of the caller''s endpoints. Called by the facade after its SSRF checks (the URL is not writable through the Data API). Security definer because url is not granted to any API role. Null when the endpoint is not the caller''s.';
grant execute on function private.set_webhook_endpoint_url(bigint, text) to authenticated;

create or replace function private.rotate_webhook_endpoint_secret(
  target_endpoint_id bigint,
  sealed_secret bytea,
  sealed_with text,
  previous_valid_seconds integer
)
returns timestamptz
language sql
security definer
set search_path = ''
as $$
  update public.webhook_endpoints e
     set previous_secret_ciphertext = e.secret_ciphertext,
         previous_secret_key_id = e.secret_key_id,
         previous_secret_expires_at = now() + make_interval(secs => previous_valid_seconds),
         secret_ciphertext = sealed_secret,
         secret_key_id = sealed_with
   where e.id = target_endpoint_id and e.user_id = (select auth.uid()) and (select private.caller_may_act())
  returning e.previous_secret_expires_at;
$$;
comment on function private.rotate_webhook_endpoint_secret(bigint, bytea, text, integer) is
  'Gives one of the caller''s endpoints a new secret (sealed by the facade); the old one keeps signing beside it until the returned moment. Security definer because the secret columns are not granted to any API role. Null when the endpoint is not the caller''s.';
grant execute on function private.rotate_webhook_endpoint_secret(bigint, bytea, text, integer) to authenticated;

-- The owner asks for a delivery again (supabase.rpc('redeliver_webhook', ...) or
-- POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver). Same webhook-id: a
-- receiver that already has it may drop it; one that missed it gets it.
create or replace function public.redeliver_webhook(target_delivery_id bigint)
returns table (delivery_id bigint, status public.webhook_delivery_status, next_attempt_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  found_delivery record;
begin
  select d.id, d.status, e.is_active into found_delivery
    from public.webhook_deliveries d
    join public.webhook_endpoints e on e.id = d.endpoint_id
   where d.id = target_delivery_id and d.user_id = (select auth.uid()) and (select private.caller_may_act())
     for update of d;
  if found_delivery.id is null then
    return; -- not the caller's, or no such delivery: nothing
  end if;
  if not found_delivery.is_active then
    raise exception 'This webhook endpoint is switched off: switch it on before asking for a redelivery' using errcode = 'PT409';
  end if;
  if found_delivery.status <> 'pending' then
    update public.webhook_deliveries d
       set status = 'pending', next_attempt_at = now(), window_started_at = now(), lease_token = null
     where d.id = found_delivery.id;
  end if;
  return query select d.id, d.status, d.next_attempt_at from public.webhook_deliveries d where d.id = found_delivery.id;
end;
$$;
comment on function public.redeliver_webhook(bigint) is
  'Queues one of the caller''s deliveries again (same webhook-id, a new retry window); one already pending stays as it is. Empty when the delivery is not the caller''s. Security definer because deliveries are written only by the server; it touches only the caller''s own row.';
grant execute on function public.redeliver_webhook(bigint) to authenticated;

create policy "owners read own webhook endpoints"
  on public.webhook_endpoints for select
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));

create policy "owners edit own webhook endpoints"
  on public.webhook_endpoints for update
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()))
  with check ((select private.caller_may_act()) and user_id = (select auth.uid()));

create policy "owners delete own webhook endpoints"
  on public.webhook_endpoints for delete
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));

create policy "owners read own webhook deliveries"
  on public.webhook_deliveries for select
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));

create policy "owners read own webhook delivery attempts"
  on public.webhook_delivery_attempts for select
  to authenticated
  using ((select private.caller_may_act()) and user_id = (select auth.uid()));
