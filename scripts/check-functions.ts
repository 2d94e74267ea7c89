// `npm run check:functions`: type-checks every edge function with Deno, offline, exactly
// as the local stack runs them (src/local/deno.ts), so a missing package or a Deno-only
// type error fails here instead of at start-up.
import { spawnSync } from "node:child_process";
import { denoBin, denoOfflineArgs, denoOfflineEnv } from "../src/local/deno.ts";
import { edgeFunctionEntrypoint, edgeFunctionNames, projectRoot } from "../src/local/paths.ts";

const entrypoints = edgeFunctionNames().map((name) => edgeFunctionEntrypoint(name));
const result = spawnSync(denoBin(), ["check", ...denoOfflineArgs, ...entrypoints], {
  cwd: projectRoot,
  env: { ...process.env, ...denoOfflineEnv },
  stdio: "inherit",
});
process.exit(result.status ?? 1);
