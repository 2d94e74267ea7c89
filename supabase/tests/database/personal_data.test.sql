-- public.export_my_data (20261203300200): the caller's own data, nobody else's; anon may
-- not call it. Runs with `supabase test db`, or through tests/database/pgtap.test.ts.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
-- pgTAP's functions for the API roles, for this test only (see resumes.test.sql).
do $$
begin
  if not has_function_privilege('anon', 'extensions.ok(boolean, text)', 'execute') then
    execute (
      select string_agg(format('grant execute on function %s to anon, authenticated, service_role', p.oid::regprocedure), '; ')
        from pg_proc p
        join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
        join pg_extension e on e.oid = d.refobjid and e.extname = 'pgtap'
    );
  end if;
end
$$;

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-0000-0000-000000000000', 'aaaaaaaa-0000-4000-8000-0000000000e1', 'authenticated', 'authenticated',
   'pgtap.export.a@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"candidate","full_name":"Alice Exporter"}', now(), now()),
  ('00000000-0000-0000-0000-000000000000', 'bbbbbbbb-0000-4000-8000-0000000000e2', 'authenticated', 'authenticated',
   'pgtap.export.b@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"candidate","full_name":"Bob Exporter"}', now(), now());
insert into auth.sessions (id, user_id, created_at, updated_at, aal)
values ('aaaaaaaa-5e55-4000-8000-0000000000e1', 'aaaaaaaa-0000-4000-8000-0000000000e1', now(), now(), 'aal1'),
       ('bbbbbbbb-5e55-4000-8000-0000000000e2', 'bbbbbbbb-0000-4000-8000-0000000000e2', now(), now(), 'aal1');

select plan(3);

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-0000000000e1","role":"authenticated","session_id":"aaaaaaaa-5e55-4000-8000-0000000000e1"}', true);
select is(
  (select public.export_my_data() #>> '{data,profile,0,email}'),
  'pgtap.export.a@example.test',
  'export_my_data: candidate A exports their own profile'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"bbbbbbbb-0000-4000-8000-0000000000e2","role":"authenticated","session_id":"bbbbbbbb-5e55-4000-8000-0000000000e2"}', true);
select ok(
  strpos(public.export_my_data()::text, 'aaaaaaaa-0000-4000-8000-0000000000e1') = 0,
  'export_my_data: candidate B''s export holds nothing of candidate A'
);
reset role;

set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select throws_ok(
  $$ select public.export_my_data() $$,
  '42501', 'permission denied for function export_my_data',
  'export_my_data: anon may not call it'
);
reset role;

select * from finish();
rollback;
