// .env.example is the environment reference: it must name every variable the shipped
// code reads, and its values must be ones the code accepts (a copy as .env runs the
// facade against the local stack).
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readSettings, settingGroups, settingNames } from "../../src/core/settings.ts";
import { projectRoot } from "../../src/local/paths.ts";

const exampleText = fs.readFileSync(path.join(projectRoot, ".env.example"), "utf8");

/** `NAME=value` lines, and `# NAME=value` lines (optional variables, shown with their default). */
function parseExample(text: string): { set: Map<string, string>; documented: Set<string> } {
  const set = new Map<string, string>();
  const documented = new Set<string>();
  for (const line of text.split("\n")) {
    const active = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (active) {
      set.set(active[1]!, active[2]!);
      documented.add(active[1]!);
      continue;
    }
    const optional = /^# ([A-Z][A-Z0-9_]*)=/.exec(line);
    if (optional) documented.add(optional[1]!);
  }
  return { set, documented };
}

const example = parseExample(exampleText);

/** Variables read anywhere outside the settings module: there must be none but the platform's. */
function variablesReadOutsideSettings(): string[] {
  const roots = ["src", "functions", "scripts"].map((dir) => path.join(projectRoot, dir));
  const patterns = [/process\.env\.([A-Z][A-Z0-9_]*)/g, /process\.env\[["']([A-Z][A-Z0-9_]*)["']\]/g, /Deno\.env\.get\(["']([A-Z][A-Z0-9_]*)["']\)/g];
  const names = new Set<string>();
  for (const root of roots) {
    for (const file of fs.readdirSync(root, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts") || path.join(root, file) === path.join(projectRoot, "src/core/settings.ts")) continue;
      const text = fs.readFileSync(path.join(root, file), "utf8");
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) names.add(match[1]!);
    }
  }
  return [...names].sort();
}

describe(".env.example", () => {
  test("documents every variable of the settings schema, and nothing else", () => {
    expect([...example.documented].sort()).toEqual([...settingNames].sort());
  });

  test("no code reads the environment around the settings schema (tools and the local stack pass theirs through it)", () => {
    // The local stack hands its servers what it was started with; the names it passes
    // through (Deno's cache, TLS and proxy settings) are not settings of ours.
    const outside = new Set(["PATH", "HOME", "DENO_DIR", "TEST_LOG_LEVEL", "TEST_STACK_LOG"]);
    expect(variablesReadOutsideSettings().filter((name) => !outside.has(name))).toEqual([]);
  });

  test("its values pass the settings every entry point parses at start-up", () => {
    for (const group of Object.keys(settingGroups) as (keyof typeof settingGroups)[]) {
      expect(() => readSettings(group, (name) => example.set.get(name))).not.toThrow();
    }
  });

  test("it does not set DATABASE_URL (npm start, npm test and npm run admin would take it for an existing superuser URL)", () => {
    expect(example.set.has("DATABASE_URL")).toBe(false);
    expect(example.documented.has("DATABASE_URL")).toBe(true);
  });

  test("local ports and the local JWT secret are the Supabase CLI's", () => {
    expect(example.set.get("SUPABASE_URL")).toBe("http://127.0.0.1:54321");
    expect(example.set.get("LOCAL_API_PORT")).toBe("54321");
    expect(example.set.get("LOCAL_DB_PORT")).toBe("54322");
    expect(example.set.get("FACADE_PORT")).toBe("8000");
    expect(example.set.get("SUPABASE_JWT_SECRET")).toBe("super-secret-jwt-token-with-at-least-32-characters-long");
  });

  test("the local API keys are the CLI's demo keys, signed with that secret, for the right roles", async () => {
    const { jwtVerify } = await import("jose");
    const secret = new TextEncoder().encode(example.set.get("SUPABASE_JWT_SECRET")!);
    const anon = await jwtVerify(example.set.get("SUPABASE_ANON_KEY")!, secret);
    const service = await jwtVerify(example.set.get("SUPABASE_SERVICE_ROLE_KEY")!, secret);
    expect(anon.payload).toMatchObject({ iss: "supabase-demo", role: "anon" });
    expect(service.payload).toMatchObject({ iss: "supabase-demo", role: "service_role" });
  });
});
