-- profiles and recruiter_profiles, each read and written as PostgREST would: role
-- switched with `set local role`, the JWT's claims in request.jwt.claims.
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

select plan(6);

-- profiles: a user reads their own row, nobody else's, and cannot change their role.
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-000000000001","role":"authenticated","session_id":"aaaaaaaa-5e55-4000-8000-000000000001"}', true);
select results_eq(
  $$ select id from public.profiles where id in ('aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002') $$,
  $$ values ('aaaaaaaa-0000-4000-8000-000000000001'::uuid) $$,
  'profiles: candidate A reads their own profile'
);
select is_empty(
  $$ select id from public.profiles where id = 'bbbbbbbb-0000-4000-8000-000000000002' $$,
  'profiles: candidate A does not see candidate B''s profile'
);
select throws_ok(
  $$ update public.profiles set user_type = 'recruiter' where id = 'aaaaaaaa-0000-4000-8000-000000000001' $$,
  '42501', 'permission denied for table profiles',
  'profiles: candidate A cannot make themselves a recruiter'
);
reset role;

-- recruiter_profiles: anyone reads the public columns; phone is not readable; only an
-- active recruiter creates a profile.
set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select results_eq(
  $$ select username::text from public.recruiter_profiles where user_id = 'cccccccc-0000-4000-8000-000000000003' $$,
  $$ values ('pgtap-rcorp') $$,
  'recruiter_profiles: anon reads recruiter R''s public profile'
);
select throws_ok(
  $$ select phone from public.recruiter_profiles $$,
  '42501', 'permission denied for table recruiter_profiles',
  'recruiter_profiles: anon cannot read a recruiter''s phone'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-000000000001","role":"authenticated","session_id":"aaaaaaaa-5e55-4000-8000-000000000001"}', true);
select throws_ok(
  $$ insert into public.recruiter_profiles (user_id, username, recruiter_type, company_name)
     values ('aaaaaaaa-0000-4000-8000-000000000001', 'pgtap-acorp', 'company', 'A Corp') $$,
  '42501', 'new row violates row-level security policy for table "recruiter_profiles"',
  'recruiter_profiles: candidate A cannot create a recruiter profile'
);
reset role;

select * from finish();
rollback;
