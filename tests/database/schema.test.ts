// Schema-wide rules that no single matrix can see: RLS on every table, the exact
// privileges the API roles hold, which functions they may run, and the indexes
// policies and joins rely on.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";

let sql: postgres.Sql;
beforeAll(async () => {
  sql = postgres(await migratedTestDatabase(), { max: 2, onnotice: () => {} });
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => sql.end());

describe("row-level security", () => {
  test("is enabled on every table in public", async () => {
    const tables = await sql`
      select c.relname, c.relrowsecurity
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')
       order by 1`;
    expect(tables.length).toBeGreaterThanOrEqual(9);
    expect(tables.filter((t) => !t.relrowsecurity).map((t) => t.relname)).toEqual([]);
  });

  test("no API role owns anything it could bypass its policies with", async () => {
    const owned = await sql`
      select c.relname, pg_get_userbyid(c.relowner) as owner
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'private')
         and pg_get_userbyid(c.relowner) in ('anon', 'authenticated', 'authenticator', 'previewcv_api')`;
    expect([...owned]).toEqual([]);
  });

  test("no table has two permissive policies for one role and command (Supabase's lint 0006)", async () => {
    // Postgres ORs permissive policies and runs every one of them: one policy per
    // command and role, named for what it allows, is what the style asks for.
    const duplicated = await sql`
      select format('%s.%s %s %s: %s', n.nspname, c.relname, r.rolname, cmd.name,
                    string_agg(p.polname, ', ' order by p.polname)) as duplicate
        from pg_policy p
        join pg_class c on c.oid = p.polrelid
        join pg_namespace n on n.oid = c.relnamespace
        -- polroles {0} is PUBLIC: every role.
        join pg_roles r on p.polroles @> array[r.oid] or p.polroles = array[0::oid]
        cross join lateral unnest(case p.polcmd
          when 'r' then array['SELECT'] when 'a' then array['INSERT'] when 'w' then array['UPDATE']
          when 'd' then array['DELETE'] else array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] end) as cmd(name)
       where n.nspname in ('public', 'private') and p.polpermissive and not r.rolbypassrls
       group by n.nspname, c.relname, r.rolname, cmd.name
      having count(*) > 1`;
    expect(duplicated.map((row) => row.duplicate)).toEqual([]);
  });

  test("views run with the caller's rights (security_invoker)", async () => {
    const views = await sql`
      select c.relname, coalesce(c.reloptions, '{}') as options
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'v'`;
    expect(views.length).toBeGreaterThan(0);
    for (const view of views) expect(view.options).toContain("security_invoker=true");
  });
});

describe("privileges of anon and authenticated", () => {
  // Every table-level privilege the API roles hold. Anything not listed here is a
  // regression: a grant must be added on purpose, with its policy.
  const expectedTablePrivileges: Record<string, string[]> = {
    "anon job_posting_view_counters": ["SELECT"],
    "anon job_postings": ["SELECT"],
    "authenticated job_application_status_history": ["SELECT"],
    "authenticated job_applications": ["SELECT"],
    "authenticated job_posting_view_counters": ["SELECT"],
    "authenticated job_postings": ["DELETE", "SELECT"],
    "authenticated notifications": ["SELECT"],
    "authenticated profiles": ["SELECT"],
    "authenticated resume_access_logs": ["SELECT"],
    "authenticated resume_stats": ["SELECT"],
    "authenticated resume_view_counters": ["SELECT"],
    "authenticated resumes": ["DELETE", "SELECT"],
    "authenticated webhook_deliveries": ["SELECT"],
    "authenticated webhook_delivery_attempts": ["SELECT"],
    // Created and re-pointed through the facade's checked functions only; the secret is never readable.
    "authenticated webhook_endpoints": ["DELETE"],
  };
  // Column-level grants (on top of the table-level ones above).
  const expectedColumnPrivileges: Record<string, string[]> = {
    "anon recruiter_profiles SELECT": [
      "bio", "company_name", "company_size", "company_website", "created_at", "full_name", "id", "industry", "is_verified",
      "linkedin_url", "location", "logo_url", "recruiter_type", "specialization", "updated_at", "user_id", "username", "years_experience",
    ],
    "authenticated job_applications INSERT": ["candidate_id", "cover_letter", "job_id", "resume_id"],
    "authenticated job_applications UPDATE": ["status"],
    "authenticated job_postings INSERT": [
      "company_name", "description", "experience_level", "expires_at", "is_active", "job_type", "location", "recruiter_id",
      "requirements", "salary_range", "title",
    ],
    "authenticated job_postings UPDATE": [
      "company_name", "description", "experience_level", "expires_at", "is_active", "job_type", "location", "requirements",
      "salary_range", "title",
    ],
    "authenticated notifications UPDATE": ["read_at"],
    "authenticated profiles UPDATE": ["full_name"],
    "authenticated recruiter_profiles INSERT": [
      "bio", "company_name", "company_size", "company_website", "full_name", "industry", "linkedin_url", "location", "logo_url",
      "phone", "recruiter_type", "specialization", "user_id", "username", "years_experience",
    ],
    "authenticated recruiter_profiles SELECT": [
      "bio", "company_name", "company_size", "company_website", "created_at", "full_name", "id", "industry", "is_verified",
      "linkedin_url", "location", "logo_url", "recruiter_type", "specialization", "updated_at", "user_id", "username", "years_experience",
    ],
    "authenticated recruiter_profiles UPDATE": [
      "bio", "company_name", "company_size", "company_website", "full_name", "industry", "linkedin_url", "location", "logo_url",
      "phone", "recruiter_type", "specialization", "username", "years_experience",
    ],
    // Share links (issue 13): owners write these columns under RLS; the token is the
    // database's default and rotated by public.rotate_resume_share_link, the password
    // hash set by public.set_resume_share_link_password and never readable.
    "authenticated resume_share_links INSERT": ["expires_at", "label", "require_viewer_email", "resume_id", "view_limit"],
    "authenticated resume_share_links SELECT": [
      "created_at", "expires_at", "has_password", "id", "label", "require_viewer_email", "resume_id", "revoked_at", "token", "updated_at",
      "view_limit", "views_used",
    ],
    "authenticated resume_share_links UPDATE": ["expires_at", "label", "require_viewer_email", "revoked_at", "view_limit"],
    // Resumes are recorded by the upload path (private.record_uploaded_resume) and their
    // share token rotated by private.rotate_resume_share_token, never through the table.
    "authenticated resumes UPDATE": ["is_active", "is_public", "resume_name"],
    "authenticated webhook_endpoints SELECT": [
      "created_at", "description", "disabled_at", "disabled_reason", "event_types", "id", "is_active", "last_success_at",
      "previous_secret_expires_at", "updated_at", "url", "user_id",
    ],
    "authenticated webhook_endpoints UPDATE": ["description", "event_types", "is_active"],
  };

  test("table privileges are exactly the expected ones", async () => {
    const grants = await sql`
      select grantee || ' ' || table_name as key, array_agg(privilege_type::text order by privilege_type) as privileges
        from information_schema.role_table_grants
       where table_schema in ('public', 'private') and grantee in ('anon', 'authenticated', 'PUBLIC')
       group by 1`;
    expect(Object.fromEntries(grants.map((g) => [g.key, g.privileges]))).toEqual(expectedTablePrivileges);
  });

  test("column privileges are exactly the expected ones", async () => {
    // information_schema.column_privileges also lists columns covered by table-level
    // grants; keep only the grants made column by column (pg_attribute.attacl).
    const grants = await sql`
      select acl.grantee_name || ' ' || c.relname || ' ' || acl.privilege_type as key,
             array_agg(a.attname::text order by a.attname) as columns
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral (
          select coalesce(nullif(pg_get_userbyid(x.grantee), ''), 'PUBLIC') as grantee_name, x.privilege_type
            from aclexplode(a.attacl) x
        ) acl
       where n.nspname in ('public', 'private') and a.attacl is not null and not a.attisdropped
         and acl.grantee_name in ('anon', 'authenticated', 'PUBLIC')
       group by 1`;
    expect(Object.fromEntries(grants.map((g) => [g.key, g.columns]))).toEqual(expectedColumnPrivileges);
  });

  test("no sequence is usable by the API roles (identity columns need none)", async () => {
    const grants = await sql`
      select object_name, grantee from information_schema.usage_privileges
       where object_schema in ('public', 'private') and object_type = 'SEQUENCE' and grantee in ('anon', 'authenticated', 'PUBLIC')`;
    expect([...grants]).toEqual([]);
  });
});

describe("functions", () => {
  test("none is executable by PUBLIC", async () => {
    const executable = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         -- grantee 0 is PUBLIC; a null proacl means the default, which includes PUBLIC.
         and exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x where x.grantee = 0)`;
    expect(executable.map((row) => row.fn)).toEqual([]);
  });

  test("the API roles run exactly the functions granted to them", async () => {
    const rows = await sql`
      select r.rolname, array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) as functions
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        cross join (values ('anon'), ('authenticated')) as r(rolname)
       where n.nspname in ('public', 'private') and has_function_privilege(r.rolname, p.oid, 'execute')
       group by 1 order by 1`;
    expect(Object.fromEntries(rows.map((row) => [row.rolname, row.functions]))).toEqual({
      anon: [
        "count_open_job_postings(job_type,experience_level,text,text,integer)",
        "list_open_job_postings(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer)",
        // The page and its total in one call (20261206700100); the two above wrap it.
        "list_open_job_postings_with_total(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer,integer)",
        "private.job_posting_is_open(job_postings)",
        "private.job_posting_views(job_postings)",
        "recruiter_username_available(text)",
        "view_job_posting(bigint,inet,text)",
      ],
      authenticated: [
        "count_open_job_postings(job_type,experience_level,text,text,integer)",
        // Everything stored about the caller (20261203300200): supabase.rpc('export_my_data').
        "export_my_data()",
        "job_applicants(bigint)",
        "list_open_job_postings(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer)",
        "list_open_job_postings_with_total(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer,integer)",
        "my_recruiter_profile()",
        // The recruiter opens an applicant's resume: pending becomes reviewed (issue 13).
        "open_applicant_resume(bigint)",
        "private.applied_job_ids()",
        // The account-state check (20261201000200): the policies call it as the caller.
        "private.caller_may_act()",
        "private.caller_state()",
        // The facade's webhook writes, as the caller (private: the Data API does not expose them).
        "private.create_webhook_endpoint(text,event_type[],text,bytea,text)",
        "private.is_active_recruiter()",
        "private.is_job_owner(bigint)",
        "private.is_open_job(bigint)",
        "private.job_posting_is_open(job_postings)",
        "private.job_posting_views(job_postings)",
        "private.rotate_webhook_endpoint_secret(bigint,bytea,text,integer)",
        "private.set_webhook_endpoint_url(bigint,text)",
        "recruiter_username_available(text)",
        "redeliver_webhook(bigint)",
        "resume_analytics(bigint,integer)",
        // A share link's token and password are written by these checked functions only (issue 13).
        "rotate_resume_share_link(bigint)",
        "set_resume_share_link_password(bigint,text)",
        "view_job_posting(bigint,inet,text)",
      ],
    });
  });

  test("PostgREST's authenticator runs none of our functions by itself (the servers no longer log in as it)", async () => {
    const rows = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         and exists (select 1 from aclexplode(p.proacl) x where x.grantee = 'authenticator'::regrole and x.privilege_type = 'EXECUTE')`;
    expect(rows.map((row) => row.fn)).toEqual([]);
    const [usage] = await sql`select has_schema_privilege('authenticator', 'private', 'usage') as usage`;
    expect(usage!.usage).toBe(false);
  });

  // Functions Postgres must inline where they are called (so that the listing keeps
  // its partial indexes) cannot carry a SET clause: any SET, search_path included,
  // stops the inlining. Each is language sql with an SQL-standard body (RETURN ...),
  // parsed and bound to its objects when it was created, so no search_path can change
  // what it calls. This list is the only exemption from the pinned search_path.
  const inlinedRules = ["private.job_posting_is_open(job_postings)"];

  test("every function in public and private pins search_path = '' (Supabase's lint 0011), but the inlined rules", async () => {
    const unpinned = await sql`
      select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.classid = 'pg_proc'::regclass and d.deptype = 'e')
         and not coalesce(p.proconfig, '{}') @> array['search_path=""']
       order by 1`;
    expect(unpinned.map((row) => (row.fn as string).replace("(job job_postings)", "(job_postings)"))).toEqual(inlinedRules);
  });

  test("the inlined rules are bound when created, run with the caller's rights and carry no SET", async () => {
    const rules = await sql`
      select p.oid::regprocedure::text as fn, l.lanname, p.prosqlbody is not null as bound_at_creation, p.prosecdef,
             p.proconfig, p.provolatile
        from pg_proc p join pg_language l on l.oid = p.prolang
       where p.oid = any(${inlinedRules}::regprocedure[])
       order by 1`;
    expect(rules.map((row) => row.fn)).toEqual(inlinedRules);
    for (const { fn: _fn, ...rule } of rules) {
      expect(rule as Record<string, unknown>).toEqual({ lanname: "sql", bound_at_creation: true, prosecdef: false, proconfig: null, provolatile: "s" });
    }
  });

  test("every security definer function the API roles may run says in its comment why", async () => {
    const unexplained = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and p.prosecdef
         and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))
         and coalesce(obj_description(p.oid, 'pg_proc'), '') !~* 'security definer'
       order by 1`;
    expect(unexplained.map((row) => row.fn)).toEqual([]);
  });

  test("anon runs with definer rights only the listing and detail reads the persona tests hold to its policy", async () => {
    // tests/database/rls-jobs.test.ts ("security definer reads") proves, persona by
    // persona, that each of these shows exactly what the caller's policy would.
    // recruiter_username_available answers one boolean about the name it is asked,
    // and must see the hidden profiles of deactivated recruiters, whose names stay
    // taken: tests/database/account-state.test.ts holds it to that.
    const rows = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and p.prosecdef and has_function_privilege('anon', p.oid, 'execute')
       order by 1`;
    // list_open_job_postings and count_open_job_postings wrap the listing with its total
    // (20261206700100) and run with the caller's rights.
    expect(rows.map((row) => row.fn)).toEqual([
      "list_open_job_postings_with_total(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer,integer)",
      "recruiter_username_available(text)",
      "view_job_posting(bigint,inet,text)",
    ]);
  });

  test("every security definer function pins an empty search_path", async () => {
    const loose = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and p.prosecdef
         and not coalesce(p.proconfig, '{}') @> array['search_path=""']`;
    expect(loose.map((row) => row.fn)).toEqual([]);
  });
});

describe("indexes", () => {
  test("private.job_posting_is_open is inlined: the listing's own statement matches the partial listing indexes", async () => {
    // A function call the planner cannot see into would hide "is_active" from the
    // partial indexes' predicate, and the listing would read the whole table.
    const plan = await sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      const [conditions] = await tx`select private.open_job_postings_conditions(true, false, false, false) as text`;
      return tx.unsafe(
        `explain (costs off) select j.id from public.job_postings j where ${conditions!.text as string}
          order by j.created_at desc, j.id desc limit 21`,
        ["contract"],
      );
    });
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
    expect(text).toContain("job_postings_open_job_type_idx");
    expect(text).not.toContain("job_posting_is_open");
  });

  test("every foreign key is covered by an index starting with its columns", async () => {
    const uncovered = await sql`
      select c.conrelid::regclass::text as tbl, c.conname
        from pg_constraint c
        join pg_namespace n on n.oid = c.connamespace
       where c.contype = 'f' and n.nspname = 'public'
         and not exists (
           select 1 from pg_index i
            where i.indrelid = c.conrelid
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
         )`;
    expect([...uncovered]).toEqual([]);
  });
});

// The servers' own login role (migration 20261201000100_servers_login_role.sql): the
// facade and the edge functions connect with it, locally and hosted. By itself it may run
// the server-only functions below and nothing else; everything a user does runs after a
// switch to anon or authenticated.
describe("the servers' login role previewcv_api (the facade, the functions and the worker)", () => {
  const serverFunctions = [
    // Account erasure (20261203300200): the facade begins it for the caller it verified,
    // the facade and the worker delete the files and the auth user and record it.
    "private.account_erasure_state(uuid,uuid)",
    // The caller's state, read in the statement that switches to the caller (asCaller),
    // and a public fetch's bearer checked before it counts as the owner's (issue 11).
    "private.account_state(uuid,uuid)",
    "private.begin_account_erasure(uuid,uuid)",
    "private.caller_state()",
    "private.claim_auth_user_deletions(integer,integer)",
    "private.claim_stored_file_deletions(integer,integer)",
    // The public fetch with share links, forwarded viewer fields and their gates (issue 13).
    "private.fetch_shared_resume(bytea,text,inet,text,text,inet,text,text,boolean,uuid,text,text)",
    "private.hit_rate_limit(text,integer,integer)",
    "private.record_auth_user_deletion(bigint,text,double precision)",
    "private.record_stored_file_deletion(text,text,double precision)",
    "private.record_uploaded_resume(uuid,uuid,text,text,text,text,boolean,bigint,text,integer,bigint,text,integer)",
    // Failed logins count, successful ones take their hit back (20261206200100).
    "private.refund_rate_limit(text,integer)",
    "private.rotate_resume_share_token(uuid,uuid,bigint,text,text)",
    // src/worker: each takes its rows with FOR UPDATE SKIP LOCKED (migration 20261202000400;
    // retention: 20261203300300).
    "private.worker_apply_retention(integer,integer,integer,integer)",
    "private.worker_batch_resume_views(integer)",
    "private.worker_claim_webhook_deliveries(integer,integer)",
    // A person's view told first-of-day or repeat, off the public fetch (20261206600100).
    "private.worker_classify_resume_views(integer)",
    "private.worker_emit_expired_postings(integer)",
    "private.worker_fan_out_events(integer)",
    // Viewer emails of share links, erased after their retention window (issue 13).
    "private.worker_forget_viewer_emails(integer)",
    "private.worker_record_webhook_attempt(bigint,uuid,integer,text,integer,text,integer,text,double precision,integer)",
    "private.worker_release_webhook_deliveries(uuid[])",
    "private.worker_rewrap_webhook_secret(bigint,text,bytea,text,bytea,text)",
    "private.worker_webhook_secrets_to_rewrap(text,integer)",
  ];

  test("logs in, inherits nothing, bypasses nothing, and is a member of exactly anon and authenticated", async () => {
    const [role] = await sql`
      select rolcanlogin, rolinherit, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication,
             array(select m.roleid::regrole::text from pg_auth_members m where m.member = r.oid order by 1) as member_of,
             array(select m.member::regrole::text from pg_auth_members m where m.roleid = r.oid order by 1) as members
        from pg_roles r where rolname = 'previewcv_api'`;
    expect(role).toEqual({
      rolcanlogin: true,
      rolinherit: false,
      rolsuper: false,
      rolbypassrls: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      member_of: ["anon", "authenticated"],
      members: [],
    } as never);
  });

  test("runs exactly the server-only functions by itself", async () => {
    const rows = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and has_function_privilege('previewcv_api', p.oid, 'execute')
       order by 1`;
    expect(rows.map((row) => row.fn)).toEqual(serverFunctions);
  });

  test("holds no privilege on any table, view or sequence of public, private or auth", async () => {
    const held = await sql`
      select n.nspname || '.' || c.relname || ' ' || priv as what
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as priv
       where n.nspname in ('public', 'private', 'auth') and c.relkind in ('r', 'p', 'v', 'm', 'f')
         and has_table_privilege('previewcv_api', c.oid, priv)
      union all
      select n.nspname || '.' || c.relname || ' ' || priv
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join unnest(array['USAGE', 'SELECT', 'UPDATE']) as priv
       where n.nspname in ('public', 'private', 'auth') and c.relkind = 'S'
         and has_sequence_privilege('previewcv_api', c.oid, priv)`;
    expect(held.map((row) => row.what)).toEqual([]);
  });

  test("connected as it, every table is refused until the role is switched", async () => {
    const server = postgres(asAuthenticatorUrl(await migratedTestDatabase()), { max: 1, onnotice: () => {} });
    try {
      const [who] = await server`select session_user::text as login, current_user::text as role`;
      expect(who).toEqual({ login: "previewcv_api", role: "previewcv_api" } as never);
      for (const table of ["public.profiles", "public.resumes", "public.job_postings", "public.api_tokens", "private.rate_limit_counters", "auth.users", "auth.sessions"]) {
        const error = await server.unsafe(`select 1 from ${table} limit 1`).then(() => undefined, (e: { code?: string }) => e);
        expect([table, error?.code]).toEqual([table, "42501"]);
      }
      // It may switch into anon and authenticated (and reads what they may), never into service_role.
      const roles = await server.begin(async (tx) => {
        await tx`set local role anon`;
        const [anon] = await tx`select current_user::text as role`;
        return anon!.role;
      });
      expect(roles).toBe("anon");
      const refused = await server.begin((tx) => tx`set local role service_role`).then(() => undefined, (e: { code?: string }) => e);
      expect(refused?.code).toBe("42501");
    } finally {
      await server.end();
    }
  });
});
