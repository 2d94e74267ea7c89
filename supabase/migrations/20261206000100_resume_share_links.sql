-- Share links the candidate controls (issue 13): a resume has many links beside its
-- permanent token (which stays its default link, unchanged). Each link has its own
-- token, a label the owner chooses ("Acme Corp, backend role"), and optionally an
-- expiry, a view limit (1: a one-time link), a password and "the viewer must give an
-- email". Each is revoked or rotated on its own. The public fetch
-- (private.fetch_shared_resume, migration 20261206000300) resolves link tokens and
-- permanent tokens alike and answers an expired, exhausted or revoked link with the same
-- not_found as an unknown token.
--
-- Owners create, read, change and revoke links through the table under RLS (supabase-js
-- and the facade alike); the token is made by the database (a column default: nobody
-- chooses one), rotated by public.rotate_resume_share_link, and the password is set by
-- public.set_resume_share_link_password, which stores only a bcrypt hash (the hash is
-- never readable through the API).

create table public.resume_share_links (
  id bigint generated always as identity primary key,
  resume_id bigint not null references public.resumes (id) on delete cascade,
  -- 32 random bytes, base64url without padding: the permanent token's format.
  token varchar(43) not null unique
    default translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_')
    constraint resume_share_links_token_format check (token ~ '^[A-Za-z0-9_-]{43}$'),
  label varchar(200) not null
    constraint resume_share_links_label_clean check (
      btrim(label) <> '' and char_length(label) <= 200 and label !~ '[\u0001-\u001f\u007f-\u009f]'
    ),
  expires_at timestamptz,
  view_limit integer constraint resume_share_links_view_limit_positive check (view_limit >= 1),
  -- Views counted against view_limit; kept only for links that have a limit (a link
  -- without one is never written by a view: no hot row).
  views_used integer not null default 0 constraint resume_share_links_views_used_range check (views_used >= 0),
  password_hash text constraint resume_share_links_password_hash_bcrypt check (password_hash ~ '^\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
  has_password boolean generated always as (password_hash is not null) stored,
  require_viewer_email boolean not null default false,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index resume_share_links_resume_id_idx on public.resume_share_links (resume_id, created_at);

comment on table public.resume_share_links is
  'Share links of a resume besides its permanent token: each with its own token, a label, and optionally an expiry, a view limit, a password, a required viewer email. Owner-only through the API (RLS); previewcv.com reads through the public fetch. Revoked links stay (their views stay in the analytics); at most private.max_share_links_per_resume() per resume.';
comment on column public.resume_share_links.token is 'The secret in https://previewcv.com/r/{token}: 32 random bytes, base64url, made by the database. Rotate with public.rotate_resume_share_link (the old link dies).';
comment on column public.resume_share_links.label is 'The owner''s name for the link ("Acme Corp, backend role"): 1-200 characters, no control characters. Never shown to viewers.';
comment on column public.resume_share_links.expires_at is 'After this the link answers 404. Must be in the future when set.';
comment on column public.resume_share_links.view_limit is 'Counted views the link serves (1: a one-time link); then it answers 404. Bots and the owner do not use it up.';
comment on column public.resume_share_links.views_used is 'Counted views served against view_limit (written only for links with a limit, under the row lock, by the public fetch).';
comment on column public.resume_share_links.password_hash is 'bcrypt (cost 10) of the link''s password; set by public.set_resume_share_link_password, verified inside the public fetch. Not readable through the API.';
comment on column public.resume_share_links.require_viewer_email is 'The viewer must give an email (previewcv.com passes it); it is logged with the view for the retention window.';
comment on column public.resume_share_links.revoked_at is 'When the owner revoked the link (set it to any value: the database stamps now()). Final: a revoked link never works or changes again.';

grant select (id, resume_id, token, label, expires_at, view_limit, views_used, has_password, require_viewer_email, revoked_at, created_at, updated_at)
  on public.resume_share_links to authenticated;
grant insert (resume_id, label, expires_at, view_limit, require_viewer_email) on public.resume_share_links to authenticated;
grant update (label, expires_at, view_limit, require_viewer_email, revoked_at) on public.resume_share_links to authenticated;

alter table public.resume_share_links enable row level security;

create trigger resume_share_links_set_updated_at
  before update on public.resume_share_links
  for each row execute function private.set_updated_at();

-- How many links one resume may have (revoked ones included): enough for a long job
-- search, and a bound on what the owner's analytics list.
create or replace function private.max_share_links_per_resume()
returns integer
language sql
immutable
set search_path = ''
as $$ select 100 $$;
comment on function private.max_share_links_per_resume() is 'At most this many share links per resume, revoked ones included (private.check_share_link).';

-- The rules a check constraint cannot say: an expiry in the future, a revoked link is
-- final, the revocation time is the database's, and the number of links per resume.
create or replace function private.check_share_link()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  existing integer;
begin
  if tg_op = 'UPDATE' and old.revoked_at is not null then
    raise exception 'The link is revoked and can no longer change' using errcode = 'PT409';
  end if;
  if new.expires_at is not null and new.expires_at <= now()
     and (tg_op = 'INSERT' or new.expires_at is distinct from old.expires_at) then
    raise exception 'expires_at must be in the future' using errcode = '22023';
  end if;
  if tg_op = 'UPDATE' and new.revoked_at is not null then
    new.revoked_at := now();
  end if;
  if tg_op = 'INSERT' then
    new.revoked_at := null;
    -- Counted under the resume's row lock, so concurrent creates cannot overshoot.
    perform 1 from public.resumes r where r.id = new.resume_id for no key update;
    select count(*) into existing from public.resume_share_links l where l.resume_id = new.resume_id;
    if existing >= private.max_share_links_per_resume() then
      raise exception 'A resume has at most % share links', private.max_share_links_per_resume() using errcode = 'PT409';
    end if;
  end if;
  return new;
end;
$$;
comment on function private.check_share_link() is
  'Trigger on resume_share_links: expires_at in the future when set, a revoked link is final (PT409), revoked_at stamped now(), at most private.max_share_links_per_resume() links per resume (PT409). Security definer: it locks and counts the resume''s links whatever the caller''s policies.';

create trigger resume_share_links_check
  before insert or update on public.resume_share_links
  for each row execute function private.check_share_link();

-- A new token for one of the caller's links: the old link stops at once.
create or replace function public.rotate_resume_share_link(target_link_id bigint)
returns text
language sql
security definer
set search_path = ''
as $$
  update public.resume_share_links l
     set token = default
   where l.id = target_link_id
     and l.revoked_at is null
     and (select private.caller_may_act())
     and l.resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid()))
  returning l.token;
