-- A deactivated account's resumes are no longer served, and referers are stored without
-- credentials.
--
-- 1. An account switched off (private.apply_account_activity: an admin's deactivation, a
--    direct write of profiles.is_active, an erasure under way) can do nothing itself, and
--    its postings and public profile leave the listings (20261201000300); its shared
--    resumes went on being served through their permanent tokens and share links. An
--    abusive account's links must stop with the account. As for postings, each resume
--    carries its owner's state, owner_is_active, kept true by a composite foreign key
--    (user_id, owner_is_active) -> profiles (id, is_active) ON UPDATE CASCADE: switching
--    the profile off updates its resumes in the same statement, no write (a superuser's
--    included) can store a copy that disagrees, and the public fetch reads it from the
--    row it already reads (no extra lookup). Reactivation serves them again, unchanged.
--
-- 2. A Referer with credentials (https://user:password@host/...) was stored raw for the
--    retention window and shown in the owner's top referrers: a third party's secret
--    handed to the resume's owner. Browsers never send one; a forwarder might. It is now
--    stored without them (the minimized form after retention already drops them,
--    20261206500100).

alter table public.resumes add column owner_is_active boolean not null default true;
comment on column public.resumes.owner_is_active is
  'Copy of the owner''s profiles.is_active, kept by the foreign key resumes_owner_fkey (ON UPDATE CASCADE). False: the public fetch answers not found for the resume and its share links. Not writable through the API.';

update public.resumes r set owner_is_active = false from public.profiles p where p.id = r.user_id and not p.is_active;

alter table public.resumes
  add constraint resumes_owner_fkey foreign key (user_id, owner_is_active)
  references public.profiles (id, is_active) on update cascade on delete cascade;
alter table public.resumes drop constraint resumes_user_id_fkey;

-- The foreign key's lookups and cascades; replaces the (user_id, created_at) index's role
-- for them without dropping it (the owner's list reads that one).
create index resumes_user_id_owner_is_active_idx on public.resumes (user_id, owner_is_active);

-- https://user:pw@host/path -> https://host/path; anything else unchanged.
create or replace function private.referer_without_credentials(referer text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$ select pg_catalog.regexp_replace(referer, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@', '\1') $$;
comment on function private.referer_without_credentials(text) is
  'A Referer without the user name and password a URL may carry before its host (scheme://user:pw@host/... -> scheme://host/...), as the public fetch stores it.';

update public.resume_access_logs l
   set referer = private.referer_without_credentials(l.referer)
 where l.referer ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@';

-- The public fetch as in 20261206600100, but for the owner's state on both lookups of
-- the resume and the referer stored without credentials.
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
   where r.permanent_token = share_token and r.is_active and r.owner_is_active;
  if shared.id is null then
    -- A share link: live (not revoked, not expired, not used up) and of an active resume.
    select * into link
      from public.resume_share_links l
     where l.token = share_token
       and l.revoked_at is null
       and (l.expires_at is null or l.expires_at > now())
       and (l.view_limit is null or l.views_used < l.view_limit);
    if link.id is not null then
      select * into shared from public.resumes r where r.id = link.resume_id and r.is_active and r.owner_is_active;
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
  values (shared.id, link.id, view_class, ip, left(agent, 1000), left(private.referer_without_credentials(coalesce(forwarded_referer, viewer_referer)), 500),
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
  'The public fetch, one statement: checks the API token (sha256; failures rate-limited per request IP), then, trusting the forwarded viewer fields only from here, resolves a permanent token or a live share link of an active resume whose owner is active (expired, used-up and revoked links, inactive resumes and deactivated owners are not_found), checks the link''s password (bcrypt; wrong ones rate-limited per link and IP) and required email, classifies the view as owner, bot or person, uses up a view limit under the link''s row lock, logs the view (its referer without credentials) and counts person views. A person''s view is queued for the worker, which tells first-of-day from repeat (private.worker_classify_resume_views). Called by the public-resume edge function and the facade with the servers'' own role.';
