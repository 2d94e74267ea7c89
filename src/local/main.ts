// `npm start`: the whole local stack on embedded defaults. PostgreSQL from npm (data in
// .local/postgres, kept between runs), the platform bootstrap, migrations and seed
// through the Supabase CLI, then the gateway, the edge functions and the facade.
// DATABASE_URL switches to an existing Postgres instead. Settings come from the
// environment and .env (Bun loads it), checked by src/core/settings.ts.
//
// However it is stopped (Ctrl-C, SIGTERM from an IDE or a process manager, its parent
// dying), it stops its servers, then the database, and every child also stops by itself
// if this process is killed outright (src/local/child-guard.ts). If PostgreSQL dies
// under it, the stack says so and restarts it; if PostgreSQL is shut down on purpose,
// the stack stops too.
import path from "node:path";
import postgres from "postgres";
import { databaseErrorOf } from "../core/errors.ts";
import { readSettings } from "../core/settings.ts";
import { printableDatabaseUrl } from "../db/printable-url.ts";
import { prepareDatabase } from "./database.ts";
import { localStateDir } from "./paths.ts";
import { assertPortFree, type PortName } from "./ports.ts";
import { dataDirFor, startPostgres, type RunningPostgres } from "./postgres.ts";
import { describeExit } from "./processes.ts";
import { startStack, type RunningStack } from "./stack.ts";

/** The API token supabase/seed.sql stores (hashed) for local development. */
const localDevelopmentApiToken = "pcv_local_development_token_not_for_production";
const restartLimit = { count: 3, withinMs: 60_000 };

const say = (line: string) => console.log(line);
const quiet = process.argv.includes("--quiet");
const startedAt = performance.now();

let database: RunningPostgres | undefined;
let stack: RunningStack | undefined;
let stopping = false;

async function stop(code: number, why?: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (why) say(`\n${why}`);
    if (stack || database) say("Stopping…");
    await stack?.stop().catch((error: unknown) => say(`  servers: ${messageOf(error)}`));
    await database?.stop().catch((error: unknown) => say(`  postgres: ${messageOf(error)}`));
    process.exit(code);
  }
  return new Promise<never>(() => {});
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
  watchParent();

  const settings = readSettings("localStack", (name) => process.env[name]);
  const ports: Record<PortName, number> = { gateway: settings.LOCAL_API_PORT, database: settings.LOCAL_DB_PORT, facade: settings.FACADE_PORT };
  const stateDir = localStateDir(settings.LOCAL_STATE_DIR);
  await assertPortFree("gateway", ports.gateway);
  await assertPortFree("facade", ports.facade);

  let superuserUrl = settings.DATABASE_URL;
  if (superuserUrl) {
    if (await isHostedSupabase(superuserUrl)) {
      throw new Error("DATABASE_URL points at a Supabase-managed database; npm start is for local databases. Deploy with `supabase db push` (see README).");
    }
    say(`Using DATABASE_URL (${printableDatabaseUrl(superuserUrl)})`);
  } else {
    await assertPortFree("database", ports.database);
    const preferred = path.join(stateDir, "postgres", "data");
    const dataDir = dataDirFor(preferred);
    if (dataDir !== preferred) {
      say(`PostgreSQL runs as the OS user postgres, which cannot enter this project's folder: its data lives in ${path.dirname(dataDir)}.`);
    }
    say("Starting embedded PostgreSQL…");
    database = await startPostgres({ dataDir, port: ports.database });
    superuserUrl = database.url;
  }

  say("Applying the platform bootstrap, migrations and seed (Supabase CLI)…");
  await prepareDatabase(superuserUrl, { includeSeed: true });

  say("Starting the gateway, edge functions, facade and worker…");
  stack = await startStack({
    superuserUrl,
    ports: { gateway: ports.gateway, facade: ports.facade },
    stateDir,
    userEnv: process.env,
    log: quiet ? undefined : (line) => console.log(line),
  });
  printSummary(stack, superuserUrl);

  for (const server of stack.servers) {
    void server.exited.then((exit) => stop(1, `${server.name} exited (${describeExit(exit)}); see its output above.`));
  }
  if (database) superviseDatabase(database, superuserUrl);
}

