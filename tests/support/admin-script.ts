// `npm run admin` (scripts/admin.ts) as an operator runs it: a process of its own, with
// nothing of the test run's environment but PATH, HOME and the database it is pointed at.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { npmBin, projectRoot } from "../../src/local/paths.ts";

export interface AdminRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin script with `args` against `databaseUrl` (its DATABASE_URL) and waits for it. */
export function runAdminScript(databaseUrl: string, args: string[]): AdminRun {
  const result = spawnSync(npmBin("bun"), [path.join(projectRoot, "scripts/admin.ts"), ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: databaseUrl },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
