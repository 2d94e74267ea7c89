-- Admin functions for API tokens, run from the dashboard's SQL editor (as postgres)
-- or with `npm run admin -- token ...`. The plain token is returned once, by create;
-- only its SHA-256 digest is stored.

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