/**
 * A stack whose parent is gone (an IDE, a process manager or `npm` itself was killed,
 * and the shell between them died without passing the signal on) stops by itself.
 */
function watchParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0, "The process that started the stack is gone.");
  }, 500).unref();
}

/**
 * If PostgreSQL dies, say so and start it again on the same data (the servers' pools
 * reconnect by themselves); if it keeps dying, stop. If someone shuts it down on
 * purpose (a "smart" SIGTERM waits for every client to leave), stop the stack, which
 * lets that shutdown finish.
 */
function superviseDatabase(server: RunningPostgres, url: string): void {
  const restarts: number[] = [];
  const watch = (current: RunningPostgres) => {
    void current.exited.then(async (exit) => {
      if (stopping) return;
      const now = Date.now();
      restarts.push(now);
      while (restarts[0]! < now - restartLimit.withinMs) restarts.shift();
      if (restarts.length > restartLimit.count) {
        await stop(1, `PostgreSQL exited (${describeExit(exit)}) ${restarts.length} times in a minute; giving up.`);
      }
      say(`\nPostgreSQL exited (${describeExit(exit)}); restarting it on the same data…`);
      try {
        database = await startPostgres({ dataDir: current.dataDir, port: current.port });
        say("PostgreSQL is back; the servers reconnect by themselves.");
        watch(database);
      } catch (error) {
        database = undefined;
        await stop(1, messageOf(error));
      }
    });
  };
  watch(server);

  // A smart shutdown leaves the server running while our pools hold connections, and
  // refuses new ones: a fresh connection every few seconds notices.
  const probe = setInterval(async () => {
    if (stopping) return;
    const sql = postgres(url, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
    } catch (error) {
      if (databaseErrorOf(error)?.code === "57P03" && !stopping) {
        clearInterval(probe);
        await stop(0, "PostgreSQL is shutting down (it was asked to stop); stopping the stack.");
      }
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  }, 3000);
  probe.unref();
}

/** The platform bootstrap must never run against a hosted project. */
async function isHostedSupabase(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    const [row] = await sql`select exists (select 1 from pg_roles where rolname = 'supabase_admin') as hosted`;
    return row!.hosted as boolean;
  } finally {
    await sql.end();
  }
}

function printSummary(running: RunningStack, databaseUrl: string) {
  const rows: [string, string][] = [
    ["API gateway (supabase-js URL)", running.gatewayUrl],
    ["  Auth", `${running.gatewayUrl}/auth/v1`],
    ...running.functionNames.map((name): [string, string] => [`  Function ${name}`, `${running.functionsUrl}/${name}`]),
    ["REST facade (/api/v1)", `${running.facadeUrl}/api/v1`],
    ["  OpenAPI docs", `${running.facadeUrl}/docs`],
    ...(running.workerUrl ? [["Worker (webhooks, notifications)", `${running.workerUrl}/health`] as [string, string]] : []),
    ["Database", printableDatabaseUrl(databaseUrl)],
    ["anon key", running.anonKey],
    ["service_role key", running.serviceRoleKey],
    ["JWT secret (legacy HS256)", running.jwtSecret],
    ["previewcv API token (dev)", localDevelopmentApiToken],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  say(`\nLocal stack is up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s:\n`);
  for (const [label, value] of rows) say(`  ${label.padEnd(width)}  ${value}`);
  say(`\nTry:  curl -s ${running.facadeUrl}/health`);
  say("Ctrl-C stops everything; the data stays for the next start (npm run db:reset starts over).\n");
}

main().catch((error: unknown) => stop(1, messageOf(error)));
