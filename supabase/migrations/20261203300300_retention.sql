-- Retention: what is kept, and for how long, applied by the worker
-- (private.worker_apply_retention, every minute, in bounded batches taken with
-- FOR UPDATE SKIP LOCKED). The windows are the worker's settings:
--   * resume views (public.resume_access_logs): the viewer's raw IP address, full
--     User-Agent and full Referer are kept ACCESS_LOG_IP_RETENTION_DAYS (30) days; then
--     the address is cut to its network (IPv4 /24, IPv6 /48), the User-Agent to its
--     family (Chrome, Firefox, Safari, Edge, Opera, Samsung Internet, bot, other) and
--     the Referer to its site (scheme and host). Counts, days and sites stay, so the
--     analytics keep working; "unique visitors" of older views counts networks;
--   * webhook deliveries that are finished (succeeded or failed) go with their attempts
--     (receivers' answers) WEBHOOK_DELIVERY_RETENTION_DAYS (30) days after their last
--     activity; pending ones stay until they finish;
--   * notifications READ_NOTIFICATION_RETENTION_DAYS (90) days after they were read;
--     unread ones stay until read (or the account is erased);
--   * rate-limit counters a day after their window (they may hold an IP or an email);
--   * hashed job viewers of earlier days (private.forget_old_job_visitors).

alter table public.resume_access_logs add column minimized_at timestamptz;
comment on column public.resume_access_logs.minimized_at is
  'When the retention task cut ip_address to its network, user_agent to its family and referer to its site (null: still as recorded).';
-- Only rows still to minimise: the retention task's queue, oldest first.
create index resume_access_logs_to_minimize_idx on public.resume_access_logs (accessed_at) where minimized_at is null;

create index webhook_deliveries_finished_idx on public.webhook_deliveries (updated_at) where status <> 'pending';
create index notifications_read_at_idx on public.notifications (read_at) where read_at is not null;

-- An address cut to its network: IPv4 /24, IPv6 /48 (an address already coarser stays).
create or replace function private.truncated_ip(address inet)
returns inet
language sql
immutable
set search_path = ''
as $$
  select case
           when address is null then null
           when family(address) = 4 then network(set_masklen(address, least(masklen(address), 24)))::inet
           else network(set_masklen(address, least(masklen(address), 48)))::inet
         end;
$$;
comment on function private.truncated_ip(inet) is 'An IP address cut to its network: IPv4 /24 (203.0.113.0/24), IPv6 /48.';

-- A User-Agent reduced to its family.
create or replace function private.user_agent_family(user_agent text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
           when user_agent is null then null
           when user_agent ~* '(bot|crawl|spider|slurp|curl|wget|python|java/|go-http|okhttp|headless|httpclient|facebookexternalhit|preview|monitor)' then 'bot'
           when user_agent ~ 'Edg(e|A|iOS)?/' then 'Edge'
           when user_agent ~ '(OPR|Opera)/' then 'Opera'
           when user_agent ~ 'SamsungBrowser/' then 'Samsung Internet'
           when user_agent ~ '(Chrome|CriOS|Chromium)/' then 'Chrome'
           when user_agent ~ '(Firefox|FxiOS)/' then 'Firefox'
           when user_agent ~ 'Safari/' then 'Safari'
           else 'other'
         end;
$$;
comment on function private.user_agent_family(text) is 'A User-Agent as its family: bot, Edge, Opera, Samsung Internet, Chrome, Firefox, Safari or other.';

-- A Referer reduced to its site (scheme://host[:port]); anything else is dropped.
create or replace function private.referer_site(referer text)
returns text
language sql
immutable
set search_path = ''
as $$
  select substring(referer from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@[:space:]]+');
$$;
comment on function private.referer_site(text) is 'A Referer as its site: https://www.linkedin.com/in/jane?x=1 becomes https://www.linkedin.com.';

create or replace function private.worker_apply_retention(
  batch_size integer,
  ip_retention_days integer,
  delivery_retention_days integer,
  read_notification_retention_days integer
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  done integer;
  total integer := 0;
begin
  if least(ip_retention_days, delivery_retention_days, read_notification_retention_days) < 1 then
    raise exception 'retention windows are at least one day' using errcode = '22023';
  end if;

  with due as (
    select l.id from public.resume_access_logs l
     where l.minimized_at is null and l.accessed_at < now() - make_interval(days => ip_retention_days)
     order by l.accessed_at
     limit batch_size
       for update skip locked
  ), minimized as (
    update public.resume_access_logs l
       set ip_address = private.truncated_ip(l.ip_address),
           user_agent = private.user_agent_family(l.user_agent),
           referer = private.referer_site(l.referer),
           minimized_at = now()
      from due where l.id = due.id
    returning 1
  )
  select count(*)::integer into done from minimized;
  total := total + done;

  with due as (
    select d.id from public.webhook_deliveries d
     where d.status <> 'pending' and d.updated_at < now() - make_interval(days => delivery_retention_days)
     order by d.updated_at
     limit batch_size
       for update skip locked
  ), deleted as (
    delete from public.webhook_deliveries d using due where d.id = due.id returning 1
  )
  select count(*)::integer into done from deleted;
  total := total + done;

  with due as (
    select n.id from public.notifications n
     where n.read_at < now() - make_interval(days => read_notification_retention_days)
     order by n.read_at
     limit batch_size
       for update skip locked
  ), deleted as (
    delete from public.notifications n using due where n.id = due.id returning 1
  )
  select count(*)::integer into done from deleted;
  total := total + done;

  with due as (
    select c.ctid from private.rate_limit_counters c
     where c.window_start < now() - interval '1 day'
     limit batch_size
       for update skip locked
  ), deleted as (
    delete from private.rate_limit_counters c using due where c.ctid = due.ctid returning 1
  )
  select count(*)::integer into done from deleted;
  total := total + done;

  total := total + private.forget_old_job_visitors(batch_size);
  return total;
end;
$$;
comment on function private.worker_apply_retention(integer, integer, integer, integer) is
  'Worker task: applies the retention windows (days), up to batch_size rows of each kind per call: minimises resume views older than ip_retention_days (IP to /24 or /48, User-Agent to its family, Referer to its site), deletes finished webhook deliveries (with their attempts) older than delivery_retention_days, notifications read more than read_notification_retention_days ago, rate-limit counters a day past their window, and earlier days'' hashed job viewers. Returns how many rows it handled.';

grant execute on function private.worker_apply_retention(integer, integer, integer, integer) to previewcv_api;
