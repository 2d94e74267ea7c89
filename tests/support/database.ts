// The database every suite of one `bun test` run shares: a fresh database, migrated
// through the Supabase CLI, on an embedded PostgreSQL started for the run, or on the
// server DATABASE_URL names (CI runs the suites a second time against the machine's
// PostgreSQL 15, the major version hosted Supabase runs).
import { createEmptyDatabase, databaseUrl, dropDatabase, prepareDatabase } from "../../src/local/database.ts";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../src/local/throwaway-postgres.ts";

let embedded: ThrowawayPostgres | undefined;
let serverUrlPromise: Promise<string> | undefined;
const createdDatabases: string[] = [];
let migratedPromise: Promise<string> | undefined;

/** Superuser URL of the server the run uses (any database on it). */
export function testServerUrl(): Promise<string> {
  serverUrlPromise ??= (async () => {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    embedded = await startThrowawayPostgres({ label: "test" });
    return embedded.url;
  })();
  return serverUrlPromise;
}

/** A new, empty database on the test server, dropped when the run ends. */
export async function emptyTestDatabase(label: string): Promise<string> {
  const server = await testServerUrl();
  const name = `previewcv_test_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  createdDatabases.push(name);
  return createEmptyDatabase(server, name);
}

/** The run's shared database, bootstrapped and migrated (superuser URL). */
export function migratedTestDatabase(): Promise<string> {
  migratedPromise ??= (async () => {
    const url = await emptyTestDatabase("main");
    await prepareDatabase(url, { includeSeed: true });
    return url;
  })();
  return migratedPromise;
}

/**
 * The same database as the servers' login role (twin of authenticatorUrl in
 * src/local/stack.ts): it can do nothing by itself but switch into anon or authenticated,
 * as PostgREST's authenticator does. Only the user name changes: previewcv_api.
 */
export function asAuthenticatorUrl(superuserUrl: string): string {
  const url = new URL(superuserUrl);
  url.username = "previewcv_api";
  url.password = "postgres";
  return url.toString();
}

export async function releaseTestDatabases(): Promise<void> {
  const server = serverUrlPromise ? await serverUrlPromise : undefined;
  if (server && !embedded) {
    for (const name of createdDatabases) await dropDatabase(server, name).catch(() => {});
  }
  await embedded?.stop();
}

export { databaseUrl };
