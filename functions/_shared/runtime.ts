// What an edge function builds once per isolate from its environment: settings, the
// database client, storage, the logger, the verifier of the project's access tokens. Deno-specific (Deno.env, EdgeRuntime); the
// rest of the code takes these as values.
//
// Environment: the "functions" group of src/core/settings.ts (SUPABASE_URL is set by
// Supabase for every function; the rest come from `supabase secrets set`, see .env.example).
import { createProjectJwtVerifier, type JwtVerifier } from "../../src/auth/index.ts";
import { createLogger, type Logger } from "../../src/core/log.ts";
import type { ResumeDeps } from "../../src/core/resumes/deps.ts";
import { readSettings, storageConfig, thumbnailStorageConfig, type FunctionSettings } from "../../src/core/settings.ts";
import { createStorage } from "../../src/core/storage/index.ts";
import { createDatabasePool } from "../../src/db/client.ts";

export interface FunctionRuntime extends ResumeDeps {
  settings: FunctionSettings;
  log: Logger;
  verifier: JwtVerifier;
}

declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void } | undefined;

export function env(name: string): string | undefined {
  return Deno.env.get(name);
}

/** Fails at start-up, loudly, when the configuration is wrong: never at the first request. */
export function createFunctionRuntime(name: string): FunctionRuntime {
  const settings = readSettings("functions", env);
  const log = createLogger({ service: `fn:${name}`, level: settings.LOG_LEVEL });
  const sql = createDatabasePool(settings.APP_DATABASE_URL, { max: settings.DB_POOL_SIZE, applicationName: `previewcv-fn-${name}` });
  const waitUntil = typeof EdgeRuntime !== "undefined" ? EdgeRuntime?.waitUntil?.bind(EdgeRuntime) : undefined;
  return {
    sql,
    settings,
    log,
    storage: createStorage(storageConfig(settings)),
    thumbnails: createStorage(thumbnailStorageConfig(settings)),
    verifier: createProjectJwtVerifier(settings),
    // On Supabase, work after the answer must be handed to EdgeRuntime.waitUntil or the
    // isolate may stop first; a plain Deno process keeps running it anyway. The work
    // comes from runInBackground (src/core/resumes/orphan-cleanup.ts), which has already
    // made a failure a log line.
    background: (work) => waitUntil?.(work),
  };
}

/** Closes the pool on SIGTERM so a redeploy does not leave connections behind. */
export function closeOnShutdown(runtime: FunctionRuntime): void {
  try {
    Deno.addSignalListener("SIGTERM", () => {
      runtime.sql.end({ timeout: 2 }).finally(() => Deno.exit(0));
    });
  } catch {
    // Signals are not available everywhere (Supabase's edge runtime ends isolates itself).
  }
}
