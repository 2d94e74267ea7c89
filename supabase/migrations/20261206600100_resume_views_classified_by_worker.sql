-- Telling a first view from a repeat, off the public fetch (issue 13's speed goal). The
-- fetch of 20261206000300 hashed every person's view under the day's key
-- (private.viewer_hash) and inserted the hash into private.resume_visitors to learn
-- whether the visitor had been seen that day: about a fifth of the fetch's time, for a
-- label only the owner's analytics read. Everything a viewer or the candidate sees at
-- once is still decided by the fetch, in its one statement: the API token, the link's
-- state, password, email and view limit, bot or owner or person, the view counted
-- (access_count, the view limit, the "resume viewed" event) and logged.
--
-- What changes:
--   * A person's view is logged as kind 'person': counted, not yet told first-of-day or
--     repeat. The fetch queues it in private.unclassified_resume_views (the log row's
--     id, and the signed-in viewer's user id, which the hash needs and the log does not
--     keep). No hash, no key, no visitors table on the fetch's path.
--   * The worker classifies the queue in batches, set-based, every half second
--     (private.worker_classify_resume_views): the same rule (private.viewer_hash under
--     the key of the view's own UTC day), the same visitors table, and each view becomes
--     human (the first of that UTC day for that visitor and resume) or repeat. Within a
--     batch the earlier view (by log id, the order the fetch logged them) is the first.
--   * The day's key is deleted when the next day's is made, as before. So that the views
--     logged just before midnight are still classified with their own day's key, making a
--     day's key now first classifies what waits under the earlier keys (private.job_view_key),
--     and a key is only ever made for the current UTC day (a past day's key, once gone,
--     never comes back: a new one would hash that day's visitors apart from the ones
--     already hashed). A view whose day's key is gone before the worker reached it (the
--     worker was away for a day; a fetch that committed after the next key was made)
--     stays 'person' for good: counted, and counted as a first view.
--   * Owner analytics count 'person' views as human views and as unique visitors (a first
--     view of the day) until classified: for a second or so, a repeat counts as a unique
--     visitor. Once classified the numbers are exactly those of the synchronous design.

-- The kinds -----------------------------------------------------------------------------
-- (Added NOT VALID, then validated: no write waits while the log is checked.)
alter table public.resume_access_logs drop constraint resume_access_logs_kind;
alter table public.resume_access_logs
  add constraint resume_access_logs_kind check (kind in ('person', 'human', 'repeat', 'bot', 'owner')) not valid;
alter table public.resume_access_logs validate constraint resume_access_logs_kind;

comment on column public.resume_access_logs.kind is
  'person (a person''s view, counted, not yet told first-of-day or repeat: the worker classifies it within a second or so; one whose UTC day''s key was gone first stays person, counted as a first view), human (first view of the visitor that UTC day), repeat (same visitor again that day), bot (isbot on the viewer''s User-Agent), owner (the signed-in owner). person, human and repeat are counted views. Null: logged before 2026-12, counted then.';

-- Counted views become "resume viewed" events as before: a person's view is logged as
-- person now (human and repeat are what the worker makes of it, by update).
drop trigger resume_access_logs_record_view on public.resume_access_logs;
create trigger resume_access_logs_record_view
  after insert on public.resume_access_logs
  for each row
  when (new.kind is null or new.kind in ('person', 'human', 'repeat'))
  execute function private.record_resume_view();

-- The queue -----------------------------------------------------------------------------
-- One row per person's view until the worker classified it. As cheap to write as a row
-- can be, like private.pending_resume_views: no key, no index, no foreign key (a view
-- of a resume deleted since is dropped when its turn comes); taken whole by ctid.
create table private.unclassified_resume_views (
  log_id bigint not null,
  resume_id bigint not null,
  viewed_at timestamptz not null,
  viewer uuid
);
comment on table private.unclassified_resume_views is
  'Person views (resume_access_logs kind person) waiting for the worker to tell first-of-day from repeat (private.classify_resume_views), a second or so. Written by private.fetch_shared_resume; taken and deleted by the worker.';
comment on column private.unclassified_resume_views.viewed_at is
  'The log row''s accessed_at: its UTC day is the key the view is told under.';
comment on column private.unclassified_resume_views.viewer is
  'The signed-in viewer (not the owner) whose view it was: the keyed hash counts them by account. Kept only until the view is classified.';
alter table private.unclassified_resume_views enable row level security;
-- No policies and no grants: only the fetch and the worker's functions touch it.

-- Classifying ---------------------------------------------------------------------------

-- Tells up to `batch_size` queued person views logged before `logged_before` apart,
-- earliest first, each with its own UTC day's key: the first view of that day by a
-- visitor (private.viewer_hash; user id, or IP and User-Agent) becomes human, the others
-- repeat. A view whose day's key is gone stays person. Returns how many queue rows it took.
create or replace function private.classify_resume_views(batch_size integer, logged_before timestamptz)
returns integer
language sql
set search_path = ''
as $$
  with taken as (
    delete from private.unclassified_resume_views q
     where q.ctid = any(array(
       select u.ctid from private.unclassified_resume_views u
        where u.viewed_at < logged_before
        order by u.log_id
        limit batch_size
        for update skip locked))
    returning q.log_id, q.viewed_at, q.viewer
  ), hashed as (
    -- The one rule, under the key of the view's UTC day: null when that key is gone
    -- (private.job_view_key makes today's only). A view whose log is gone (its resume
    -- was deleted) just leaves the queue.
    select l.id, l.resume_id, d.day,
           private.viewer_hash('resume:' || l.resume_id, d.day, t.viewer, l.ip_address, l.user_agent) as visitor
      from taken t
      join public.resume_access_logs l on l.id = t.log_id
      cross join lateral (select (t.viewed_at at time zone 'UTC')::date as day) d
     where l.kind = 'person'
  ), ranked as (
    select h.id, h.resume_id, h.day, h.visitor,
           row_number() over (partition by h.day, h.resume_id, h.visitor order by h.id) as nth
      from hashed h
     where h.visitor is not null
  ), firsts as (
    insert into private.resume_visitors (day, resume_id, visitor)
    select r.day, r.resume_id, r.visitor from ranked r where r.nth = 1
     order by r.day, r.resume_id, r.visitor -- one lock order for every worker
    on conflict do nothing
    returning day, resume_id, visitor
  ), classified as (
    -- (IN, not a join: a hashed lookup however many the batch inserted.)
    update public.resume_access_logs l
       set kind = case when r.nth = 1 and (r.day, r.resume_id, r.visitor) in (select f.day, f.resume_id, f.visitor from firsts f)
                       then 'human' else 'repeat' end
      from ranked r
     where l.id = r.id
    returning l.id
  )
  select count(*)::integer from taken;
$$;
comment on function private.classify_resume_views(integer, timestamptz) is
  'Tells up to batch_size queued person views (private.unclassified_resume_views) logged before logged_before apart, earliest first: human (first view that UTC day of the visitor, by private.viewer_hash under that day''s key) or repeat. A view whose day''s key is gone stays person. Called by the worker (private.worker_classify_resume_views) and, before the earlier keys go, by private.job_view_key. Returns how many queued views it took.';

-- The key of `for_day`, made on first use, and only for the current UTC day; before the
-- earlier days' keys are deleted, the views still waiting to be classified under them are.
create or replace function private.job_view_key(for_day date)
returns bytea
language plpgsql
set search_path = ''
as $$
declare
  key bytea;
begin
  select k.secret into key from private.job_view_keys k where k.day = for_day;
  -- A past day's key, once deleted, is never made again: null instead (a new one would
  -- hash that day's visitors apart from the ones already hashed).
  if key is null and for_day = (now() at time zone 'UTC')::date then
    insert into private.job_view_keys (day, secret) values (for_day, extensions.gen_random_bytes(32))
    on conflict (day) do nothing;
    select k.secret into key from private.job_view_keys k where k.day = for_day;
    -- At midnight: the last second's resume views, still waiting for their day's key
    -- (more only if the worker was away: up to a cap, the rest stays unclassified).
    perform private.classify_resume_views(10000, for_day::timestamp at time zone 'UTC');
    delete from private.job_view_keys k where k.day < for_day;
  end if;
  return key;
end;
$$;
comment on function private.job_view_key(date) is
  'The day''s hashing key of private.viewer_hash, made on first use and only for the current UTC day (null for a past day whose key is gone). Making it classifies the resume views still waiting under the earlier keys (private.classify_resume_views), then deletes those keys.';

-- A day's visitors are needed while its views can still be classified: until its key is gone.
create or replace function private.forget_old_resume_visitors(batch integer default 1000)
returns integer
language sql
set search_path = ''
as $$
  with old as (
    select v.ctid from private.resume_visitors v
     where v.day < coalesce((select min(k.day) from private.job_view_keys k), (now() at time zone 'UTC')::date)
     limit batch
  ), deleted as (
    delete from private.resume_visitors v where v.ctid in (select old.ctid from old) returning 1
  )
  select count(*)::integer from deleted;
$$;
comment on function private.forget_old_resume_visitors(integer) is
  'Deletes up to `batch` resume visitor hashes of days whose key is gone (nothing of those days can be classified any more). The worker calls it (private.worker_classify_resume_views).';

-- Worker task: classifies the queue, a batch at a time, and forgets the visitors of days
-- that are over.
create or replace function private.worker_classify_resume_views(batch_size integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  today date := (now() at time zone 'UTC')::date;
  taken integer := 0;
begin
  if exists (select 1 from private.unclassified_resume_views) then
    -- Today's key first (it classifies what waits under the earlier keys, then deletes
    -- them), so that no view of today finds it missing in the middle of the batch.
    perform private.job_view_key(today);
    -- Views of tomorrow (logged after this transaction began, past midnight) wait for the
    -- next run, which makes tomorrow's key first.
    taken := private.classify_resume_views(batch_size, (today + 1)::timestamp at time zone 'UTC');
  end if;
  perform private.forget_old_resume_visitors(batch_size);
  return taken;
end;
$$;
comment on function private.worker_classify_resume_views(integer) is
  'Worker task: classifies up to batch_size person views as human or repeat (private.classify_resume_views, each under its UTC day''s key) and forgets the visitors of days whose key is gone. Returns how many queued views it took.';
grant execute on function private.worker_classify_resume_views(integer) to previewcv_api;

-- The public fetch ----------------------------------------------------------------------
-- The same statement, parameters and answer as 20261206000300, but a person's view is
-- logged as person and queued for the worker instead of hashed here; view_kind answers
-- person for it.
create or replace function private.fetch_shared_resume(
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
  view_kind text,               -- person (counted; the worker tells human from repeat) | bot | owner
  document_served boolean       -- false: a bot's fetch of a link with a view limit gets the preview, not the document
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
  logged bigint;
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
    else 'person'
  end;

  if view_class = 'person' and link.view_limit is not null then
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

  insert into public.resume_access_logs (resume_id, link_id, kind, ip_address, user_agent, referer, viewer_email)
  values (shared.id, link.id, view_class, ip, left(agent, 1000), left(coalesce(forwarded_referer, viewer_referer), 500),
          case when link.require_viewer_email then viewer_email end)
  returning id into logged;

  if view_class = 'person' then
    -- First of the day or a repeat: the worker tells, off this path (the keyed hash and
    -- the day's visitors cost more than all the rest of a view).
    insert into private.unclassified_resume_views (log_id, resume_id, viewed_at, viewer) values (logged, shared.id, now(), viewer_user_id);
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
  'The public fetch, one statement: checks the API token (sha256; failures rate-limited per request IP), then, trusting the forwarded viewer fields only from here, resolves a permanent token or a live share link (expired, used-up and revoked links are not_found), checks the link''s password (bcrypt; wrong ones rate-limited per link and IP) and required email, classifies the view as owner, bot or person, uses up a view limit under the link''s row lock, logs the view and counts person views. A person''s view is queued for the worker, which tells first-of-day from repeat (private.worker_classify_resume_views). Called by the public-resume edge function and the facade with the servers'' own role.';

-- Owner analytics ---------------------------------------------------------------------
-- As 20261206000300, with person views (not yet classified) counted as human views and
-- as unique visitors until the worker tells them apart.
create or replace function public.resume_analytics(target_resume_id bigint, days integer default 30)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with logs as (
    select l.link_id, l.kind, l.ip_address, l.referer, l.accessed_at,
           (l.kind is null or l.kind in ('person', 'human', 'repeat')) as counted,
           -- A visitor's first view of the day; a person view counts as one until classified.
           (l.kind in ('person', 'human')) as first_of_day
      from public.resume_access_logs l
     where l.resume_id = target_resume_id
  ),
  recent as (
    select * from logs where accessed_at >= date_trunc('day', now()) - make_interval(days => greatest(days, 1) - 1)
  ),
  tallies as (
    select link_id, date_trunc('day', accessed_at)::date as day,
           count(*) filter (where counted) as human_views,
           count(*) filter (where first_of_day) as unique_visitors,
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
    'unique_visitors', (select count(*) filter (where first_of_day) + count(distinct ip_address) filter (where kind is null) from logs),
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
  'Owner analytics of one resume: total_views (counted views: person, human and repeat, the seed''s access_count), unique_visitors (visitor-days by the daily keyed hash; a view not yet classified counts as one), views_per_day (counted, last `days` days), top_referrers (counted); breakdown over the last `days` days: human views (all counted views), unique visitors, repeats, bot previews, owner views, per day and per link (link_id null: the permanent token), top referrers. Null when the caller does not own the resume.';

-- Personal data (private.personal_data, 20261203300200) ---------------------------------
-- The queue names the resume (its owner's) and, for a signed-in viewer, the viewer: an
-- erasure of either deletes their rows (a viewer's queued view then stays person).
insert into private.personal_data (relation, export_as, subject_rows, hidden_columns, file_columns, on_erasure, erase_order, about) values
  ('private.unclassified_resume_views', null, 't.viewer = $1 or t.resume_id in (select r.id from public.resumes r where r.user_id = $1)', '{}', '{}', 'delete', 10,
   'Views of your resumes, and your own signed-in views of others'' resumes, waiting a second or so for the worker to tell a first view of the day from a repeat. Your user id is kept only until then.');

update private.personal_data
   set about = 'Each view of your shared resumes: which link, what kind of view (a person''s first of the day, a repeat, a person''s view the worker has not told apart yet, a bot''s preview, your own), the viewer''s IP address, browser and referring page, and the email a viewer gave when a link asked for one. Emails are erased after 90 days; after the retention window (30 days by default) the address is cut to its network (/24, /48), the browser to its family and the referrer to its site.'
 where relation = 'public.resume_access_logs'::regclass;

update private.personal_data
   set about = 'Keyed hashes of the viewers of your resumes on days whose key still exists (no IP, no user id), to tell a repeat view from a first one; forgotten once the day''s key is gone.'
 where relation = 'private.resume_visitors'::regclass;
