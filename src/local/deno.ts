// How the local stack runs Deno: offline, from what `npm install` put in node_modules.
// Every Deno command of the project (the functions under `npm start` and the tests,
// `deno check` in CI) takes these arguments and this environment, so none of them can
// download anything at run time, whatever DENO_DIR holds (an empty one included).
import path from "node:path";
import { npmBin, projectRoot } from "./paths.ts";

/** The functions' import map (generated from package-lock.json by scripts/gen-function-imports.ts). */
export const functionImportMap = path.join(projectRoot, "functions", "deno.json");

/**
 * --node-modules-dir=manual: npm packages come from ./node_modules, as npm installed them;
 * --cached-only: anything that is not there is an error, never a download;
 * --no-lock: versions are pinned by the import map (and package-lock.json), so there is no
 *   deno.lock to write or keep in step;
 * --import-map: the same map `supabase functions deploy` bundles with (config.toml).
 */
export const denoOfflineArgs = ["--node-modules-dir=manual", "--cached-only", "--no-lock", "--import-map", functionImportMap] as const;

/** No update check, no prompts: a Deno process of the stack never reaches the network by itself. */
export const denoOfflineEnv = { DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", NO_COLOR: "1" } as const;

export function denoBin(): string {
  return npmBin("deno");
}