$$;
comment on function public.rotate_resume_share_link(bigint) is
  'Gives one of the caller''s live share links a new token (made by the column default) and returns it; null when the caller has no such live link or may not act. Security definer: no API role may write a token (nobody chooses one).';
grant execute on function public.rotate_resume_share_link(bigint) to authenticated;

-- Sets (or, with null, clears) the password of one of the caller's live links.
create or replace function public.set_resume_share_link_password(target_link_id bigint, new_password text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  changed bigint;
begin
  if new_password is not null and (char_length(new_password) < 4 or octet_length(new_password) > 72) then
    raise exception 'password must be 4 to 72 bytes long' using errcode = '22023';
  end if;
  update public.resume_share_links l
     set password_hash = case when new_password is null then null else extensions.crypt(new_password, extensions.gen_salt('bf', 10)) end
   where l.id = target_link_id
     and l.revoked_at is null
     and (select private.caller_may_act())
     and l.resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid()))
  returning l.id into changed;
  return changed is not null;
end;
$$;
comment on function public.set_resume_share_link_password(bigint, text) is
  'Sets the password of one of the caller''s live share links as a bcrypt hash (cost 10; 4 to 72 bytes, 22023 otherwise), or clears it with null. False when the caller has no such live link or may not act. Security definer: the hash column is not writable (nor readable) through the API, so nobody can store a hash of their own making.';
grant execute on function public.set_resume_share_link_password(bigint, text) to authenticated;

create policy "owners read links of own resumes"
  on public.resume_share_links for select
  to authenticated
  using ((select private.caller_may_act()) and resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));

create policy "owners create links to own resumes"
  on public.resume_share_links for insert
  to authenticated
  with check ((select private.caller_may_act()) and resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));

create policy "owners change links of own resumes"
  on public.resume_share_links for update
  to authenticated
  using ((select private.caller_may_act()) and resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())))
  with check ((select private.caller_may_act()) and resume_id in (select r.id from public.resumes r where r.user_id = (select auth.uid())));
