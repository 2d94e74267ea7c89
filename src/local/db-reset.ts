// `npm run db:reset`: the local twin of `supabase db reset`. Drops the local data
// (embedded Postgres cluster and locally stored files), then bootstraps, applies the
// migrations and the seed through the Supabase CLI, exactly as `npm start` does on a
// first run.
import fs from "node:fs";
import path from "node:path";
import { prepareDatabase } from "./database.ts";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { localStateDir } from "./paths.ts";
import { assertPortFree, configuredPort } from "./ports.ts";

if (process.env.DATABASE_URL) {
  console.error(
    "db:reset rebuilds the embedded local database only. With DATABASE_URL, point at a fresh database instead " +
      "(npm start bootstraps and migrates it), or use `supabase db reset --db-url ...` on a Supabase database.",
  );
  process.exit(1);
}

const port = configuredPort("database");
try {
  await assertPortFree("database", port);
} catch {
  console.error(`Port ${port} is in use: stop \`npm start\` first (or set LOCAL_DB_PORT if something else holds it).`);
  process.exit(1);
}

const dataDir = path.join(localStateDir, "postgres", "data");
console.log("Dropping the local data (.local/postgres, .local/storage)…");
fs.rmSync(dataDir, { recursive: true, force: true });
fs.rmSync(path.join(localStateDir, "storage"), { recursive: true, force: true });

console.log("Starting a new embedded PostgreSQL…");
const database = await startEmbeddedPostgres({ dataDir, port });
try {
  console.log("Applying the platform bootstrap, migrations and seed (Supabase CLI)…");
  await prepareDatabase(database.url, { includeSeed: true });
  console.log("Done: the local database matches supabase/migrations and supabase/seed.sql.");
} finally {
  await database.stop();
}
