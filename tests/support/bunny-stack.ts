// A stack of its own whose storage is Bunny: the Bunny Storage stand-in (which can be
// told to fail) behind the same startStack `npm start` uses, over the run's migrated
// database. For the suites that make storage fail, which must not disturb the run's
// shared stack (tests/support/stack.ts, local storage). Like that stack, the servers
// start with an empty DENO_DIR and no network.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort } from "../../src/local/ports.ts";
import { startStack, type RunningStack } from "../../src/local/stack.ts";
import { startBunnyStorageStandin, type BunnyStorageStandin } from "./bunny-storage-standin.ts";
import { migratedTestDatabase } from "./database.ts";
import { unreachableNetwork } from "./stack.ts";

/** The pull zone the stored files are served from (signed URLs start with it). */
export const bunnyPullZoneUrl = "https://letsmakecv.b-cdn.net";

export interface BunnyStackOptions {
  /** The storage zone, one per suite. */
  zone: string;
  /** The pull zone's token key, which signs the URLs the suite checks. */
  securityKey: string;
  /** Settings of the servers beside the storage's (log level, timings of the worker...). */
  env?: Record<string, string>;
  /** Where every line of the stack's processes goes (printed when TEST_STACK_LOG is set). */
  log?: (line: string) => void;
}

export interface BunnyStack {
  stack: RunningStack;
  standin: BunnyStorageStandin;
  /** A superuser connection to the run's database, to read what the stack wrote. */
  superuser: postgres.Sql;
  /** Stops the stack and the stand-in, closes the connection, removes the stack's folder. */
  stop(): Promise<void>;
}

export async function startBunnyStack(options: BunnyStackOptions): Promise<BunnyStack> {
  const superuserUrl = await migratedTestDatabase();
  const superuser = postgres(superuserUrl, { max: 2, onnotice: () => {} });
  const standin = await startBunnyStorageStandin({ zone: options.zone });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `previewcv-${options.zone}-stack-`));
  let stack: RunningStack | undefined;
  const stop = async () => {
    await stack?.stop();
    await standin.stop();
    await superuser.end();
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    stack = await startStack({
      superuserUrl,
      ports: { gateway: await freePort(), facade: await freePort() },
      stateDir,
      bcryptCost: 4,
      env: {
        // Each suite speaks from its own client IPs (X-Forwarded-For).
        TRUST_PROXY: "true",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
        STORAGE_DRIVER: "bunny",
        BUNNY_STORAGE_ZONE: standin.zone,
        BUNNY_STORAGE_ACCESS_KEY: standin.accessKey,
        BUNNY_STORAGE_ENDPOINT: standin.url,
        BUNNY_PULL_ZONE_URL: bunnyPullZoneUrl,
        BUNNY_TOKEN_SECURITY_KEY: options.securityKey,
        // A hanging stand-in fails a call in 3 s, not Bunny's default 30.
        BUNNY_STORAGE_TIMEOUT_SECONDS: "3",
        DENO_DIR: fs.mkdtempSync(path.join(stateDir, "deno-")),
        ...unreachableNetwork,
        ...options.env,
      },
      log: options.log ?? (process.env.TEST_STACK_LOG ? (line) => console.log(line) : undefined),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stack, standin, superuser, stop };
}
