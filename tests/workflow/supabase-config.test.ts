// supabase/config.toml is read by the real Supabase CLI (`supabase start`, `db push`,
// `functions deploy`), so it is checked with the real CLI, not by eye: it must parse
// and pass the CLI's schema, use only keys the CLI knows, agree with the local stack's
// ports, and name every edge function folder with files that exist.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { npmBin, projectRoot, supabaseDir } from "../../src/local/paths.ts";
import { functionImportMap } from "../../src/local/deno.ts";
import { configuredPort } from "../../src/local/ports.ts";

const configPath = path.join(supabaseDir, "config.toml");
const functionsDir = path.join(projectRoot, "functions");
/** The functions this project ships; each must exist as a folder and in config.toml. */
const expectedFunctions = ["public-resume", "resume-upload"];

type Table = Record<string, unknown>;
const config = Bun.TOML.parse(fs.readFileSync(configPath, "utf8")) as Table;
const section = (name: string): Table => (config[name] ?? {}) as Table;
const functionsConfig = section("functions") as Record<string, Table>;

/** Runs the pinned CLI without telemetry or update checks (no network is needed). */
function supabase(args: string[], workdir: string) {
  const result = spawnSync(npmBin("supabase"), [...args, "--workdir", workdir], {
    encoding: "utf8",
    env: { ...process.env, DO_NOT_TRACK: "1", SUPABASE_TELEMETRY_DISABLED: "1" },
    timeout: 60_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A throwaway project directory holding `configText` as supabase/config.toml. */
function scratchProject(configText?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-config-"));
  fs.mkdirSync(path.join(dir, "supabase"));
  if (configText !== undefined) fs.writeFileSync(path.join(dir, "supabase", "config.toml"), configText);
  return dir;
}

describe("the Supabase CLI accepts config.toml", () => {
  // `seed buckets --local` loads the whole file through the CLI's config schema (types,
  // enums, function slugs) and, with no [storage.buckets] declared, stops there: the
  // cheapest CLI command that validates the file without Docker or network.
  test("it parses and passes the CLI's schema", () => {
    const { code, output } = supabase(["seed", "buckets", "--local"], projectRoot);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  test("the same command rejects a file that breaks the schema (so the check above means something)", () => {
    const original = fs.readFileSync(configPath, "utf8");
    const broken = original.replace(/^verify_jwt = false$/m, 'verify_jwt = "no"');
    expect(broken).not.toBe(original);
    const dir = scratchProject(broken);
    try {
      const { code, output } = supabase(["seed", "buckets", "--local"], dir);
      expect(code).not.toBe(0);
      expect(output).toContain("verify_jwt");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // The CLI ignores keys it does not know, so a misspelt key would silently do nothing.
  // Every key must appear in what `supabase init` writes (set or commented out), or be
  // one of the [functions.NAME] keys of the CLI's schema (enabled, verify_jwt,
  // import_map, entrypoint, static_files, env), which `init` does not write.
  test("it uses only keys the CLI knows", () => {
    const dir = scratchProject();
    let template: string;
    try {
      const { code, output } = supabase(["init"], dir);
      expect({ code, output }).toMatchObject({ code: 0 });
      template = fs.readFileSync(path.join(dir, "supabase", "config.toml"), "utf8");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const known = new Set([
      ...templateKeys(template),
      ...["enabled", "verify_jwt", "import_map", "entrypoint", "static_files", "env"].map((key) => `functions.*.${key}`),
    ]);
    const ours = leafKeys(config).map((key) => key.replace(/^functions\.[^.]+\./, "functions.*."));
    expect(ours.length).toBeGreaterThan(30);
    expect(ours.filter((key) => !known.has(key))).toEqual([]);
  });
});

describe("config.toml agrees with the rest of the repository", () => {
  test("ports are the local stack's defaults, so supabase-js code runs against either", () => {
    expect(section("api").port).toBe(configuredPort("gateway", {}));
    expect(section("db").port).toBe(configuredPort("database", {}));
  });

  test("the API exposes public and graphql_public, never private", () => {
    expect(section("api").schemas).toEqual(["public", "graphql_public"]);
  });

  test("Postgres major version is the hosted one (15)", () => {
    expect(section("db").major_version).toBe(15);
  });

  test("seed files it names exist", () => {
    const seed = section("db").seed as Table;
    const paths = seed.sql_paths as string[];
    expect(paths.length).toBeGreaterThan(0);
    for (const seedPath of paths) expectFile(path.resolve(supabaseDir, seedPath));
  });

  test("access tokens last 30 minutes, and passwords need 8+ characters with letters and digits", () => {
    const auth = section("auth");
    expect(auth.jwt_expiry).toBe(1800);
    expect(auth.minimum_password_length).toBe(8);
    expect(auth.password_requirements).toBe("letters_digits");
    expect(auth.enable_refresh_token_rotation).toBe(true);
  });
});

describe("edge functions", () => {
  const folders = fs.existsSync(functionsDir)
    ? fs
        .readdirSync(functionsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_") && !entry.name.startsWith("."))
        .map((entry) => entry.name)
        .sort()
    : [];

  test("each function this project ships has a folder under functions/", () => {
    expect(folders).toEqual(expect.arrayContaining(expectedFunctions));
  });

  test("config.toml has a [functions.NAME] block for exactly the folders under functions/", () => {
    // functions/_shared (and other `_` folders) hold shared code, not functions.
    expect(Object.keys(functionsConfig).sort()).toEqual(folders);
  });

  const names = [...new Set([...expectedFunctions, ...Object.keys(functionsConfig)])].sort();
  for (const name of names) {
    describe(name, () => {
      const fn = functionsConfig[name] ?? {};
      const resolve = (relative: unknown) => path.resolve(supabaseDir, String(relative));

      // Paths in config.toml are relative to supabase/, and the CLI only finds a
      // deno.json by itself inside supabase/functions/NAME: both are spelt out. Every
      // function bundles with the one generated import map the local stack runs with.
      test("entrypoint is functions/NAME/index.ts and exists", () => {
        expect(resolve(fn.entrypoint)).toBe(path.join(functionsDir, name, "index.ts"));
        expectFile(resolve(fn.entrypoint));
      });

      test("import_map is functions/deno.json, the map the local stack runs with", () => {
        expect(resolve(fn.import_map)).toBe(functionImportMap);
        expectFile(resolve(fn.import_map));
      });

      if (expectedFunctions.includes(name)) {
        test("the gateway's JWT check is off: the function authenticates its callers itself", () => {
          expect(fn.verify_jwt).toBe(false);
          expect(fn.enabled ?? true).toBe(true);
        });
      }
    });
  }
});

/** Fails naming the file, not with a bare `false`. */
function expectFile(file: string): void {
  expect(fs.existsSync(file) ? file : `missing: ${path.relative(projectRoot, file)}`).toBe(file);
}

/** Dotted paths of every value in a parsed TOML document (arrays are values). */
function leafKeys(table: Table, prefix = ""): string[] {
  return Object.entries(table).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? leafKeys(value as Table, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/** Dotted paths of every key `supabase init` writes, commented-out ones included. */
function templateKeys(template: string): string[] {
  const keys: string[] = [];
  let current = "";
  for (const raw of template.split("\n")) {
    const line = raw.replace(/^#\s?/, "").trim();
    const header = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line);
    if (header) {
      current = `${header[1]}.`;
      continue;
    }
    const key = /^([A-Za-z0-9_]+)\s*=/.exec(line);
    if (key) keys.push(`${current}${key[1]}`);
  }
  return keys;
}
