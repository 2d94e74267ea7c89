-- API tokens for integrations (previewcv.com's shared token). Only a SHA-256 digest of
-- each token is stored; the plain token is shown once, when an admin creates it.
-- anon and authenticated have no access at all. A token is checked by
-- private.fetch_shared_resume (security definer, migration 20261125001000), which the
-- public-resume edge function and the facade run with their own login role, without
-- switching to service_role. service_role (the admin key) keeps Supabase's default
-- grants on the table and bypasses RLS, as it does everywhere.

create table public.api_tokens (
  id bigint generated always as identity primary key,
  token_hash bytea not null unique
    constraint api_tokens_token_hash_is_sha256 check (octet_length(token_hash) = 32),
  token_prefix varchar(16) not null,
  token_name varchar(255) not null,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz
);

create index api_tokens_is_active_idx on public.api_tokens (is_active);

comment on table public.api_tokens is
  'Tokens for integrations such as previewcv.com. Stores sha256(token), never the token. No access for anon/authenticated; admins manage tokens with private.create_api_token / private.revoke_api_token.';
comment on column public.api_tokens.token_hash is 'sha256 of the whole token string. The seed''s token_key, hashed.';
comment on column public.api_tokens.token_prefix is 'The first characters of the token, to recognise it in lists without storing it.';
comment on column public.api_tokens.last_used_at is 'Updated at most once a minute per token, so a busy token is not a hot row.';

revoke all on public.api_tokens from anon, authenticated;

alter table public.api_tokens enable row level security;
-- No policies: anon and authenticated can neither read nor write a token.

-- Admin functions, run from the dashboard's SQL editor (as postgres) or with
-- `npm run admin -- token ...` (connected as postgres). No API role may execute them:
-- nothing is granted. The plain token is returned once, by create; only its SHA-256
-- digest is stored.

create or replace function private.create_api_token(token_name text, valid_until timestamptz default null)
returns table (id bigint, token text, token_prefix text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  -- "pcv_" + 32 random bytes as base64url without padding.
  plain text := 'pcv_' || translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
begin
  if nullif(btrim(create_api_token.token_name), '') is null then
    raise exception 'a token needs a name' using errcode = '22023';
  end if;
  return query
    insert into public.api_tokens (token_hash, token_prefix, token_name, expires_at)
    values (extensions.digest(plain, 'sha256'), left(plain, 12), btrim(create_api_token.token_name), create_api_token.valid_until)
    returning api_tokens.id, plain, api_tokens.token_prefix::text, api_tokens.expires_at;
end;
$$;
comment on function private.create_api_token(text, timestamptz) is
  'Creates an API token and returns it in plain text, once. Example: select * from private.create_api_token(''previewcv'');';

create or replace function private.list_api_tokens()
returns table (id bigint, token_name text, token_prefix text, is_active boolean, created_at timestamptz, expires_at timestamptz, last_used_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select t.id, t.token_name, t.token_prefix, t.is_active, t.created_at, t.expires_at, t.last_used_at
    from public.api_tokens t
   order by t.created_at desc;
$$;
comment on function private.list_api_tokens() is 'Every API token (never the token itself): name, prefix, state, last use.';

create or replace function private.revoke_api_token(token_id bigint)
returns boolean
language sql
security definer
set search_path = ''
as $$
  update public.api_tokens set is_active = false where id = token_id returning true;
$$;
comment on function private.revoke_api_token(bigint) is 'Deactivates an API token at once; returns null when no token has that id.';
