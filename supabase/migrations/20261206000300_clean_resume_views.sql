-- Clean view counts (issue 13). Every view of a shared resume is still logged, and each
-- log row now says what it was:
--   human   a person's first view of the resume that UTC day
--   repeat  the same visitor again that day (keyed hash of IP and User-Agent, or their user id)
--   bot     a bot (link-preview crawlers and others), told by the `isbot` library from the
--           viewer's User-Agent as previewcv.com forwards it (X-Viewer-User-Agent)
--   owner   the resume's owner, signed in (a verified bearer token of theirs on the request)
-- Counted views are human and repeat views: they are the seed's access_count (the
-- sharded counters), what a link's view limit uses up, and what becomes a "resume
-- viewed" event. Bot and owner views are logged and counted nowhere else.
--
-- Unique visitors use the job views' daily-rotating keyed hash (20261201000600): the rule
-- is now one function, private.viewer_hash, which private.count_job_view calls too, so
-- resumes and postings hash their viewers the same way under the same day's key (and
-- with the subject inside, one viewer's hashes of two things never match). No raw IP is
-- needed to count them.
--
-- The public fetch stays one statement: private.fetch_shared_resume (a new version)
-- resolves a link token or a permanent token, checks expiry, view limit, password
-- (bcrypt, rate-limited per link and IP) and required email, classifies and logs the
-- view, counts it, and answers the preview fields. The viewer's forwarded IP,
-- User-Agent and Referer are used only after the API token checked out.

