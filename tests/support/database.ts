// The database every suite of one `bun test` run shares: a fresh database, migrated
// through the Supabase CLI, on an embedded PostgreSQL started for the run, or on the
// server DATABASE_URL names (CI runs the suites a second time against the machine's
// PostgreSQL 15, the major version hosted Supabase runs).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "../../src/local/embedded-postgres.ts";
import { createDatabase, databaseUrl, dropDatabase, prepareDatabase } from "../../src/local/database.ts";
import { freePort } from "../../src/local/ports.ts";

let embedded: RunningPostgres | undefined;
let embeddedDir: string | undefined;
let serverUrlPromise: Promise<string> | undefined;
const createdDatabases: string[] = [];
let migratedPromise: Promise<string> | undefined;

/** Superuser URL of the server the run uses (any database on it). */
export function testServerUrl(): Promise<string> {
  serverUrlPromise ??= (async () => {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    sweepAbandonedClusters();
    embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-test-"));
    fs.writeFileSync(path.join(embeddedDir, "owner.pid"), String(process.pid));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(embeddedDir, "data"), port: await freePort() });
    return embedded.url;
  })();
  return serverUrlPromise;
}

/** A new, empty database on the test server, dropped when the run ends. */
export async function emptyTestDatabase(label: string): Promise<string> {
  const server = await testServerUrl();
  const name = `previewcv_test_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  createdDatabases.push(name);
  return createDatabase(server, name);
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

/** The same database as the login role PostgREST uses: it can do nothing by itself. */
export function asAuthenticatorUrl(superuserUrl: string): string {
  const url = new URL(superuserUrl);
  url.username = "authenticator";
  url.password = "postgres";
  return url.toString();
}

export async function releaseTestDatabases(): Promise<void> {
  const server = serverUrlPromise ? await serverUrlPromise : undefined;
  if (server && !embedded) {
    for (const name of createdDatabases) await dropDatabase(server, name).catch(() => {});
  }
  if (embedded) {
    await embedded.stop();
    if (embeddedDir) fs.rmSync(embeddedDir, { recursive: true, force: true });
  }
}

/**
 * A run that was killed (Ctrl-C, a timeout) cannot stop its PostgreSQL: the server
 * outlives it. Each run stops the clusters of runs that are gone and removes their
 * folders.
 */
function sweepAbandonedClusters(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith("previewcv-test-")) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(readFirstLine(path.join(dir, "owner.pid")));
    if (!owner || isAlive(owner)) continue;
    const postmaster = Number(readFirstLine(path.join(dir, "data", "postmaster.pid")));
    if (postmaster && isAlive(postmaster)) process.kill(postmaster, "SIGINT"); // fast shutdown
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

export { databaseUrl };
