// A PostgreSQL that lives for one run of a tool (the tests, the benchmarks, the type
// generator): its data in a new temporary folder, removed when it stops. One place for
// "start a throwaway Postgres", so every tool gets the same clean-up: a run that was
// killed (Ctrl-C, a timeout) cannot stop its server or remove its folder, so each new
// run stops the servers of runs that are gone and removes their folders.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports.ts";
import { dataDirInUse, startPostgres, type RunningPostgres } from "./postgres.ts";

const folderPrefix = "previewcv-pg-";

export interface ThrowawayPostgres extends RunningPostgres {
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export async function startThrowawayPostgres(options: {
  label: string;
  log?: (line: string) => void;
  serverSettings?: Record<string, string>;
}): Promise<ThrowawayPostgres> {
  sweepAbandoned();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${folderPrefix}${options.label}-`));
  fs.writeFileSync(path.join(dir, "owner.pid"), String(process.pid));
  try {
    const server = await startPostgres({ dataDir: path.join(dir, "data"), port: await freePort(), log: options.log, serverSettings: options.serverSettings });
    return {
      ...server,
      async stop() {
        await server.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function sweepAbandoned(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(folderPrefix)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(readFirstLine(path.join(dir, "owner.pid")));
    if (!owner || isAlive(owner)) continue;
    const postmaster = dataDirInUse(path.join(dir, "data"));
    if (postmaster) process.kill(postmaster, "SIGINT"); // fast shutdown
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readFirstLine(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").split("\n")[0]?.trim();
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
