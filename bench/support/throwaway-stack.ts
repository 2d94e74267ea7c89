// A stack for one benchmark run: embedded PostgreSQL in a temp folder, bootstrapped
// and migrated through the Supabase CLI, and the same local stack `npm start` runs,
// on free ports. Everything is removed at the end.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgresClient from "postgres";
import { prepareDatabase } from "../../src/local/database.ts";
import { freePort } from "../../src/local/ports.ts";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../src/local/throwaway-postgres.ts";
import { startStack, type RunningStack, type StackOptions } from "../../src/local/stack.ts";

/**
 * The per-account upload limits, lifted: an upload benchmark sends thousands of uploads
 * per account, and a refused upload (429, 409) is not an upload it can measure.
 */
export const noUploadLimits = {
  UPLOADS_PER_HOUR_PER_USER: "1000000000",
  MAX_RESUMES_PER_USER: "1000000",
  MAX_RESUME_BYTES_PER_USER: String(1024 ** 4),
} as const;

export interface BenchStack extends RunningStack {
  superuserUrl: string;
  close(): Promise<void>;
}

export async function startBenchDatabase(): Promise<ThrowawayPostgres> {
  // pg_stat_statements: the benchmarks count the statements each request costs.
  const postgres = await startThrowawayPostgres({ label: "bench", serverSettings: { shared_preload_libraries: "pg_stat_statements" } });
  await prepareDatabase(postgres.url, { includeSeed: true });
  await postgresQuery(postgres.url, "create extension if not exists pg_stat_statements with schema extensions");
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
    // Production's default level: a line per request is part of what a request costs.
    env: { LOG_LEVEL: "info", ...options.env },
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

async function postgresQuery(url: string, statement: string): Promise<void> {
  const sql = postgresClient(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end();
  }
}

/**
 * Statements the servers ran (pg_stat_statements calls, every database role but the
 * superuser's bookkeeping) since the last reset; reset it before a case, read it after.
 */
export async function serverStatementCount(sql: postgresClient.Sql): Promise<number> {
  const [row] = await sql`
    select coalesce(sum(calls), 0)::bigint as calls
      from extensions.pg_stat_statements s
      join pg_roles r on r.oid = s.userid
     where r.rolname <> current_user`;
  return Number(row!.calls);
}

export async function resetStatementCounts(sql: postgresClient.Sql): Promise<void> {
  await sql`select extensions.pg_stat_statements_reset()`;
}
