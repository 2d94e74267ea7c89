-- api_tokens: no access at all for anon and authenticated; service_role (the admin
-- key) reads them; tokens are created by private.create_api_token, as postgres.
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

select plan(4);

create temporary table created_token on commit drop as
  select * from private.create_api_token('pgtap');
grant select on created_token to service_role;

set local role service_role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
select results_eq(
  $$ select t.token_name::text from public.api_tokens t join created_token c on c.id = t.id $$,
  $$ values ('pgtap') $$,
  'api_tokens: service_role reads the token''s row (its digest, never the token)'
);
reset role;

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"aaaaaaaa-0000-4000-8000-000000000001","role":"authenticated"}', true);
select throws_ok(
  $$ select id from public.api_tokens $$,
  '42501', 'permission denied for table api_tokens',
  'api_tokens: a signed-in user reads nothing'
);
select throws_ok(
  $$ select * from private.create_api_token('mine') $$,
  '42501', 'permission denied for function create_api_token',
  'api_tokens: a signed-in user cannot create a token'
);
reset role;

set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select throws_ok(
  $$ insert into public.api_tokens (token_hash, token_prefix, token_name) values (extensions.digest('x', 'sha256'), 'x', 'x') $$,
  '42501', 'permission denied for table api_tokens',
  'api_tokens: anon cannot plant a token'
);
reset role;

select * from finish();
rollback;
