// Generates functions/deno.json, the import map of the Deno edge functions, from
// package.json and package-lock.json: one source of truth for versions.
//
// The functions import npm packages by bare name ("postgres", "zod"), as the Bun side
// does. The import map pins each one to the exact version npm installed
// ("postgres": "npm:postgres@3.4.9"), so that:
//   - locally (npm start, tests, CI), Deno runs with --node-modules-dir=manual and
//     --cached-only: it loads those exact versions from node_modules and never downloads;
//   - hosted, `supabase functions deploy` reads the same map (config.toml's import_map)
//     and its bundler fetches the same versions from the npm registry at deploy time.
//
//   bun scripts/gen-function-imports.ts           rewrite functions/deno.json
//   bun scripts/gen-function-imports.ts --check   write nothing; exit 1 when it is stale
import fs from "node:fs";
import path from "node:path";
import { edgeFunctionEntrypoint, edgeFunctionNames } from "../src/local/paths.ts";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export const functionImportMapFile = path.join(projectRoot, "functions", "deno.json");

interface PackageJson {
  dependencies?: Record<string, string>;
}
interface PackageLock {
  packages: Record<string, { version?: string }>;
}

/** Every import/export specifier of a TypeScript module, types-only imports included. */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+["']([^"']+)["']/g, /\bimport\s+["']([^"']+)["']/g, /\bimport\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** npm package name of a bare specifier: "zod" → "zod", "@scope/pkg/sub" → "@scope/pkg". */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function isBare(specifier: string): boolean {
  return !/^(\.|\/|node:|npm:|jsr:|https?:|file:|data:)/.test(specifier);
}

/** Bare specifiers reachable from the entrypoints through relative imports. */
export function bareImportsOf(entrypoints: string[]): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const queue = [...entrypoints];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importSpecifiers(fs.readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) queue.push(path.resolve(path.dirname(file), specifier));
      else if (isBare(specifier)) bare.add(specifier);
    }
  }
  return bare;
}

/** The import map the functions need, with the versions npm installed. */
export function generateImportMap(root = projectRoot): { imports: Record<string, string> } {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as PackageLock;
  const imports: Record<string, string> = {};
  const entrypoints = edgeFunctionNames(root).map((name) => edgeFunctionEntrypoint(name, root));
  for (const specifier of [...bareImportsOf(entrypoints)].sort()) {
    const name = packageNameOf(specifier);
    if (!pkg.dependencies?.[name]) {
      throw new Error(`the edge functions import "${specifier}", but ${name} is not in package.json "dependencies" (npm install ${name}).`);
    }
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`package-lock.json has no version of ${name}: run npm install.`);
    imports[name] = `npm:${name}@${version}`;
    // A subpath import ("pkg/sub") needs the prefix mapping as well.
    if (specifier !== name) imports[`${name}/`] = `npm:/${name}@${version}/`;
  }
  return { imports: Object.fromEntries(Object.entries(imports).sort(([a], [b]) => a.localeCompare(b))) };
}

export function importMapText(root = projectRoot): string {
  return `${JSON.stringify(generateImportMap(root), null, 2)}\n`;
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  const relative = path.relative(projectRoot, functionImportMapFile);
  try {
    const generated = importMapText();
    const existing = fs.existsSync(functionImportMapFile) ? fs.readFileSync(functionImportMapFile, "utf8") : undefined;
    if (existing === generated) {
      console.error(`gen-function-imports: ${relative} is up to date`);
    } else if (check) {
      console.error(`gen-function-imports: ${relative} does not match package-lock.json. Expected:\n${generated}`);
      console.error("Run `npm run gen:function-imports` and commit the result.");
      process.exit(1);
    } else {
      fs.writeFileSync(functionImportMapFile, generated);
      console.error(`gen-function-imports: wrote ${relative}`);
    }
  } catch (error) {
    console.error(`gen-function-imports: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
