-- The servers' own login role, previewcv_api: the facade and the edge functions connect
-- with it, locally and hosted alike (APP_DATABASE_URL).
--
-- Until now the servers connected as `authenticator` locally and would have used
-- `postgres` hosted (SUPABASE_DB_URL): a statement that forgot to switch to the caller's
-- role passed every local test and bypassed RLS in production. This role can do nothing
-- by itself but run the few private functions granted to it below; everything a user
-- does runs after `set local role anon|authenticated` (src/db/client.ts, asCaller), as
-- PostgREST does. It is a member of anon and authenticated (to switch into them),
-- NOINHERIT (it holds none of their privileges itself), and never of service_role or
-- postgres.
--
-- No password here: on a hosted project an admin sets it once, in the SQL editor,
--   alter role previewcv_api with password '<a long random secret>';
-- and builds APP_DATABASE_URL from the project's transaction pooler with the user
-- `previewcv_api.<project-ref>`. Locally sql/supabase_platform.sql creates the role
-- first with the password `postgres`; this migration then gives it the same
-- attributes and memberships everywhere.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'previewcv_api') then
    create role previewcv_api login noinherit;
  end if;
end
$$;
alter role previewcv_api login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
-- What hosted Supabase gives the authenticated role, for the statements the servers run
-- as the caller (a role switch inside a transaction keeps the login role's settings).
alter role previewcv_api set statement_timeout = '8s';

grant anon, authenticated to previewcv_api;

-- The server-only functions it runs without switching role. Each migration that adds
-- one grants it here by name; tests/database/schema.test.ts holds the exact list.
grant usage on schema private to previewcv_api;

-- The public fetch (previewcv.com): one round trip, API token checked inside.
grant execute on function private.fetch_shared_resume(bytea, text, inet, text, text) to previewcv_api;
-- Rate-limit counters: server state no API role may read or reset. The servers used to
-- switch to service_role (which bypasses RLS everywhere) for this one call.
grant execute on function private.hit_rate_limit(text, integer, integer) to previewcv_api;

-- authenticator is PostgREST's login role again, and nothing more: it never calls a
-- private function (the servers no longer log in as it).
revoke execute on function private.fetch_shared_resume(bytea, text, inet, text, text) from authenticator;
revoke usage on schema private from authenticator;
