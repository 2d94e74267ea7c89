-- resumes, resume_view_counters and resume_access_logs: owner-only, as PostgREST would
-- apply it (role switched with `set local role`, the JWT's claims in request.jwt.claims).
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

-- A's resume, with views and an access log row (written as the public fetch would).
insert into public.resumes (id, user_id, resume_name, pdf_filename, permanent_token)
overriding system value
values (900001, 'aaaaaaaa-0000-4000-8000-000000000001', 'A main', 'aaaaaaaa-0000-4000-8000-000000000001/pgtap.pdf', repeat('a', 43));
insert into public.resume_view_counters (resume_id, shard, views, last_viewed_at) values (900001, 3, 5, now());
insert into public.resume_access_logs (resume_id, ip_address, user_agent) values (900001, '203.0.113.7', 'pgtap');

select plan(7);

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-000000000001","role":"authenticated","session_id":"aaaaaaaa-5e55-4000-8000-000000000001"}', true);
select results_eq(
  $$ select id from public.resumes $$,
  $$ values (900001::bigint) $$,
  'resumes: candidate A reads their own resume'
);
select results_eq(
  $$ select views from public.resume_view_counters where resume_id = 900001 $$,
  $$ values (5::bigint) $$,
  'resume_view_counters: candidate A reads their resume''s views'
);
select results_eq(
  $$ select host(ip_address) from public.resume_access_logs where resume_id = 900001 $$,
  $$ values ('203.0.113.7') $$,
  'resume_access_logs: candidate A reads who viewed their resume'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"bbbbbbbb-0000-4000-8000-000000000002","role":"authenticated","session_id":"bbbbbbbb-5e55-4000-8000-000000000002"}', true);
select is_empty(
  $$ select id from public.resumes where id = 900001 $$,
  'resumes: candidate B does not see candidate A''s resume'
);
select throws_ok(
  $$ insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
     values ('aaaaaaaa-0000-4000-8000-000000000001', 'Not mine', 'aaaaaaaa-0000-4000-8000-000000000001/b.pdf', repeat('b', 43)) $$,
  '42501', 'permission denied for table resumes',
  'resumes: candidate B cannot create a resume in candidate A''s name (only the upload path records resumes)'
);
select is_empty(
  $$ select resume_id from public.resume_view_counters where resume_id = 900001 $$,
  'resume_view_counters: candidate B does not see candidate A''s views'
);
reset role;

set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select throws_ok(
  $$ select id from public.resume_access_logs $$,
  '42501', 'permission denied for table resume_access_logs',
  'resume_access_logs: anon reads nothing'
);
reset role;

select * from finish();
rollback;
