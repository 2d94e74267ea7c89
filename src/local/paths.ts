// Where the local stack keeps things. Everything under .local/ is git-ignored.
import { fileURLToPath } from "node:url";
import path from "node:path";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where `npm start` keeps its state: LOCAL_STATE_DIR (src/core/settings.ts), relative to the project. */
export function localStateDir(setting: string): string {
  return path.resolve(projectRoot, setting);
}
export const supabaseDir = path.join(projectRoot, "supabase");
export const platformBootstrapFile = path.join(projectRoot, "sql", "supabase_platform.sql");

/** A binary that npm installed into node_modules/.bin (bun, deno, supabase). */
export function npmBin(name: string): string {
  return path.join(projectRoot, "node_modules", ".bin", name);
}
