-- API tokens for integrations (previewcv.com's shared token). Only a SHA-256 digest of
-- each token is stored; the plain token is shown once, when an admin creates it.
-- No API role has any access: tokens are checked by SQL functions the edge functions
-- and the facade call with the service role.

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
