-- Job views nobody can inflate (hole 9 of issue 11). Until now every call of
-- public.view_job_posting added one to job_postings.views_count: 50 anonymous
-- GET /jobs/{id} raised it by 50, and every view wrote (and locked) the posting's row,
-- so a popular posting serialised its readers.
--
-- Now a viewer counts once per posting per day, and a counted view writes one of 16
-- counter rows of the posting, never the posting:
--   * The viewer is a keyed hash (HMAC-SHA256, cut to 16 bytes) of the posting's id
--     and who views it: the signed-in user's id, or else the IP and User-Agent the
--     servers saw. The key is random, made for the UTC day and destroyed when the next
--     day's is made, and lives apart from the counts; the raw IP and User-Agent are
--     stored nowhere. Once a day's key is gone its hashes cannot be tied to anyone (an
--     IPv4 address alone could otherwise be found again by trying them all), and with
--     the posting's id inside, one viewer's hashes of two postings do not match.
--     (Privacy-first web analytics count unique visitors this way.)
--   * An IP and User-Agent count only when the caller is the servers' login role
--     (session_user previewcv_api), which takes them from the request. Anyone else
--     calling the function (supabase-js through PostgREST, which logs in as
--     authenticator) could pass a new IP on every call: for them the arguments are
--     ignored, so an anonymous visitor through PostgREST is one viewer per posting and
--     day, and a signed-in one is their user id.
--   * The visitors of the day are an unlogged table (a crash forgets who was counted,
--     which can only count someone twice): (day, posting, hash), pruned in small batches.
--   * Counts go to public.job_posting_view_counters, one of 16 rows per posting chosen
--     at random (as resume views do): concurrent views of one posting rarely wait on
--     each other, and never on the posting's row.
--
-- views_count on the posting keeps the views counted before this migration; what the
-- API answers as views_count is that plus the counters, private.job_posting_views(j).

-- The day's hashing key, and only the day's.
create table private.job_view_keys (
  day date primary key,
  secret bytea not null constraint job_view_keys_secret_length check (octet_length(secret) = 32)
);
comment on table private.job_view_keys is
  'The secret key of the UTC day for hashing job viewers (private.count_job_view). The previous day''s is deleted when the day''s is made, so old hashes cannot be tied to anyone. Never stored with the counts.';
alter table private.job_view_keys enable row level security;

-- Who was counted today, per posting: hashes only.
create unlogged table private.job_posting_visitors (
  day date not null,
  job_id bigint not null,
  visitor bytea not null constraint job_posting_visitors_visitor_length check (octet_length(visitor) = 16),
  primary key (day, job_id, visitor)
);
comment on table private.job_posting_visitors is
  'Viewers already counted per posting and UTC day, as keyed hashes (no IP, no user agent, no user id). Unlogged; earlier days are deleted in batches.';
alter table private.job_posting_visitors enable row level security;

-- The counts, sharded.
create table public.job_posting_view_counters (
  job_id bigint not null references public.job_postings (id) on delete cascade,
  shard smallint not null constraint job_posting_view_counters_shard_range check (shard between 0 and 15),
  views bigint not null default 0,
  primary key (job_id, shard)
);
comment on table public.job_posting_view_counters is
  'Unique daily viewers per job posting, spread over up to 16 shard rows so concurrent views do not queue on one row. Written by public.view_job_posting only; the API''s views_count is job_postings.views_count plus their sum (private.job_posting_views).';

grant select on public.job_posting_view_counters to anon, authenticated;

alter table public.job_posting_view_counters enable row level security;

comment on column public.job_postings.views_count is
  'Views counted before 2026-12-01. Views since are unique viewers per day in job_posting_view_counters; the total the API answers is private.job_posting_views(posting). Not writable through the API.';

-- The posting's views as the API answers them. With the caller's rights: the counters'
-- policies show the counts of the postings the caller may read.
create or replace function private.job_posting_views(job public.job_postings)
returns bigint
language sql
stable
set search_path = ''
as $$
  select job.views_count + coalesce((select sum(c.views) from public.job_posting_view_counters c where c.job_id = job.id), 0)::bigint;
$$;
comment on function private.job_posting_views(public.job_postings) is
  'views_count as the API answers it: the views counted before 2026-12 plus the unique daily viewers in job_posting_view_counters. Use it wherever a posting''s views are shown: select private.job_posting_views(j) as views_count from public.job_postings j ...';
grant execute on function private.job_posting_views(public.job_postings) to anon, authenticated;

-- The key of `for_day`, made on first use; the days before are forgotten then.
create or replace function private.job_view_key(for_day date)
returns bytea
language plpgsql
set search_path = ''
as $$
declare
  key bytea;
begin
  select k.secret into key from private.job_view_keys k where k.day = for_day;
  if key is null then
    insert into private.job_view_keys (day, secret) values (for_day, extensions.gen_random_bytes(32))
    on conflict (day) do nothing;
    select k.secret into key from private.job_view_keys k where k.day = for_day;
    delete from private.job_view_keys k where k.day < for_day;
  end if;
  return key;
