// `npm run db:reset`: the local twin of `supabase db reset`. Drops the local data
// (embedded Postgres cluster and locally stored files), then bootstraps, applies the
// migrations and the seed through the Supabase CLI, exactly as `npm start` does on a
// first run. It refuses while a PostgreSQL is using the data folder, on whatever port.
import fs from "node:fs";
import path from "node:path";
import { readSettings } from "../core/settings.ts";
import { prepareDatabase } from "./database.ts";
import { localStateDir } from "./paths.ts";
import { assertPortFree } from "./ports.ts";
import { dataDirFor, dataDirInUse, startPostgres } from "./postgres.ts";

async function reset(): Promise<void> {
  const settings = readSettings("localStack", (name) => process.env[name]);
  if (settings.DATABASE_URL) {
    throw new Error(
      "db:reset rebuilds the embedded local database only. With DATABASE_URL, point at a fresh database instead " +
        "(npm start bootstraps and migrates it), or use `supabase db reset --db-url ...` on a Supabase database.",
    );
  }
  const stateDir = localStateDir(settings.LOCAL_STATE_DIR);
  const dataDir = dataDirFor(path.join(stateDir, "postgres", "data"));
  const holder = dataDirInUse(dataDir);
  if (holder) {
    throw new Error(`A PostgreSQL (PID ${holder}) is using ${dataDir}: stop \`npm start\` first. Nothing was deleted.`);
  }
  await assertPortFree("database", settings.LOCAL_DB_PORT);

  console.log(`Dropping the local data (${dataDir}, ${path.join(stateDir, "storage")})…`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(path.join(stateDir, "storage"), { recursive: true, force: true });

  console.log("Starting a new embedded PostgreSQL…");
  const database = await startPostgres({ dataDir, port: settings.LOCAL_DB_PORT });
  try {
    console.log("Applying the platform bootstrap, migrations and seed (Supabase CLI)…");
    await prepareDatabase(database.url, { includeSeed: true });
    console.log("Done: the local database matches supabase/migrations and supabase/seed.sql.");
  } finally {
    await database.stop();
  }
}

reset().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
