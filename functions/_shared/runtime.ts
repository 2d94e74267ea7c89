// What an edge function builds once per isolate from its environment: settings, the
// database client, storage, the logger. Deno-specific (Deno.env, EdgeRuntime); the
// rest of the code takes these as values.
//
// Environment (Supabase sets the first ones for every function; the rest come from
// `supabase secrets set`, see .env.example):
//   SUPABASE_URL, SUPABASE_DB_URL, SUPABASE_JWT_SECRET (legacy, optional)
//   STORAGE_DRIVER, BUNNY_*, SIGNED_URL_TTL_SECONDS, MAX_UPLOAD_BYTES, PREVIEW_BASE_URL,
//   CORS_ALLOWED_ORIGINS, DB_POOL_SIZE (default 5), LOG_LEVEL
import { createLogger, errorFields, parseLogLevel, type Logger } from "../../src/core/log.ts";
import type { ResumeDeps } from "../../src/core/resumes/types.ts";
import { readSettings, storageConfig, type Settings } from "../../src/core/settings.ts";
import { createStorage } from "../../src/core/storage/index.ts";
import { createDatabase } from "../../src/db/client.ts";

export interface FunctionRuntime extends ResumeDeps {
  settings: Settings;
  log: Logger;
}

declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void } | undefined;

export function env(name: string): string | undefined {
  return Deno.env.get(name);
}

function required(name: string): string {
  const value = env(name);
  if (!value) throw new Error(`${name} is not set (Supabase sets it for every function; locally the stack does).`);
  return value;
}

/** Fails at start-up, loudly, when the configuration is wrong: never at the first request. */
export function createFunctionRuntime(name: string): FunctionRuntime {
  const log = createLogger({ service: `fn:${name}`, level: parseLogLevel(env("LOG_LEVEL")) });
  const settings = readSettings(env);
  const poolSize = Number(env("DB_POOL_SIZE") ?? 5);
  const sql = createDatabase(required("SUPABASE_DB_URL"), {
    max: Number.isInteger(poolSize) && poolSize > 0 ? poolSize : 5,
    applicationName: `previewcv-fn-${name}`,
  });
  const waitUntil = typeof EdgeRuntime !== "undefined" ? EdgeRuntime?.waitUntil?.bind(EdgeRuntime) : undefined;
  return {
    sql,
    settings,
    log,
    storage: createStorage(storageConfig(settings)),
    // On Supabase, work after the answer must be handed to EdgeRuntime.waitUntil or the
    // isolate may stop first; a plain Deno process keeps running it anyway.
    background: (work) => {
      const guarded = work.catch((error) => log.error("background work failed", errorFields(error)));
      waitUntil?.(guarded);
    },
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
