-- Row-level security is on for every table in public, and every such table has its
-- allow and deny cases in this folder (a new table fails here until it gets them).
-- Runs with `supabase test db` (pgTAP under Docker), or locally through
-- tests/database/pgtap.test.ts when the server has the pgtap extension.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(2);

select is_empty(
  $$ select c.relname from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity $$,
  'row-level security is enabled on every table in public'
);

select set_eq(
  $$ select c.relname::text from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') $$,
  array[
    'profiles', 'recruiter_profiles',                                      -- profiles.test.sql
    'resumes', 'resume_view_counters', 'resume_access_logs',               -- resumes.test.sql
    'resume_share_links',                                                  -- resume_share_links.test.sql
    'api_tokens',                                                          -- api_tokens.test.sql
    'job_postings', 'job_applications', 'job_application_status_history',  -- job_board.test.sql
    'job_posting_view_counters',                                           -- job_board.test.sql
    'notifications', 'webhook_endpoints', 'webhook_deliveries',            -- notifications.test.sql
    'webhook_delivery_attempts'
  ],
  'every table in public has its allow and deny cases in supabase/tests/database'
);

select * from finish();
rollback;
