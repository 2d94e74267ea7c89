// `npm start`: the whole local stack on embedded defaults. PostgreSQL from npm (data in
// .local/postgres, kept between runs), the platform bootstrap, migrations and seed
// through the Supabase CLI, then the gateway, the edge functions and the facade.
// DATABASE_URL switches to an existing Postgres instead. Ctrl-C stops everything.
import path from "node:path";
import postgres from "postgres";
import { prepareDatabase, redactedUrl } from "./database.ts";
import { startEmbeddedPostgres, takeOverShutdownSignals, type RunningPostgres } from "./embedded-postgres.ts";
import { localStateDir } from "./paths.ts";
import { assertPortFree, configuredPort } from "./ports.ts";
import { startStack, type RunningStack } from "./stack.ts";

/** The API token supabase/seed.sql stores (hashed) for local development. */
const localDevelopmentApiToken = "pcv_local_development_token_not_for_production";

const say = (line: string) => console.log(line);
const quiet = process.argv.includes("--quiet");

async function main() {
  const ports = {
    gateway: configuredPort("gateway"),
    database: configuredPort("database"),
    facade: configuredPort("facade"),
  };
  await assertPortFree("gateway", ports.gateway);
  await assertPortFree("facade", ports.facade);

  let embedded: RunningPostgres | undefined;
  let stack: RunningStack | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("\nStopping…");
    await stack?.stop().catch((error) => say(`  stack: ${error}`));
    await embedded?.stop().catch((error) => say(`  postgres: ${error}`));
    process.exit(code);
  };
  // Servers first, then the database: this process owns the shutdown order.
  takeOverShutdownSignals();
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGHUP", () => void stop(0));

  try {
    let superuserUrl = process.env.DATABASE_URL;
    if (superuserUrl) {
      if (await isHostedSupabase(superuserUrl)) {
        throw new Error("DATABASE_URL points at a Supabase-managed database; npm start is for local databases. Deploy with `supabase db push` (see README).");
      }
      say(`Using DATABASE_URL (${redactedUrl(superuserUrl)})`);
    } else {
      await assertPortFree("database", ports.database);
      say("Starting embedded PostgreSQL…");
      embedded = await startEmbeddedPostgres({ dataDir: path.join(localStateDir, "postgres", "data"), port: ports.database });
      superuserUrl = embedded.url;
    }

    say("Applying the platform bootstrap, migrations and seed (Supabase CLI)…");
    await prepareDatabase(superuserUrl, { includeSeed: true });

    say("Starting the gateway, edge functions and facade…");
    stack = await startStack({
      superuserUrl,
      ports: { gateway: ports.gateway, facade: ports.facade },
      stateDir: localStateDir,
      log: quiet ? undefined : (line) => console.log(line),
    });
    printSummary(stack, superuserUrl);
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

/** The platform bootstrap must never run against a hosted project. */
async function isHostedSupabase(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select exists (select 1 from pg_roles where rolname = 'supabase_admin') as hosted`;
    return row!.hosted as boolean;
  } finally {
    await sql.end();
  }
}

function printSummary(stack: RunningStack, databaseUrl: string) {
  const rows: [string, string][] = [
    ["API gateway (supabase-js URL)", stack.gatewayUrl],
    ["  Auth", `${stack.gatewayUrl}/auth/v1`],
    ...stack.functionNames.map((name): [string, string] => [`  Function ${name}`, `${stack.functionsUrl}/${name}`]),
    ["REST facade (/api/v1)", `${stack.facadeUrl}/api/v1`],
    ["  OpenAPI docs", `${stack.facadeUrl}/docs`],
    ["Database", redactedUrl(databaseUrl)],
    ["anon key", stack.anonKey],
    ["service_role key", stack.serviceRoleKey],
    ["JWT secret (legacy HS256)", stack.jwtSecret],
    ["previewcv API token (dev)", localDevelopmentApiToken],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  say("\nLocal stack is up:\n");
  for (const [label, value] of rows) say(`  ${label.padEnd(width)}  ${value}`);
  say(`\nTry:  curl -s ${stack.facadeUrl}/health`);
  say("Ctrl-C stops everything; the data stays in .local/ for the next start.\n");
}

await main();
