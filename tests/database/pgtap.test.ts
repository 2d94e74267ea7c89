// The pgTAP smoke tests of supabase/tests/database/ (what `supabase test db` runs with
// Docker), run here without pg_prove: each file against a freshly migrated database,
// its TAP output read back. They need the pgtap extension on the server the run uses,
// which embedded PostgreSQL does not ship: without it this suite is skipped, and the
// RLS matrices (rls-*.test.ts) still cover everything these files do.
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { prepareDatabase } from "../../src/local/database.ts";
import { supabaseDir } from "../../src/local/paths.ts";
import { emptyTestDatabase, testServerUrl } from "../support/database.ts";

const testsDir = path.join(supabaseDir, "tests", "database");
const files = fs
  .readdirSync(testsDir)
  .filter((file) => file.endsWith(".sql"))
  .sort();

async function pgtapAvailable(): Promise<boolean> {
  const sql = postgres(await testServerUrl(), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_available_extensions where name = 'pgtap'`;
    return rows.length > 0;
  } finally {
    await sql.end();
  }
}

const available = await pgtapAvailable();
if (!available) {
  console.warn(
    "pgTAP files skipped: the PostgreSQL this run uses has no pgtap extension (embedded PostgreSQL has none).\n" +
      "  To run them: install pgTAP for the server (Debian/Ubuntu: apt-get install postgresql-15-pgtap), then\n" +
      "  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres ./node_modules/.bin/bun test tests/database/pgtap.test.ts\n" +
      "  or, with Docker, `npx supabase start && npx supabase test db`.",
  );
}

/** What a file printed: every value its statements returned, one TAP line each. */
async function runFile(sql: postgres.Sql, file: string): Promise<string[]> {
  const text = fs.readFileSync(path.join(testsDir, file), "utf8");
  // One simple-protocol query, as psql would send the file; a failing statement fails it.
  const results = (await sql.unsafe(text).simple()) as unknown as postgres.RowList<postgres.Row[]>[] | postgres.RowList<postgres.Row[]>;
  const lists = Array.isArray(results[0]) || results.length === 0 ? (results as postgres.RowList<postgres.Row[]>[]) : [results as postgres.RowList<postgres.Row[]>];
  const lines: string[] = [];
  for (const rows of lists) {
    for (const row of rows ?? []) {
      for (const value of Object.values(row)) if (typeof value === "string") lines.push(...value.split("\n"));
    }
  }
  return lines;
}

/** Reads TAP: the plan, the results, and what went wrong. */
export function readTap(lines: string[]): { planned: number | undefined; passed: number; failures: string[] } {
  let planned: number | undefined;
  let passed = 0;
  const failures: string[] = [];
  for (const line of lines) {
    const plan = /^1\.\.(\d+)$/.exec(line);
    if (plan) planned = Number(plan[1]);
    else if (/^ok \d+/.test(line)) passed += 1;
    else if (/^not ok \d+/.test(line)) failures.push(line);
    else if (/^# (Looks like|Failed test)/.test(line)) failures.push(line);
  }
  return { planned, passed, failures };
}

describe("pgTAP smoke tests (supabase/tests/database)", () => {
  test("there are files to run", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.skipIf(!available)("every file passes, with as many results as it planned", async () => {
    const url = await emptyTestDatabase("pgtap");
    await prepareDatabase(url, { includeSeed: true });
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const report: Record<string, { planned: number | undefined; passed: number; failures: string[] }> = {};
      const expected: Record<string, { planned: number | undefined; passed: number | undefined; failures: string[] }> = {};
      for (const file of files) {
        const tap = readTap(await runFile(sql, file));
        report[file] = tap;
        // As many "ok" lines as the plan announced, and no failure.
        expected[file] = { planned: tap.planned, passed: tap.planned, failures: [] };
        expect(tap.planned, `${file} prints a plan`).toBeGreaterThan(0);
      }
      expect(report as Record<string, unknown>).toEqual(expected);
    } finally {
      await sql.end();
    }
  });
});
