-- Views of shared resumes: the public fetch (previewcv.com) that records them, and
-- the owner's analytics that read them. The fetch is the API-token check, the lookup
-- by permanent token, the access log row and the view count in one function call, so
-- each view costs one round trip to the database.

-- How many wrong API tokens one IP may present per minute before it gets 429s.
create or replace function private.api_token_failure_limit()
returns integer
language sql
immutable
set search_path = ''
as $$ select 20 $$;
comment on function private.api_token_failure_limit() is
  'Wrong API tokens one IP may present per minute before private.fetch_shared_resume answers rate_limited.';

create or replace function private.fetch_shared_resume(
  api_token_hash bytea,
  share_token text,
  viewer_ip inet,
  viewer_user_agent text,
  viewer_referer text
)
returns table (
  outcome text,                 -- ok | unauthorized | rate_limited | not_found
  retry_after_seconds integer,
  resume_id bigint,
  resume_name text,
  pdf_filename text,
  permanent_token text,
  qr_code_base64 text,
  access_count bigint,
  last_accessed_at timestamptz,
  created_at timestamptz
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
begin
  select t.id into token_id
    from public.api_tokens t
   where t.token_hash = api_token_hash
     and t.is_active
     and (t.expires_at is null or t.expires_at > now());

  if token_id is null then
    -- Wrong or missing tokens count against the caller's IP; a valid token never does.
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

  select * into shared
    from public.resumes r
   where r.permanent_token = share_token and r.is_active;
  if shared.id is null then
    outcome := 'not_found';
    return next;
    return;
  end if;

  insert into public.resume_access_logs (resume_id, ip_address, user_agent, referer)
  values (shared.id, viewer_ip, left(viewer_user_agent, 1000), left(viewer_referer, 500));

  -- One of 16 shard rows, at random: concurrent views of one resume rarely meet.
  insert into public.resume_view_counters as c (resume_id, shard, views, last_viewed_at)
  values (shared.id, floor(random() * 16)::smallint, 1, now())
  on conflict (resume_id, shard) do update
    set views = c.views + 1, last_viewed_at = excluded.last_viewed_at;

  outcome := 'ok';
  resume_id := shared.id;
  resume_name := shared.resume_name;
  pdf_filename := shared.pdf_filename;
  permanent_token := shared.permanent_token;
  qr_code_base64 := shared.qr_code_base64;
  created_at := shared.created_at;
  select sum(v.views)::bigint, max(v.last_viewed_at) into access_count, last_accessed_at
    from public.resume_view_counters v where v.resume_id = shared.id;
  return next;
end;
$$;
comment on function private.fetch_shared_resume(bytea, text, inet, text, text) is
  'The public fetch: checks the API token (sha256), finds the active resume by share token, logs the view and counts it. Called by the public-resume edge function and the facade with the server''s own role.';

-- The server calls this with its own connection role, without switching to
-- service_role first: that saves a transaction's round trips on the hottest path.
-- authenticator is the login role of PostgREST and of our servers; it never runs
-- anything else without switching role first.
grant usage on schema private to authenticator;
grant execute on function private.fetch_shared_resume(bytea, text, inet, text, text) to authenticator, service_role;

-- Per-resume analytics for its owner: runs with the caller's rights, so RLS limits it
-- to the caller's own resumes (anyone else gets nothing).
create or replace function public.resume_analytics(target_resume_id bigint, days integer default 30)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with logs as (
    select l.ip_address, l.referer, l.accessed_at
      from public.resume_access_logs l
     where l.resume_id = target_resume_id
  ),
  recent as (
    select * from logs where accessed_at >= date_trunc('day', now()) - make_interval(days => greatest(days, 1) - 1)
  )
  select jsonb_build_object(
    'resume_id', target_resume_id,
    'total_views', coalesce((select sum(v.views) from public.resume_view_counters v where v.resume_id = target_resume_id), 0),
    'unique_visitors', (select count(distinct ip_address) from logs),
    'last_accessed_at', (select max(v.last_viewed_at) from public.resume_view_counters v where v.resume_id = target_resume_id),
    'views_per_day', coalesce((
      select jsonb_agg(jsonb_build_object('day', d.day, 'views', d.views) order by d.day)
        from (select date_trunc('day', accessed_at)::date as day, count(*) as views from recent group by 1) d
    ), '[]'::jsonb),
    'top_referrers', coalesce((
      select jsonb_agg(jsonb_build_object('referer', r.referer, 'views', r.views) order by r.views desc, r.referer)
        from (select referer, count(*) as views from logs where referer is not null group by 1 order by 2 desc, 1 limit 10) r
    ), '[]'::jsonb)
  )
  where exists (select 1 from public.resumes r where r.id = target_resume_id);
$$;
comment on function public.resume_analytics(bigint, integer) is
  'Owner analytics of one resume: total views, unique visitors (distinct IPs), views per day over the last `days` days, top referrers. Null when the caller does not own the resume.';
grant execute on function public.resume_analytics(bigint, integer) to authenticated;
