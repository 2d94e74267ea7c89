-- The Supabase platform, as a hosted project has it before our migrations run.
--
-- Applied ONLY to local databases (embedded Postgres, the machine's Postgres in CI).
-- On a real Supabase project all of this already exists and is owned by Supabase;
-- it is never part of supabase/migrations. Every statement is idempotent: running
-- this file twice changes nothing.
--
-- What it recreates:
--   * the API roles PostgREST switches between (anon, authenticated, service_role)
--     and the login role it connects as (authenticator); the servers' login role
--     (previewcv_api) with its local password;
--   * the `extensions` schema with pgcrypto, where Supabase installs extensions;
--   * the `auth` schema with the tables Supabase Auth (GoTrue) owns, shaped like its
--     own migrations, so our trigger on auth.users fires exactly as in production;
--   * auth.uid(), auth.role(), auth.email(), auth.jwt() with Supabase's bodies;
--   * Supabase's default privileges on `public`: everything granted to the API roles.
--     That default is permissive on purpose here, so our migrations are tested
--     against the same defaults they must revoke on a hosted project.

-- Roles ----------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    -- Local development password; a hosted project manages its own.
    create role authenticator login noinherit password 'postgres';
  end if;
  -- The servers' login role (the facade and the edge functions). A migration
  -- (20261201000100_servers_login_role.sql) gives it its memberships and grants, the same
  -- on a hosted project, where an admin sets its password; it is created here first only
  -- so that the local one has its local password (set below on every run).
  if not exists (select 1 from pg_roles where rolname = 'previewcv_api') then
    create role previewcv_api login noinherit;
  end if;
  -- Supabase's dashboard and migrations run as `postgres`, which may switch to the
  -- API roles (as the SQL editor's "run as role" does).
  if not exists (select 1 from pg_roles where rolname = 'postgres') then
    create role postgres login superuser;
  end if;
end
$$;

-- Local development password of the servers' role; a hosted project's admin sets its own.
alter role previewcv_api with login password 'postgres';

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

-- PostgREST's per-role settings (statement timeouts as on hosted projects).
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- Extensions -----------------------------------------------------------------------
create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;

-- The public schema ----------------------------------------------------------------
grant usage on schema public to anon, authenticated, service_role;
-- Supabase's defaults: new objects in public are reachable by every API role unless
-- a migration revokes it (ours do, in the setup migration). Set once, when the
-- platform is new: a later run must not undo what the migrations revoked.
do $$
begin
  if not exists (
    select 1 from pg_default_acl
     where defaclrole = 'postgres'::regrole and defaclnamespace = 'public'::regnamespace
  ) then
    alter default privileges for role postgres in schema public
      grant all on tables to anon, authenticated, service_role;
    alter default privileges for role postgres in schema public
      grant all on sequences to anon, authenticated, service_role;
    alter default privileges for role postgres in schema public
      grant all on functions to anon, authenticated, service_role;
  end if;
end
$$;

-- The auth schema (owned by Supabase Auth on a real project) -------------------------
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255) default '',
  confirmation_sent_at timestamptz,
  recovery_token varchar(255) default '',
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255) default '',
  email_change varchar(255) default '',
  email_change_sent_at timestamptz,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
-- As in Supabase Auth: one account per email among non-SSO users.
create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);
create index if not exists users_instance_id_idx on auth.users (instance_id);
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

create table if not exists auth.identities (
  id uuid primary key default gen_random_uuid(),
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);

create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  factor_id uuid,
  aal text,
  not_after timestamptz,
  refreshed_at timestamp,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);

-- Supabase Auth enables RLS on its tables with no policies: the API roles see nothing.
alter table auth.users enable row level security;
alter table auth.identities enable row level security;
alter table auth.sessions enable row level security;
alter table auth.refresh_tokens enable row level security;

-- auth.uid(), auth.role(), auth.email(), auth.jwt(): Supabase's bodies. They read the
-- claims PostgREST sets per request (request.jwt.claims), falling back to the legacy
-- one-setting-per-claim form (request.jwt.claim.sub).
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

-- Realtime's publication ------------------------------------------------------------
-- Every hosted project has it, created empty by Supabase; migrations add the tables
-- frontends subscribe to (`alter publication supabase_realtime add table ...`).
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
