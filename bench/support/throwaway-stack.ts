// A stack for one benchmark run: embedded PostgreSQL in a temp folder, bootstrapped
// and migrated through the Supabase CLI, and the same local stack `npm start` runs,
// on free ports. Everything is removed at the end.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareDatabase } from "../../src/local/database.ts";
import { freePort } from "../../src/local/ports.ts";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../src/local/throwaway-postgres.ts";
import { startStack, type RunningStack, type StackOptions } from "../../src/local/stack.ts";

export interface BenchStack extends RunningStack {
  superuserUrl: string;
  close(): Promise<void>;
}

export async function startBenchDatabase(): Promise<ThrowawayPostgres> {
  const postgres = await startThrowawayPostgres({ label: "bench" });
  await prepareDatabase(postgres.url, { includeSeed: true });
  return postgres;
}

export async function startBenchStack(options: Partial<Pick<StackOptions, "bcryptCost" | "env">> = {}): Promise<BenchStack> {
  const postgres = await startBenchDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-bench-stack-"));
  const stack = await startStack({
    superuserUrl: postgres.url,
    ports: { gateway: await freePort(), facade: await freePort() },
    stateDir: dir,
    bcryptCost: options.bcryptCost,
    // Without the worker, as these benchmarks were measured before it existed (it would
    // fold the public fetch's views meanwhile); bench/webhooks.ts measures it on its own.
    worker: false,
    env: { LOG_LEVEL: "warn", ...options.env },
  });
  return {
    ...stack,
    superuserUrl: postgres.url,
    async close() {
      await stack.stop();
      await postgres.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