end;
$$;
comment on function private.job_view_key(date) is 'Helper of private.count_job_view: the day''s hashing key, made on first use; earlier keys are deleted then.';

-- Deletes up to `batch` viewer hashes of earlier days; how many it deleted.
create or replace function private.forget_old_job_visitors(batch integer default 1000)
returns integer
language sql
set search_path = ''
as $$
  with old as (
    select v.ctid from private.job_posting_visitors v
     where v.day < (now() at time zone 'UTC')::date
     limit batch
  ), deleted as (
    delete from private.job_posting_visitors v where v.ctid in (select old.ctid from old) returning 1
  )
  select count(*)::integer from deleted;
$$;
comment on function private.forget_old_job_visitors(integer) is
  'Deletes up to `batch` viewer hashes of earlier days (private.count_job_view calls it now and then; an admin or a scheduled job may too).';

-- Counts one view of the posting by this viewer, unless they were counted today.
-- `viewer` is the signed-in user (or null); the IP and User-Agent stand for anonymous
-- viewers. Returns whether the view counted.
create or replace function private.count_job_view(target_job_id bigint, viewer uuid, viewer_ip inet, viewer_user_agent text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  today date := (now() at time zone 'UTC')::date;
  who text := case
    when viewer is not null then 'user:' || viewer::text
    else 'anon:' || coalesce(host(viewer_ip), '') || '|' || coalesce(left(viewer_user_agent, 1000), '')
  end;
  hashed bytea := substring(
    extensions.hmac(convert_to(target_job_id::text || '|' || who, 'UTF8'), private.job_view_key(today), 'sha256')
    from 1 for 16);
  first_today integer;
begin
  insert into private.job_posting_visitors (day, job_id, visitor) values (today, target_job_id, hashed)
  on conflict do nothing;
  get diagnostics first_today = row_count;
  if first_today = 0 then
    return false;
  end if;

  -- One of 16 shard rows, at random: concurrent views of one posting rarely meet.
  insert into public.job_posting_view_counters as c (job_id, shard, views)
  values (target_job_id, floor(random() * 16)::smallint, 1)
  on conflict (job_id, shard) do update set views = c.views + 1;

  -- Now and then, forget a batch of earlier days' viewers (no cron job needed).
  if random() < 0.01 then
    perform private.forget_old_job_visitors(1000);
  end if;
  return true;
end;
$$;
comment on function private.count_job_view(bigint, uuid, inet, text) is
  'Helper of public.view_job_posting: counts a view once per posting, viewer and UTC day, on a random shard of job_posting_view_counters. The viewer is a keyed hash of the user id, or of IP and User-Agent; nothing else is stored.';

-- The detail read: the posting, if it is open or the caller's own, with its views as
-- the API answers them, counting this view once per viewer and day.
drop function public.view_job_posting(bigint);
create function public.view_job_posting(target_job_id bigint, viewer_ip inet default null, viewer_user_agent text default null)
returns setof public.job_postings
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  -- Only the servers' own role is believed about the viewer's IP and User-Agent.
  vouched boolean := session_user = 'previewcv_api';
  posting public.job_postings;
begin
  -- A signed-in caller who may not act sees nothing (anon has no account to check).
  if caller is not null and not private.caller_may_act() then
    return;
  end if;
  select j.* into posting
    from public.job_postings j
   where j.id = target_job_id
     and (private.job_posting_is_open(j) or j.recruiter_id = caller);
  if not found then
    return;
  end if;

  perform private.count_job_view(
    posting.id, caller,
    case when vouched then viewer_ip end,
    case when vouched then viewer_user_agent end);
  posting.views_count := private.job_posting_views(posting);
  return next posting;
end;
$$;
comment on function public.view_job_posting(bigint, inet, text) is
  'Returns an open posting (or the caller''s own) with views_count as the API answers it, and counts the view once per viewer and UTC day; empty otherwise (a closed posting a candidate applied to is read from the table, not counted). viewer_ip and viewer_user_agent are the servers'': they count only when the servers'' role previewcv_api calls, and are ignored from anyone else. Security definer because counting writes tables no API role may write; it shows no posting the caller''s select policy does not.';
grant execute on function public.view_job_posting(bigint, inet, text) to anon, authenticated;

-- The counters of a posting are readable exactly when the posting is: the subquery runs
-- under job_postings' own policies.
create policy "visitors read views of postings they see"
  on public.job_posting_view_counters for select
  to anon
  using (exists (select 1 from public.job_postings j where j.id = job_id));

create policy "users read views of postings they see"
  on public.job_posting_view_counters for select
  to authenticated
  using ((select private.caller_may_act()) and exists (select 1 from public.job_postings j where j.id = job_id));
