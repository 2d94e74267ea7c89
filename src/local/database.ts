// Brings a database to the schema of this repository: the Supabase platform
// bootstrap (local databases only), then supabase/migrations through the real
// Supabase CLI, which records them in supabase_migrations.schema_migrations exactly
// as it does on a hosted project. There is no other migration runner.
import postgres from "postgres";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { npmBin, platformBootstrapFile, projectRoot } from "./paths.ts";

/** Runs sql/supabase_platform.sql (idempotent) as a superuser. */
export async function applyPlatformBootstrap(superuserUrl: string): Promise<void> {
  const sql = postgres(superuserUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(fs.readFileSync(platformBootstrapFile, "utf8")).simple();
  } finally {
    await sql.end();
  }
}

/** The Supabase CLI talks to local Postgres without TLS. */
export function withSslDisabled(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("sslmode", "disable");
  return parsed.toString();
}

/** Runs the pinned Supabase CLI in the project directory; rejects with its output. */
export function runSupabaseCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(npmBin("supabase"), [...args, "--workdir", projectRoot], {
      cwd: projectRoot,
      // No telemetry or update checks: these machines reach only the npm registry.
      env: { ...process.env, DO_NOT_TRACK: "1", SUPABASE_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`supabase ${args[0]} ${args[1] ?? ""} failed (exit ${code}):\n${output}`));
    });
  });
}

/** `supabase db push --db-url ...`: applies the migrations the database has not seen. */
export function pushMigrations(url: string, options: { includeSeed?: boolean } = {}): Promise<string> {
  const args = ["db", "push", "--db-url", withSslDisabled(url), "--yes"];
  if (options.includeSeed) args.push("--include-seed");
  return runSupabaseCli(args);
}

/** Bootstrap, then migrations (and optionally supabase/seed.sql). */
export async function prepareDatabase(superuserUrl: string, options: { includeSeed?: boolean } = {}): Promise<void> {
  await applyPlatformBootstrap(superuserUrl);
  await pushMigrations(superuserUrl, options);
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** CREATE DATABASE `name` on the server, empty; its URL. */
export async function createEmptyDatabase(serverUrl: string, name: string): Promise<string> {
  const sql = postgres(databaseUrl(serverUrl, "postgres"), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await sql.end();
  }
  return databaseUrl(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const sql = postgres(databaseUrl(serverUrl, "postgres"), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await sql.end();
  }
}
