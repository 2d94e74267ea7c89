// `npm run bench`: every benchmark, one after the other (never side by side: they
// would measure each other). Each prints ratios measured within its own run;
// `npm run bench -- auth` runs only the named ones.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const benchDir = path.dirname(new URL(import.meta.url).pathname);
const all = fs
  .readdirSync(benchDir)
  .filter((file) => file.endsWith(".ts") && file !== "index.ts")
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : all;

let failed = false;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`No benchmark named ${name} (have: ${all.join(", ")})`);
    process.exit(2);
  }
  console.log(`\n=== bench/${name}.ts ===`);
  const run = spawnSync(process.execPath, [path.join(benchDir, `${name}.ts`)], { stdio: "inherit" });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
