// The facade's composition root: its dependencies built from its settings (the
// database pool, the JWT verifier and Auth client, storage, rate limits, webhook keys).
// src/api/server.ts serves what this builds; the benchmarks build the same app in their
// own process (to profile it, or to run it with other settings). The only module of the facade besides
// server.ts that imports src/db at run time.
import { createProjectJwtVerifier, createSupabaseAuthClient } from "../auth/index.ts";
import type { Logger } from "../core/log.ts";
import { storageConfig, thumbnailStorageConfig, type FacadeSettings } from "../core/settings.ts";
import { createStorage } from "../core/storage/index.ts";
import { systemResolve, withTimeout } from "../core/webhooks/dns.ts";
import { loadKeyring } from "../core/webhooks/secrets.ts";
import { createDatabasePool } from "../db/client.ts";
import { postgresRateLimiter } from "../db/rate-limit.ts";
import type { FacadeDeps } from "./app.ts";
import { redisRateLimiter } from "./redis-rate-limiter.ts";

export async function createFacadeDeps(settings: FacadeSettings, log: Logger): Promise<FacadeDeps> {
  const sql = createDatabasePool(settings.APP_DATABASE_URL, { max: settings.DB_POOL_SIZE, applicationName: "previewcv-facade" });
  const projectUrl = settings.SUPABASE_URL;
  return {
    sql,
    settings,
    log,
    verifier: createProjectJwtVerifier(settings),
    auth: createSupabaseAuthClient({
      url: projectUrl,
      apiKey: settings.SUPABASE_ANON_KEY,
      serviceRoleKey: settings.SUPABASE_SERVICE_ROLE_KEY,
    }),
    storage: createStorage(storageConfig(settings)),
    thumbnails: createStorage(thumbnailStorageConfig(settings)),
    // Counters shared by every instance: Redis when configured, else Postgres.
    rateLimiter: settings.REDIS_URL ? redisRateLimiter(settings.REDIS_URL) : postgresRateLimiter(sql),
    trustProxy: settings.TRUST_PROXY,
    webhooks: {
      keyring: await loadKeyring(settings.WEBHOOK_SECRET_KEYS),
      policy: { allowedHosts: settings.WEBHOOK_ALLOWED_HOSTS, resolve: withTimeout(systemResolve, 5000) },
    },
  };
}
