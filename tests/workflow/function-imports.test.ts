// The edge functions' npm packages come from node_modules, never from a download at run
// time: functions/deno.json pins exactly what package-lock.json installed, and Deno runs
// offline (src/local/deno.ts). The test stack itself starts the functions with an empty
// DENO_DIR and no route to the internet (tests/support/stack.ts), so every end-to-end
// suite proves it too.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { denoBin, denoOfflineArgs, denoOfflineEnv } from "../../src/local/deno.ts";
import { projectRoot } from "../../src/local/paths.ts";
import { unreachableNetwork } from "../support/stack.ts";
import { functionImportMapFile, generateImportMap, importMapText, importSpecifiers, packageNameOf } from "../../scripts/gen-function-imports.ts";

const lock = JSON.parse(fs.readFileSync(path.join(projectRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };

describe("functions/deno.json", () => {
  test("is what package-lock.json generates (npm run gen:function-imports)", () => {
    expect(fs.readFileSync(functionImportMapFile, "utf8")).toBe(importMapText());
  });

  test("pins every package to the version npm installed", () => {
    const { imports } = JSON.parse(fs.readFileSync(functionImportMapFile, "utf8")) as { imports: Record<string, string> };
    expect(Object.keys(imports).length).toBeGreaterThan(0);
    for (const [name, target] of Object.entries(imports)) {
      if (name.endsWith("/")) continue;
      expect(target).toBe(`npm:${name}@${lock.packages[`node_modules/${name}`]!.version}`);
    }
  });

  test("there is no other import map or lock file for the functions to drift from", () => {
    const stray = fs
      .readdirSync(path.join(projectRoot, "functions"), { recursive: true, encoding: "utf8" })
      .filter((file) => /(^|\/)(deno\.jsonc?|deno\.lock|import_map\.json)$/.test(file) && file !== "deno.json");
    expect(stray).toEqual([]);
  });
});

describe("the generator", () => {
  test("finds static, side-effect, type-only and dynamic imports", () => {
    const source = `import { a } from "zod";\nimport type { B } from "./b.ts";\nimport "postgres";\nexport * from "../c.ts";\nconst d = await import("jose");`;
    expect(importSpecifiers(source).sort()).toEqual(["../c.ts", "./b.ts", "jose", "postgres", "zod"]);
  });

  test("names the package of a subpath or scoped import", () => {
    expect(packageNameOf("zod/mini")).toBe("zod");
    expect(packageNameOf("@scope/pkg/sub")).toBe("@scope/pkg");
  });

  test("refuses a function import that is not a runtime dependency", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-imports-"));
    try {
      fs.mkdirSync(path.join(root, "functions", "demo"), { recursive: true });
      fs.writeFileSync(path.join(root, "functions", "demo", "index.ts"), `import { x } from "left-pad";\n`);
      fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ devDependencies: { "left-pad": "1.3.0" } }));
      fs.writeFileSync(path.join(root, "package-lock.json"), JSON.stringify({ packages: { "node_modules/left-pad": { version: "1.3.0" } } }));
      expect(() => generateImportMap(root)).toThrow('the edge functions import "left-pad", but left-pad is not in package.json "dependencies"');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("Deno loads the functions offline", () => {
  test(
    "deno check of every function passes with an empty DENO_DIR and the network cut off",
    () => {
      const denoDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-deno-"));
      try {
        const entrypoints = ["public-resume", "resume-upload"].map((name) => path.join(projectRoot, "functions", name, "index.ts"));
        const result = spawnSync(denoBin(), ["check", ...denoOfflineArgs, ...entrypoints], {
          cwd: projectRoot,
          encoding: "utf8",
          timeout: 120_000,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...denoOfflineEnv, DENO_DIR: denoDir, ...unreachableNetwork },
        });
        expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 0 });
        // Nothing was fetched into the cache: npm packages were read where npm put them.
        const npmCache = path.join(denoDir, "npm");
        expect(fs.existsSync(npmCache) ? fs.readdirSync(npmCache, { recursive: true }) : []).toEqual([]);
      } finally {
        fs.rmSync(denoDir, { recursive: true, force: true });
      }
    },
    130_000,
  );
});
