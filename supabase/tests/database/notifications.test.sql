-- notifications, webhook_endpoints, webhook_deliveries, webhook_delivery_attempts:
-- owner-only, as PostgREST would apply it (role switched with `set local role`, the
-- JWT's claims in request.jwt.claims); an endpoint's secret is readable by nobody.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
-- pgTAP's functions for the API roles, for this test only (see resumes.test.sql).
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

-- Candidates A and B, as Supabase Auth creates them.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-0000-0000-000000000000', 'aaaaaaaa-0000-4000-8000-00000000000a', 'authenticated', 'authenticated',
   'pgtap.notify.a@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"candidate","full_name":"Alice Candidate"}', now(), now()),
  ('00000000-0000-0000-0000-000000000000', 'bbbbbbbb-0000-4000-8000-00000000000b', 'authenticated', 'authenticated',
   'pgtap.notify.b@example.test', '', now(), '{"provider":"email","providers":["email"]}',
   '{"user_type":"candidate","full_name":"Bob Candidate"}', now(), now());

-- Each signed in once, as Supabase Auth records it (auth.sessions): the JWT claims below
-- name these sessions, and the policies refuse a token whose session does not exist.
insert into auth.sessions (id, user_id, created_at, updated_at, aal)
values ('aaaaaaaa-5e55-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', now(), now(), 'aal1'),
       ('bbbbbbbb-5e55-4000-8000-00000000000b', 'bbbbbbbb-0000-4000-8000-00000000000b', now(), now(), 'aal1');

-- A's notification, endpoint, a delivery to it and its attempt (written as the worker would).
insert into public.notifications (id, user_id, type, title, body) overriding system value
values (900101, 'aaaaaaaa-0000-4000-8000-00000000000a', 'resume.viewed', 'Your resume was viewed', '"CV" was viewed 2 times.');
insert into public.webhook_endpoints (id, user_id, url, event_types, secret_ciphertext, secret_key_id) overriding system value
values (900102, 'aaaaaaaa-0000-4000-8000-00000000000a', 'https://hooks.example.com/in', '{resume.viewed}', extensions.gen_random_bytes(60), 'pgtap');
insert into public.webhook_deliveries (id, endpoint_id, user_id, event_type, payload, status) overriding system value
values (900103, 900102, 'aaaaaaaa-0000-4000-8000-00000000000a', 'resume.viewed', '{"type":"resume.viewed"}', 'failed');
insert into public.webhook_delivery_attempts (delivery_id, user_id, attempt_number, duration_ms, status_code)
values (900103, 'aaaaaaaa-0000-4000-8000-00000000000a', 1, 12, 500);

select plan(9);

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-00000000000a","role":"authenticated","session_id":"aaaaaaaa-5e55-4000-8000-00000000000a"}', true);
select results_eq(
  $$ update public.notifications set read_at = now() where id = 900101 returning id $$,
  $$ values (900101::bigint) $$,
  'notifications: candidate A reads and marks read their own notification'
);
select results_eq(
  $$ select id, url from public.webhook_endpoints $$,
  $$ values (900102::bigint, 'https://hooks.example.com/in'::text) $$,
  'webhook_endpoints: candidate A reads their own endpoint'
);
select throws_ok(
  $$ select secret_ciphertext from public.webhook_endpoints where id = 900102 $$,
  '42501', 'permission denied for table webhook_endpoints',
  'webhook_endpoints: not even its owner reads an endpoint''s secret'
);
select results_eq(
  $$ select d.id, (select count(*) from public.webhook_delivery_attempts a where a.delivery_id = d.id) from public.webhook_deliveries d $$,
  $$ values (900103::bigint, 1::bigint) $$,
  'webhook_deliveries, webhook_delivery_attempts: candidate A reads their delivery and its attempt'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"bbbbbbbb-0000-4000-8000-00000000000b","role":"authenticated","session_id":"bbbbbbbb-5e55-4000-8000-00000000000b"}', true);
select is_empty(
  $$ select id from public.notifications where id = 900101 $$,
  'notifications: candidate B does not see candidate A''s notification'
);
select is_empty(
  $$ update public.webhook_endpoints set description = 'Mine now' where id = 900102 returning id $$,
  'webhook_endpoints: candidate B cannot change candidate A''s endpoint'
);
select is_empty(
  $$ select id from public.webhook_deliveries union all select id from public.webhook_delivery_attempts where delivery_id = 900103 $$,
  'webhook_deliveries, webhook_delivery_attempts: candidate B sees none of candidate A''s'
);
select throws_ok(
  $$ insert into public.webhook_endpoints (url, event_types, secret_ciphertext, secret_key_id)
     values ('https://10.0.0.1/', '{resume.viewed}', extensions.gen_random_bytes(60), 'x') $$,
  '42501', 'permission denied for table webhook_endpoints',
  'webhook_endpoints: nobody registers one through the Data API (the facade checks the URL first)'
);
reset role;

set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select throws_ok(
  $$ select id from public.notifications $$,
  '42501', 'permission denied for table notifications',
  'notifications: anon reads nothing'
);
reset role;

select * from finish();
rollback;