-- The access log: which link, what kind of view, the viewer's email when the link asks.
alter table public.resume_access_logs
  add column link_id bigint references public.resume_share_links (id) on delete set null,
  add column kind text constraint resume_access_logs_kind check (kind in ('human', 'repeat', 'bot', 'owner')),
  add column viewer_email varchar(320)
    constraint resume_access_logs_viewer_email_shape check (viewer_email ~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+$');

-- Per-link analytics; only share-link views have a link_id, so the permanent token's
-- views (the bulk) add no index entry here.
create index resume_access_logs_link_id_accessed_at_idx on public.resume_access_logs (link_id, accessed_at) where link_id is not null;
-- The retention of viewer emails finds them by this.
create index resume_access_logs_viewer_email_accessed_at_idx on public.resume_access_logs (accessed_at) where viewer_email is not null;

comment on column public.resume_access_logs.link_id is 'The share link the view came through; null for the resume''s permanent token (or a link deleted with its resume).';
comment on column public.resume_access_logs.kind is
  'human (first view of the visitor that UTC day), repeat (same visitor again that day), bot (isbot on the viewer''s User-Agent), owner (the signed-in owner). human and repeat are counted views. Null: logged before 2026-12, counted then.';
comment on column public.resume_access_logs.viewer_email is 'The email the viewer gave for a link that requires one (previewcv.com passes it). Kept for private.viewer_email_retention(), then erased by the worker.';
comment on column public.resume_access_logs.ip_address is 'The viewer''s IP: X-Viewer-IP from previewcv.com (trusted only with a valid API token), else the address the edge saw.';
comment on column public.resume_access_logs.user_agent is 'The viewer''s User-Agent (X-Viewer-User-Agent, else the request''s own), cut to 1000 characters.';

-- The one rule for a unique viewer ---------------------------------------------------

-- HMAC-SHA256 under the day's key (private.job_view_key) of what is viewed and who
-- views it, cut to 16 bytes. `subject` names what is viewed ('42' for posting 42,
-- 'resume:7' for resume 7); who: the signed-in user, or else IP and User-Agent.
create or replace function private.viewer_hash(subject text, for_day date, viewer uuid, viewer_ip inet, viewer_user_agent text)
returns bytea
language sql
set search_path = ''
as $$
  select substring(
    extensions.hmac(
      convert_to(subject || '|' || case
        when viewer is not null then 'user:' || viewer::text
        else 'anon:' || coalesce(host(viewer_ip), '') || '|' || coalesce(left(viewer_user_agent, 1000), '')
      end, 'UTF8'),
      -- The day's key as a plain read; the function that makes it runs once a day.
      coalesce((select k.secret from private.job_view_keys k where k.day = for_day), private.job_view_key(for_day)),
      'sha256')
    from 1 for 16);
$$;
comment on function private.viewer_hash(text, date, uuid, inet, text) is
  'A viewer of `subject` on `for_day`, as a keyed hash: HMAC-SHA256 under the day''s key (deleted the next day) of subject and the user id, or IP and User-Agent; 16 bytes. The one rule for unique viewers of postings and resumes.';

comment on table private.job_view_keys is
  'The secret key of the UTC day for hashing viewers of postings and resumes (private.viewer_hash). The previous day''s is deleted when the day''s is made, so old hashes cannot be tied to anyone. Never stored with the counts.';

-- count_job_view as before, its hash now from the one rule (the same bytes as the inline
-- expression it had, so a day's viewers stay counted once across this migration).
create or replace function private.count_job_view(target_job_id bigint, viewer uuid, viewer_ip inet, viewer_user_agent text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  today date := (now() at time zone 'UTC')::date;
  hashed bytea := private.viewer_hash(target_job_id::text, today, viewer, viewer_ip, viewer_user_agent);
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

-- Who viewed each resume today: hashes only. Unlogged (a crash forgets who was seen,
-- which can only make a repeat look like a first view).
create unlogged table private.resume_visitors (
  day date not null,
  resume_id bigint not null,
  visitor bytea not null constraint resume_visitors_visitor_length check (octet_length(visitor) = 16),
  primary key (day, resume_id, visitor)
);
comment on table private.resume_visitors is
  'Visitors already seen per resume and UTC day, as keyed hashes (private.viewer_hash; no IP, user agent or user id). Tells a repeat from a first view. Unlogged; earlier days are deleted in batches.';
alter table private.resume_visitors enable row level security;

create or replace function private.forget_old_resume_visitors(batch integer default 1000)
returns integer
language sql
set search_path = ''
as $$
  with old as (
    select v.ctid from private.resume_visitors v
     where v.day < (now() at time zone 'UTC')::date
     limit batch
  ), deleted as (
    delete from private.resume_visitors v where v.ctid in (select old.ctid from old) returning 1
  )
  select count(*)::integer from deleted;
$$;
comment on function private.forget_old_resume_visitors(integer) is
  'Deletes up to `batch` resume visitor hashes of earlier days (the public fetch calls it now and then).';

-- Wrong link passwords one IP may try per link and window before 429s.
create or replace function private.share_link_password_limit()
returns table (max_attempts integer, window_seconds integer)
language sql
immutable
set search_path = ''
as $$ select 10, 600 $$;
comment on function private.share_link_password_limit() is
  'Wrong passwords one viewer IP may give one share link per window (10 per 10 minutes) before the public fetch answers rate_limited.';

-- How long a viewer's email is kept with their view.
create or replace function private.viewer_email_retention()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '90 days' $$;
comment on function private.viewer_email_retention() is
  'Viewer emails (resume_access_logs.viewer_email) are erased this long after the view (private.worker_forget_viewer_emails).';

-- Worker task: erases viewer emails past the retention window, a batch at a time.
create or replace function private.worker_forget_viewer_emails(batch_size integer)
returns integer
language sql
security definer
set search_path = ''
as $$
  with old as (
    select l.id from public.resume_access_logs l
     where l.viewer_email is not null and l.accessed_at < now() - private.viewer_email_retention()
     order by l.accessed_at
     limit batch_size
     for update skip locked
  ), erased as (
    update public.resume_access_logs l set viewer_email = null from old where l.id = old.id returning 1
  )
  select count(*)::integer from erased;
$$;
comment on function private.worker_forget_viewer_emails(integer) is
  'Worker task: erases up to batch_size viewer emails older than private.viewer_email_retention(). Returns how many.';
grant execute on function private.worker_forget_viewer_emails(integer) to previewcv_api;

-- Only counted views become "resume viewed" events: bots and the owner's own views do not.
drop trigger resume_access_logs_record_view on public.resume_access_logs;
create trigger resume_access_logs_record_view
  after insert on public.resume_access_logs
  for each row
  when (new.kind is null or new.kind in ('human', 'repeat'))
  execute function private.record_resume_view();

-- The public fetch ------------------------------------------------------------------

drop function private.fetch_shared_resume(bytea, text, inet, text, text);

-- The first five parameters are the old ones, in their places: the request's own client
-- address, User-Agent and Referer, as the face saw them. What previewcv.com forwards of
-- its viewer comes after, and counts only once the API token checked out.
create function private.fetch_shared_resume(
  api_token_hash bytea,
  share_token text,
  viewer_ip inet,
  viewer_user_agent text,
  viewer_referer text,
  forwarded_ip inet default null,
  forwarded_user_agent text default null,
  forwarded_referer text default null,
  viewer_is_bot boolean default false,
  viewer_user_id uuid default null,
  link_password text default null,
  viewer_email text default null
)
returns table (
  outcome text,                 -- ok | unauthorized | rate_limited | not_found | password_required | password_invalid | password_rate_limited | email_required
  retry_after_seconds integer,
  resume_id bigint,
  resume_name text,
  pdf_filename text,
  permanent_token text,         -- the token fetched: the permanent one, or the link's
  qr_code_base64 text,          -- the permanent token's QR code; null for a link
  access_count bigint,
  last_accessed_at timestamptz,
  created_at timestamptz,
  thumbnail_key text,
  page_count integer,           -- resumes.page_count (null for resumes uploaded before it was recorded)
  link_id bigint,
  view_kind text,               -- human | repeat | bot | owner
  document_served boolean       -- false: a bot's fetch of a link with a view limit gets the preview, not the PDF
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  token_id bigint;
  limited record;
  shared public.resumes%rowtype;
  link public.resume_share_links%rowtype;
  ip inet;
  agent text;
  view_class text;
  today date;
  first_today integer;
  password_bucket text;
  password_rule record;
begin
  select t.id into token_id
    from public.api_tokens t
   where t.token_hash = api_token_hash
     and t.is_active
     and (t.expires_at is null or t.expires_at > now());

  if token_id is null then
    -- Wrong or missing tokens count against the request's own address (never a
    -- forwarded one); a valid token never does.
    select * into limited
      from private.hit_rate_limit('api-token-failure:' || coalesce(host(viewer_ip), 'unknown'), private.api_token_failure_limit(), 60);
    outcome := case when limited.allowed then 'unauthorized' else 'rate_limited' end;
    retry_after_seconds := limited.retry_after_seconds;
    return next;
    return;
  end if;

  -- last_used_at at most once a minute, and never waiting for another view's lock:
  -- a busy token must not become one hot row.
  update public.api_tokens t
     set last_used_at = now()
   where t.id = (
     select u.id from public.api_tokens u
      where u.id = token_id and (u.last_used_at is null or u.last_used_at < now() - interval '1 minute')
      for update skip locked
   );

  -- The API token is valid: previewcv.com's word about its viewer counts from here on.
  ip := coalesce(forwarded_ip, viewer_ip);
  agent := coalesce(forwarded_user_agent, viewer_user_agent);

  select * into shared
    from public.resumes r
   where r.permanent_token = share_token and r.is_active;
  if shared.id is null then
    -- A share link: live (not revoked, not expired, not used up) and of an active resume.
    select * into link
      from public.resume_share_links l
     where l.token = share_token
       and l.revoked_at is null
       and (l.expires_at is null or l.expires_at > now())
       and (l.view_limit is null or l.views_used < l.view_limit);
    if link.id is not null then
      select * into shared from public.resumes r where r.id = link.resume_id and r.is_active;
    end if;
    if shared.id is null then
      outcome := 'not_found';
      return next;
      return;
    end if;
  end if;

  if link.password_hash is not null then
    if link_password is null then
      outcome := 'password_required';
      return next;
      return;
    end if;
    -- Every attempt is counted first (past the limit nothing is checked); a right
    -- password takes its attempt back, so only wrong ones add up.
    select * into password_rule from private.share_link_password_limit();
    password_bucket := 'share-link-password:' || link.id || ':' || coalesce(host(ip), 'unknown');
    select * into limited from private.hit_rate_limit(password_bucket, password_rule.max_attempts, password_rule.window_seconds);
    if not limited.allowed then
      outcome := 'password_rate_limited';
      retry_after_seconds := limited.retry_after_seconds;
      return next;
      return;
    end if;
    if extensions.crypt(link_password, link.password_hash) is distinct from link.password_hash then
      outcome := 'password_invalid';
      return next;
      return;
    end if;
    update private.rate_limit_counters c set hits = c.hits - 1 where c.bucket = password_bucket and c.hits > 0;
  end if;

  if link.require_viewer_email and viewer_email is null then
    outcome := 'email_required';
    return next;
    return;
  end if;

  view_class := case
    when viewer_user_id is not null and viewer_user_id = shared.user_id then 'owner'
    when viewer_is_bot then 'bot'
    else 'human'
  end;

  if view_class = 'human' and link.view_limit is not null then
    -- The view limit is decided here, under the link's row lock: concurrent fetches of
    -- a one-time link queue on this row, and each re-reads views_used once it gets the
    -- lock (READ COMMITTED), so exactly view_limit of them get a row back.
    update public.resume_share_links l
       set views_used = l.views_used + 1
     where l.id = link.id and l.views_used < l.view_limit
       and l.revoked_at is null and (l.expires_at is null or l.expires_at > now())
    returning l.views_used into link.views_used;
    if not found then
      outcome := 'not_found';
      return next;
      return;
    end if;
  end if;

  if view_class = 'human' then
    today := (now() at time zone 'UTC')::date;
    insert into private.resume_visitors (day, resume_id, visitor)
    values (today, shared.id, private.viewer_hash('resume:' || shared.id, today, viewer_user_id, ip, agent))
    on conflict do nothing;
    get diagnostics first_today = row_count;
    if first_today = 0 then
      view_class := 'repeat';
    end if;
    -- Now and then, forget a batch of earlier days' visitors (no cron job needed).
    if random() < 0.01 then
      perform private.forget_old_resume_visitors(1000);
    end if;
  end if;

  insert into public.resume_access_logs (resume_id, link_id, kind, ip_address, user_agent, referer, viewer_email)
  values (shared.id, link.id, view_class, ip, left(agent, 1000), left(coalesce(forwarded_referer, viewer_referer), 500),
          case when link.require_viewer_email then viewer_email end);

  if view_class in ('human', 'repeat') then
    -- One of 16 shard rows, at random: concurrent views of one resume rarely meet.
    insert into public.resume_view_counters as c (resume_id, shard, views, last_viewed_at)
    values (shared.id, floor(random() * 16)::smallint, 1, now())
    on conflict (resume_id, shard) do update
      set views = c.views + 1, last_viewed_at = excluded.last_viewed_at;
  end if;

  outcome := 'ok';
  resume_id := shared.id;
  resume_name := shared.resume_name;
  pdf_filename := shared.pdf_filename;
  permanent_token := coalesce(link.token, shared.permanent_token);
  qr_code_base64 := case when link.id is null then shared.qr_code_base64 end;
  created_at := shared.created_at;
  thumbnail_key := shared.thumbnail_key;
  page_count := shared.page_count;
  link_id := link.id;
  view_kind := view_class;
  document_served := not (view_class = 'bot' and link.view_limit is not null);
  select sum(v.views)::bigint, max(v.last_viewed_at) into access_count, last_accessed_at
    from public.resume_view_counters v where v.resume_id = shared.id;
  return next;
end;
$$;
comment on function private.fetch_shared_resume(bytea, text, inet, text, text, inet, text, text, boolean, uuid, text, text) is
  'The public fetch, one statement: checks the API token (sha256; failures rate-limited per request IP), then, trusting the forwarded viewer fields only from here, resolves a permanent token or a live share link (expired, used-up and revoked links are not_found), checks the link''s password (bcrypt; wrong ones rate-limited per link and IP) and required email, classifies the view (owner, bot, human, repeat by private.viewer_hash), uses up a view limit under the link''s row lock, logs the view and counts human and repeat views. Called by the public-resume edge function and the facade with the servers'' own role.';
grant execute on function private.fetch_shared_resume(bytea, text, inet, text, text, inet, text, text, boolean, uuid, text, text) to previewcv_api, service_role;

-- Owner analytics ---------------------------------------------------------------------
-- The fields it answered before keep their places; counted views are human and repeat
-- views (and rows logged before 2026-12). `breakdown` adds, over the last `days` days:
-- human views, unique visitors, repeats, bot previews and the owner's own views, per day,
-- per link (the permanent token is the link with link_id null), and top referrers.
create or replace function public.resume_analytics(target_resume_id bigint, days integer default 30)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with logs as (
    select l.link_id, l.kind, l.ip_address, l.referer, l.accessed_at,
           (l.kind is null or l.kind in ('human', 'repeat')) as counted
      from public.resume_access_logs l
     where l.resume_id = target_resume_id
  ),
  recent as (
    select * from logs where accessed_at >= date_trunc('day', now()) - make_interval(days => greatest(days, 1) - 1)
  ),
  tallies as (
    select link_id, date_trunc('day', accessed_at)::date as day,
           count(*) filter (where counted) as human_views,
           count(*) filter (where kind = 'human') as unique_visitors,
           count(*) filter (where kind = 'repeat') as repeat_views,
           count(*) filter (where kind = 'bot') as bot_previews,
           count(*) filter (where kind = 'owner') as owner_views,
           max(accessed_at) filter (where counted) as last_viewed_at
      from recent
     group by 1, 2
  ),
  links as (
    select null::bigint as link_id, null::text as label, null::timestamptz as revoked_at, null::timestamptz as created_at
    union all
    select l.id, l.label::text, l.revoked_at, l.created_at from public.resume_share_links l where l.resume_id = target_resume_id
  )
  select jsonb_build_object(
    'resume_id', target_resume_id,
    'total_views', coalesce((select sum(v.views) from public.resume_view_counters v where v.resume_id = target_resume_id), 0),
    -- Visitor-days: first views of each day, plus the distinct IPs of views logged before they were told apart.
    'unique_visitors', (select count(*) filter (where kind = 'human') + count(distinct ip_address) filter (where kind is null) from logs),
    'last_accessed_at', (select max(v.last_viewed_at) from public.resume_view_counters v where v.resume_id = target_resume_id),
    'views_per_day', coalesce((
      select jsonb_agg(jsonb_build_object('day', d.day, 'views', d.views) order by d.day)
        from (select date_trunc('day', accessed_at)::date as day, count(*) as views from recent where counted group by 1) d
    ), '[]'::jsonb),
    'top_referrers', coalesce((
      select jsonb_agg(jsonb_build_object('referer', r.referer, 'views', r.views) order by r.views desc, r.referer)
        from (select referer, count(*) as views from logs where referer is not null and counted group by 1 order by 2 desc, 1 limit 10) r
    ), '[]'::jsonb),
    'breakdown', jsonb_build_object(
      'human_views', coalesce((select sum(t.human_views) from tallies t), 0),
      'unique_visitors', coalesce((select sum(t.unique_visitors) from tallies t), 0),
      'repeat_views', coalesce((select sum(t.repeat_views) from tallies t), 0),
      'bot_previews', coalesce((select sum(t.bot_previews) from tallies t), 0),
      'owner_views', coalesce((select sum(t.owner_views) from tallies t), 0),
      'per_day', coalesce((
        select jsonb_agg(jsonb_build_object('day', d.day, 'human_views', d.human_views, 'unique_visitors', d.unique_visitors,
                                            'bot_previews', d.bot_previews, 'owner_views', d.owner_views) order by d.day)
          from (select day, sum(human_views) as human_views, sum(unique_visitors) as unique_visitors,
                       sum(bot_previews) as bot_previews, sum(owner_views) as owner_views
                  from tallies group by 1) d
      ), '[]'::jsonb),
      'links', coalesce((
        select jsonb_agg(jsonb_build_object(
                 'link_id', k.link_id, 'label', k.label, 'revoked_at', k.revoked_at,
                 'human_views', coalesce(s.human_views, 0), 'unique_visitors', coalesce(s.unique_visitors, 0),
                 'bot_previews', coalesce(s.bot_previews, 0), 'owner_views', coalesce(s.owner_views, 0),
                 'last_viewed_at', s.last_viewed_at,
                 'per_day', coalesce(s.per_day, '[]'::jsonb))
               order by k.link_id nulls first)
          from links k
          left join lateral (
            select sum(t.human_views) as human_views, sum(t.unique_visitors) as unique_visitors,
                   sum(t.bot_previews) as bot_previews, sum(t.owner_views) as owner_views, max(t.last_viewed_at) as last_viewed_at,
                   jsonb_agg(jsonb_build_object('day', t.day, 'human_views', t.human_views, 'unique_visitors', t.unique_visitors,
                                                'bot_previews', t.bot_previews, 'owner_views', t.owner_views) order by t.day) as per_day
              from tallies t where t.link_id is not distinct from k.link_id
          ) s on true
      ), '[]'::jsonb),
      'top_referrers', coalesce((
        select jsonb_agg(jsonb_build_object('referer', r.referer, 'views', r.views) order by r.views desc, r.referer)
          from (select referer, count(*) as views from recent where referer is not null and counted group by 1 order by 2 desc, 1 limit 10) r
      ), '[]'::jsonb)
    )
  )
  where exists (select 1 from public.resumes r where r.id = target_resume_id);
$$;
comment on function public.resume_analytics(bigint, integer) is
  'Owner analytics of one resume: total_views (counted views: human and repeat, the seed''s access_count), unique_visitors (visitor-days by the daily keyed hash), views_per_day (counted, last `days` days), top_referrers (counted); breakdown over the last `days` days: human views, unique visitors, repeats, bot previews, owner views, per day and per link (link_id null: the permanent token), top referrers. Null when the caller does not own the resume.';
