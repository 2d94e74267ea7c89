// The house rules of ARCHITECTURE.md ("Which way imports run"), held by reading every
// import of every .ts file of the repository:
//   - src/api (the facade) and functions/ (the edge functions) never import each other;
//   - src/core, src/db and src/auth import no face, no worker and nothing of src/local,
//     and use no Bun or Deno global, so both runtimes load them;
//   - the worker (src/worker, `npm run worker`) builds on src/core, src/db and src/auth
//     alone: it imports neither face, nor src/local;
//   - nothing that ships (src/api, src/worker, src/core, src/db, src/auth, functions/,
//     scripts/admin.ts) imports anything that does not: src/local, tests, bench, the
//     other scripts;
//   - relative imports name their file with its .ts suffix (Deno resolves nothing else);
//   - the facade reaches the database through the services: at run time only its
//     composition root (src/api/server.ts and src/api/composition.ts) imports src/db;
//     controllers may import its types (the Caller and Sql that services take).
// A small scanner, not a TypeScript parser: comments are dropped before reading.
import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../../src/local/paths.ts";

interface ImportStatement {
  specifier: string;
  /** `import type` / `export type`, or braces whose every name is `type`: gone at run time. */
  typeOnly: boolean;
}

/** The file's imports and re-exports, static and dynamic. */
export function importsOf(source: string): ImportStatement[] {
  const code = withoutComments(source);
  const found: ImportStatement[] = [];
  for (const match of code.matchAll(/\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*["']([^"']+)["']/g)) {
    const names = match[3]!;
    const braces = /^\{([\s\S]*)\}$/.exec(names.trim());
    const allTypes = braces ? braces[1]!.split(",").map((name) => name.trim()).filter(Boolean).every((name) => name.startsWith("type ")) : false;
    found.push({ specifier: match[4]!, typeOnly: Boolean(match[2]) || allTypes });
  }
  for (const match of code.matchAll(/(?:^|[;\n])\s*import\s*["']([^"']+)["']/g)) found.push({ specifier: match[1]!, typeOnly: false });
  for (const match of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push({ specifier: match[1]!, typeOnly: false });
  return found;
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

const runtimeGlobal = /(?<![\w.$])(Bun|Deno)\.\w/;

type Area = "api" | "functions" | "worker" | "core" | "db" | "auth" | "local" | "admin-script" | "other";

function areaOf(file: string): Area {
  if (file.startsWith("src/api/")) return "api";
  if (file.startsWith("functions/")) return "functions";
  if (file.startsWith("src/worker/")) return "worker";
  if (file.startsWith("src/core/")) return "core";
  if (file.startsWith("src/db/")) return "db";
  if (file.startsWith("src/auth/")) return "auth";
  if (file.startsWith("src/local/")) return "local";
  if (file === "scripts/admin.ts") return "admin-script";
  return "other";
}

/** The facade's only modules that may import src/db at run time. */
const compositionRoot = new Set(["src/api/server.ts", "src/api/composition.ts"]);

const ships = new Set<Area>(["api", "functions", "worker", "core", "db", "auth", "admin-script"]);
const runtimeNeutral = new Set<Area>(["core", "db", "auth"]);
const faces = new Set<Area>(["api", "functions"]);

/** Every broken rule, one line each (`file: what`), for files given as repository path → source. */
export function ruleViolations(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, source] of files) {
    const from = areaOf(file);
    if (runtimeNeutral.has(from)) {
      const global = runtimeGlobal.exec(withoutComments(source).replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""'));
      if (global) problems.push(`${file}: uses the ${global[1]} global (src/${from} must load in both runtimes)`);
    }
    for (const { specifier, typeOnly } of importsOf(source)) {
      if (specifier === "bun" || specifier.startsWith("bun:")) {
        if (runtimeNeutral.has(from)) problems.push(`${file}: imports "${specifier}" (src/${from} must load in both runtimes)`);
        continue;
      }
      if (!specifier.startsWith(".")) continue; // packages and node: builtins
      if (!specifier.endsWith(".ts")) problems.push(`${file}: imports "${specifier}" without its .ts suffix`);
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const to = areaOf(target);
      if (faces.has(from) && faces.has(to) && from !== to) problems.push(`${file}: the ${from} face imports the ${to} face (${target})`);
      if (runtimeNeutral.has(from) && (faces.has(to) || to === "worker" || to === "local")) problems.push(`${file}: src/${from} imports ${target}`);
      if (from === "worker" && (faces.has(to) || to === "local")) problems.push(`${file}: the worker imports ${target} (it builds on src/core, src/db and src/auth alone)`);
      if (ships.has(from) && !ships.has(to)) problems.push(`${file}: ships, and imports ${target}, which does not`);
      if (from === "api" && to === "db" && !typeOnly && !compositionRoot.has(file)) {
        problems.push(`${file}: imports ${target} at run time; the facade reaches the database through a service`);
      }
    }
  }
  return problems;
}

function repositoryFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of ["src", "functions", "scripts", "tests", "bench"]) {
    for (const file of fs.readdirSync(path.join(projectRoot, dir), { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts") || file.split(path.sep).includes("node_modules")) continue;
      const relative = path.posix.join(dir, file.split(path.sep).join("/"));
      // This file's examples of broken imports are strings, which the scanner would read.
      if (relative === "tests/workflow/import-rules.test.ts") continue;
      files.set(relative, fs.readFileSync(path.join(projectRoot, relative), "utf8"));
    }
  }
  return files;
}

describe("which way imports run", () => {
  test("every .ts file of the repository keeps the house rules", () => {
    const files = repositoryFiles();
    expect(files.size).toBeGreaterThan(150);
    // The scanner sees imports at all: the facade's entry imports its app.
    expect(importsOf(files.get("src/api/server.ts")!).map((found) => found.specifier)).toContain("./app.ts");
    expect(ruleViolations(files)).toEqual([]);
  });

  test("each rule fails on a file that breaks it", () => {
    const broken = new Map([
      ["src/api/resumes/index.ts", `import { handler } from "../../../functions/resume-upload/index.ts";`],
      ["functions/public-resume/index.ts", `import { createApp } from "../../src/api/app.ts";`],
      ["src/core/jobs/service.ts", `import { startStack } from "../../local/stack.ts";\nconst port = Bun.env.PORT;`],
      ["src/db/client.ts", `import { RedisClient } from "bun";`],
      ["src/auth/bearer.ts", `export { thing } from "../api/plugins/caller.ts";\nconst key = Deno.env.get("KEY");`],
      ["scripts/admin.ts", `import { freePort } from "../src/local/ports.ts";`],
      ["src/worker/runner.ts", `import { createApp } from "../api/app.ts";\nimport { handler } from "../../functions/public-resume/index.ts";`],
      ["src/worker/tasks.ts", `import { startStack } from "../local/stack.ts";`],
      ["src/auth/index.ts", `import { startWorker } from "../worker/runner.ts";`],
      ["src/core/pdf.ts", `import { checkPdf } from "./pdf";`],
      ["src/api/jobs/index.ts", `import { asCaller } from "../../db/client.ts";\nimport type { Sql } from "../../db/client.ts";`],
      // None of these break a rule: comments, strings, types, the local stack's own code.
      ["src/core/log.ts", `// Bun.serve and import("../local/x.ts") in a comment\nconst text = "Deno.env is not read here";`],
      ["src/api/app.ts", `import type { Sql } from "../db/client.ts";\nimport { type Caller, type Transaction } from "../db/client.ts";`],
      // node: builtins load in both runtimes (Deno provides them): core may use them.
      ["src/core/digest.ts", `import { createHash } from "node:crypto";\nimport { Buffer } from "node:buffer";`],
      ["src/local/gateway.ts", `import { createApp } from "../api/app.ts";\nBun.serve({});`],
    ]);
    expect(ruleViolations(broken)).toEqual([
      "src/api/resumes/index.ts: the api face imports the functions face (functions/resume-upload/index.ts)",
      "functions/public-resume/index.ts: the functions face imports the api face (src/api/app.ts)",
      "src/core/jobs/service.ts: uses the Bun global (src/core must load in both runtimes)",
      "src/core/jobs/service.ts: src/core imports src/local/stack.ts",
      "src/core/jobs/service.ts: ships, and imports src/local/stack.ts, which does not",
      'src/db/client.ts: imports "bun" (src/db must load in both runtimes)',
      "src/auth/bearer.ts: uses the Deno global (src/auth must load in both runtimes)",
      "src/auth/bearer.ts: src/auth imports src/api/plugins/caller.ts",
      "scripts/admin.ts: ships, and imports src/local/ports.ts, which does not",
      "src/worker/runner.ts: the worker imports src/api/app.ts (it builds on src/core, src/db and src/auth alone)",
      "src/worker/runner.ts: the worker imports functions/public-resume/index.ts (it builds on src/core, src/db and src/auth alone)",
      "src/worker/tasks.ts: the worker imports src/local/stack.ts (it builds on src/core, src/db and src/auth alone)",
      "src/worker/tasks.ts: ships, and imports src/local/stack.ts, which does not",
      "src/auth/index.ts: src/auth imports src/worker/runner.ts",
      'src/core/pdf.ts: imports "./pdf" without its .ts suffix',
      "src/api/jobs/index.ts: imports src/db/client.ts at run time; the facade reaches the database through a service",
    ]);
  });
});
