// Where the local stack keeps things. Everything under .local/ is git-ignored.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where `npm start` keeps its state: LOCAL_STATE_DIR (src/core/settings.ts), relative to the project. */
export function localStateDir(setting: string): string {
  return path.resolve(projectRoot, setting);
}
export const supabaseDir = path.join(projectRoot, "supabase");
export const platformBootstrapFile = path.join(projectRoot, "sql", "supabase_platform.sql");

/**
 * The edge functions: every folder functions/NAME with an index.ts, except shared code
 * (folders starting with _, such as _shared). The local stack serves these, and
 * `npm run check:functions` and the import-map generator read them.
 */
export function edgeFunctionNames(root = projectRoot): string[] {
  const dir = path.join(root, "functions");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_") && fs.existsSync(path.join(dir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/** functions/NAME/index.ts, the entry point of edge function NAME. */
export function edgeFunctionEntrypoint(name: string, root = projectRoot): string {
  return path.join(root, "functions", name, "index.ts");
}

/** A binary that npm installed into node_modules/.bin (bun, deno, supabase). */
export function npmBin(name: string): string {
  return path.join(projectRoot, "node_modules", ".bin", name);
}
