// Migrations go through the real Supabase CLI, as on a hosted project, and the local
// platform bootstrap is idempotent: a second run applies nothing and changes nothing.
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { applyPlatformBootstrap, pushMigrations, runSupabaseCli, withSslDisabled } from "../../src/local/database.ts";
import { supabaseDir } from "../../src/local/paths.ts";
import { emptyTestDatabase } from "../support/database.ts";

const migrationVersions = fs
  .readdirSync(path.join(supabaseDir, "migrations"))
  .filter((file) => file.endsWith(".sql"))
  .map((file) => file.split("_")[0]!)
  .sort();

/** A digest of everything a migration or the bootstrap can create or change. */
async function schemaFingerprint(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`
      select md5(string_agg(item, E'\n' order by item)) as digest from (
        select format('rel %s.%s %s %s %s', n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relacl) as item
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('public', 'private', 'auth', 'extensions')
        union all
        select format('col %s.%s %s %s %s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attacl)
          from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('public', 'private', 'auth') and a.attnum > 0 and not a.attisdropped
        union all
        select format('policy %s.%s %s %s %s %s', schemaname, tablename, policyname, cmd, qual, with_check) from pg_policies
        union all
        select format('fn %s %s %s', p.oid::regprocedure, pg_get_functiondef(p.oid), p.proacl)
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('public', 'private', 'auth')
        union all
        select format('trigger %s', pg_get_triggerdef(t.oid)) from pg_trigger t where not t.tgisinternal
        union all
        select format('index %s', pg_get_indexdef(i.indexrelid)) from pg_index i
          join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('public', 'private', 'auth')
        union all
        select format('role %s %s %s %s %s', rolname, rolcanlogin, rolinherit, rolbypassrls, rolconfig) from pg_roles
         where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'previewcv_api')
        union all
        select format('default acl %s %s %s', defaclrole::regrole, defaclnamespace, defaclacl) from pg_default_acl
      ) items`;
    return row!.digest as string;
  } finally {
    await sql.end();
  }
}

async function appliedVersions(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select version from supabase_migrations.schema_migrations order by version`;
    return rows.map((row) => row.version as string);
  } finally {
    await sql.end();
  }
}

describe("migrations", () => {
  test("apply cleanly to an empty database, tracked as the Supabase CLI tracks them", async () => {
    const url = await emptyTestDatabase("migrate");
    await applyPlatformBootstrap(url);
    const output = await pushMigrations(url, { includeSeed: true });
    for (const version of migrationVersions) expect(output).toContain(version);
    expect(await appliedVersions(url)).toEqual(migrationVersions);

    const listed = await runSupabaseCli(["migration", "list", "--db-url", withSslDisabled(url)]);
    for (const version of migrationVersions) expect(listed).toMatch(new RegExp(`\`?${version}\`?\\s*\\|\\s*\`?${version}\`?`));
  });

  test("a second bootstrap and push apply nothing and change nothing", async () => {
    const url = await emptyTestDatabase("rerun");
    await applyPlatformBootstrap(url);
    await pushMigrations(url, { includeSeed: true });
    const before = await schemaFingerprint(url);

    await applyPlatformBootstrap(url);
    const second = await pushMigrations(url, { includeSeed: true });
    expect(second).toMatch(/up to date/i);
    expect(await appliedVersions(url)).toEqual(migrationVersions);
    expect(await schemaFingerprint(url)).toBe(before);
  });
});
