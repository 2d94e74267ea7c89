-- Setup: default privileges, schemas, extensions, shared trigger functions.
--
-- Migrations are history. Once a migration has been applied to a database that is not
-- a developer's own throwaway one (a hosted project, a preview branch, staging), it is
-- never edited again: a change is a new migration, with a new timestamp. (Before any
-- of them had been applied anywhere, the job board's first migrations were folded into
-- one per concern; from now on that never happens again.)
--
-- Hosted Supabase grants every new table, sequence and function in `public` to
-- anon and authenticated, and Postgres grants EXECUTE on every new function to
-- PUBLIC. We turn both defaults off first, so each later migration grants exactly
-- what its policies need and nothing reaches the API by accident.

-- Functions: no implicit EXECUTE for anybody; each function is granted by name.
alter default privileges for role postgres revoke execute on functions from public;
alter default privileges for role postgres in schema public revoke execute on functions from anon, authenticated;

-- Tables and sequences in public: nothing for the API roles unless granted.
-- service_role keeps Supabase's default (it is the admin key and bypasses RLS).
alter default privileges for role postgres in schema public revoke all on tables from anon, authenticated;
alter default privileges for role postgres in schema public revoke all on sequences from anon, authenticated;

-- `private` holds helpers that policies and triggers call. PostgREST does not expose
-- it (it is not in the API schemas); API roles may use it only to run the functions
-- granted to them by name.
create schema if not exists private;
comment on schema private is 'Helpers for policies, triggers and admins. Not exposed by the Data API.';
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;
alter default privileges for role postgres in schema private revoke execute on functions from public;

-- Extensions go in `extensions`, where Supabase installs them (pgcrypto is already
-- there on every project, and in the local platform bootstrap). pg_trgm: the job
-- listing's case-insensitive location search (a trigram index).
create extension if not exists pg_trgm with schema extensions;

-- Keeps updated_at true on every table that has one, whoever writes the row.
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
comment on function private.set_updated_at() is 'Trigger: stamps updated_at on update.';
