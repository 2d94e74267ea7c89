// src/db/database.types.ts must be what the migrations generate today: the check CI
// runs (`bun scripts/gen-types.ts --check`), here against the run's own server.
import { describe, expect, test } from "bun:test";
import { npmBin, projectRoot } from "../../src/local/paths.ts";
import { diffSummary, normalise } from "../../scripts/gen-types.ts";
import { testServerUrl } from "../support/database.ts";

describe("generated database types", () => {
  test(
    "src/db/database.types.ts is up to date with supabase/migrations (gen-types --check)",
    async () => {
      // Asynchronously: the run's embedded Postgres writes its log through this process.
      const child = Bun.spawn([npmBin("bun"), "scripts/gen-types.ts", "--check", "--server-url", await testServerUrl()], {
        cwd: projectRoot,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      // On failure the output names every stale line and the command to run.
      expect({ code, stderr }).toMatchObject({ code: 0 });
      expect(stderr).toContain("is up to date");
    },
    180_000,
  );
});

describe("gen-types helpers", () => {
  test("normalise gives one byte sequence for the same text", () => {
    const text = "export type A = {\r\n  a: string  \r\n}\r\n\r\n\r\n";
    expect(normalise(text)).toBe("export type A = {\n  a: string\n}\n");
    expect(normalise(normalise(text))).toBe(normalise(text));
  });

  test("the --check diff names the place, the lines and the totals", () => {
    const before = ["export type Database = {", "  public: {", "    Tables: {", "      resumes: {", "        Row: {", "          id: number", "          resume_name: string", "        }", "      }", "    }", "  }", "}"];
    const after = [...before];
    after.splice(6, 1, "          resume_title: string", "          is_public: boolean");
    const summary = diffSummary(before.join("\n"), after.join("\n"));
    expect(summary).toContain("@@ checked-in line 5, generated line 5 @@ Tables.resumes");
    expect(summary).toContain("-           resume_name: string");
    expect(summary).toContain("+           resume_title: string");
    expect(summary).toContain("+           is_public: boolean");
    expect(summary).toContain("1 place(s) differ: 2 line(s) to add, 1 to remove.");
  });
});
