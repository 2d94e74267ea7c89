// Schema-wide rules that no single matrix can see: RLS on every table, the exact
// privileges the API roles hold, which functions they may run, and the indexes
// policies and joins rely on.
import { beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { migratedTestDatabase } from "../support/database.ts";

let sql: postgres.Sql;
beforeAll(async () => {
  sql = postgres(await migratedTestDatabase(), { max: 2, onnotice: () => {} });
  return () => sql.end();
});

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
         and pg_get_userbyid(c.relowner) in ('anon', 'authenticated', 'authenticator')`;
    expect([...owned]).toEqual([]);
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
    "anon job_postings": ["SELECT"],
    "authenticated job_application_status_history": ["SELECT"],
    "authenticated job_applications": ["SELECT"],
    "authenticated job_postings": ["DELETE", "SELECT"],
    "authenticated profiles": ["SELECT"],
    "authenticated resume_access_logs": ["SELECT"],
    "authenticated resume_stats": ["SELECT"],
    "authenticated resume_view_counters": ["SELECT"],
    "authenticated resumes": ["DELETE", "SELECT"],
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
    "authenticated resumes INSERT": ["is_public", "pdf_filename", "pdf_url", "permanent_token", "qr_code_base64", "resume_name", "user_id"],
    "authenticated resumes UPDATE": ["is_active", "is_public", "permanent_token", "qr_code_base64", "resume_name"],
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
        "count_open_job_postings(job_type,experience_level,text,text)",
        "list_open_job_postings(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer)",
        "private.job_posting_is_open(job_postings)",
        "recruiter_username_available(text)",
        "view_job_posting(bigint)",
      ],
      authenticated: [
        "count_open_job_postings(job_type,experience_level,text,text)",
        "job_applicants(bigint)",
        "list_open_job_postings(job_type,experience_level,text,text,timestamp with time zone,bigint,integer,integer)",
        "my_recruiter_profile()",
        "private.applied_job_ids()",
        "private.is_active_recruiter()",
        "private.is_job_owner(bigint)",
        "private.is_open_job(bigint)",
        "private.job_posting_is_open(job_postings)",
        "recruiter_username_available(text)",
        "resume_analytics(bigint,integer)",
        "view_job_posting(bigint)",
      ],
    });
  });

  test("the servers' login role runs nothing but the public fetch without switching role", async () => {
    const rows = await sql`
      select p.oid::regprocedure::text as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         and exists (select 1 from aclexplode(p.proacl) x where x.grantee = 'authenticator'::regrole and x.privilege_type = 'EXECUTE')`;
    expect(rows.map((row) => row.fn)).toEqual(["private.fetch_shared_resume(bytea,text,inet,text,text)"]);
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
