-- job_postings, job_applications and job_application_status_history, as PostgREST
-- would apply their policies (role switched with `set local role`, the JWT's claims
-- in request.jwt.claims).
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
-- The setup migration revokes EXECUTE on the functions postgres creates, pgTAP's too
-- when the extension is created after the migrations. The cases below call pgTAP while
-- switched to anon, authenticated or service_role, as PostgREST would be: grant
-- them pgTAP's functions for this test only (rolled back with it).
do $$
begin
  if not has_function_privilege('service_role', 'extensions.ok(boolean, text)', 'execute') then
    execute (
      select string_agg(format('grant execute on function %s to anon, authenticated, service_role', p.oid::regprocedure), '; ')
        from pg_proc p
        join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
        join pg_extension e on e.oid = d.refobjid and e.extname = 'pgtap'
    );
  end if;
end
$$;

-- Personas, created as Supabase Auth creates users (their profiles come from the
-- trigger on auth.users). Candidates A and B; recruiter R, with a public profile.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-0000-0000-000000000000', 'aaaaaaaa-0000-4000-8000-000000000001', 'authenticated', 'authenticated',
   'pgtap.a@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"candidate","full_name":"Alice Candidate"}', now(), now()),
  ('00000000-0000-0000-0000-000000000000', 'bbbbbbbb-0000-4000-8000-000000000002', 'authenticated', 'authenticated',
   'pgtap.b@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"candidate","full_name":"Bob Candidate"}', now(), now()),
  ('00000000-0000-0000-0000-000000000000', 'cccccccc-0000-4000-8000-000000000003', 'authenticated', 'authenticated',
   'pgtap.r@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"recruiter","full_name":"Rita Recruiter","recruiter_profile":{"username":"pgtap-rcorp","recruiter_type":"company","company_name":"R Corp","phone":"+1 555 0100"}}',
   now(), now());

-- Each signed in once, as Supabase Auth records it (auth.sessions): the JWT claims below
-- name these sessions, and the policies refuse a token whose session does not exist.
insert into auth.sessions (id, user_id, created_at, updated_at, aal)
values ('aaaaaaaa-5e55-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', now(), now(), 'aal1'),
       ('bbbbbbbb-5e55-4000-8000-000000000002', 'bbbbbbbb-0000-4000-8000-000000000002', now(), now(), 'aal1'),
       ('cccccccc-5e55-4000-8000-000000000003', 'cccccccc-0000-4000-8000-000000000003', now(), now(), 'aal1');

-- Recruiter R's postings: open, closed, expired. Candidate A's resume.
insert into public.job_postings (id, recruiter_id, title, company_name, description, is_active, expires_at)
overriding system value
values (900101, 'cccccccc-0000-4000-8000-000000000003', 'Open', 'R Corp', 'Build things.', true, null),
       (900102, 'cccccccc-0000-4000-8000-000000000003', 'Closed', 'R Corp', 'Build things.', false, null),
       (900103, 'cccccccc-0000-4000-8000-000000000003', 'Expired', 'R Corp', 'Build things.', true, now() - interval '1 day');
insert into public.resumes (id, user_id, resume_name, pdf_filename, permanent_token)
overriding system value
values (900001, 'aaaaaaaa-0000-4000-8000-000000000001', 'A main', 'aaaaaaaa-0000-4000-8000-000000000001/pgtap.pdf', repeat('a', 43));

-- Views counted on the open and the closed posting.
insert into public.job_posting_view_counters (job_id, shard, views) values (900101, 0, 4), (900102, 0, 2);

select plan(11);

-- job_postings: anon reads open postings only; the recruiter reads all of theirs.
set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select results_eq(
  $$ select id from public.job_postings where id between 900101 and 900103 order by id $$,
  $$ values (900101::bigint) $$,
  'job_postings: anon reads the open posting'
);
select is_empty(
  $$ select id from public.job_postings where id in (900102, 900103) $$,
  'job_postings: anon sees neither the closed nor the expired posting'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"cccccccc-0000-4000-8000-000000000003","role":"authenticated","session_id":"cccccccc-5e55-4000-8000-000000000003"}', true);
select results_eq(
  $$ select id from public.job_postings where id between 900101 and 900103 order by id $$,
  $$ values (900101::bigint), (900102::bigint), (900103::bigint) $$,
  'job_postings: recruiter R reads all of their postings, closed and expired too'
);
reset role;

-- job_applications: A applies to the open posting, not to the closed one; B sees
-- nothing of A's application.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-000000000001","role":"authenticated","session_id":"aaaaaaaa-5e55-4000-8000-000000000001"}', true);
select lives_ok(
  $$ insert into public.job_applications (job_id, resume_id, cover_letter) values (900101, 900001, 'Hello') $$,
  'job_applications: candidate A applies to the open posting with their resume'
);
select throws_ok(
  $$ insert into public.job_applications (job_id, resume_id) values (900102, 900001) $$,
  '42501', 'new row violates row-level security policy for table "job_applications"',
  'job_applications: candidate A cannot apply to a closed posting'
);
-- job_application_status_history: A reads their application's history, cannot write it.
select results_eq(
  $$ select h.to_status::text from public.job_application_status_history h
       join public.job_applications a on a.id = h.application_id where a.job_id = 900101 $$,
  $$ values ('pending') $$,
  'job_application_status_history: candidate A reads their application''s history'
);
select throws_ok(
  $$ insert into public.job_application_status_history (application_id, to_status)
     select id, 'accepted' from public.job_applications where job_id = 900101 $$,
  '42501', 'permission denied for table job_application_status_history',
  'job_application_status_history: candidate A cannot forge a status change'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"bbbbbbbb-0000-4000-8000-000000000002","role":"authenticated","session_id":"bbbbbbbb-5e55-4000-8000-000000000002"}', true);
select is_empty(
  $$ select id from public.job_applications where job_id = 900101 $$,
  'job_applications: candidate B does not see candidate A''s application'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"cccccccc-0000-4000-8000-000000000003","role":"authenticated","session_id":"cccccccc-5e55-4000-8000-000000000003"}', true);
select results_eq(
  $$ select cover_letter from public.job_applications where job_id = 900101 $$,
  $$ values ('Hello'::text) $$,
  'job_applications: recruiter R reads the application to their posting'
);
reset role;

-- job_posting_view_counters: readable exactly when the posting is; written by nobody.
set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select results_eq(
  $$ select job_id from public.job_posting_view_counters where job_id in (900101, 900102) $$,
  $$ values (900101::bigint) $$,
  'job_posting_view_counters: anon reads the views of the open posting only'
);
select throws_ok(
  $$ update public.job_posting_view_counters set views = 1000000 where job_id = 900101 $$,
  '42501', 'permission denied for table job_posting_view_counters',
  'job_posting_view_counters: anon cannot inflate the views'
);
reset role;

select * from finish();
rollback;
