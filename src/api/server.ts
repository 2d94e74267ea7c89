// The facade's production entry point: `bun src/api/server.ts`. Reads the environment
// (see .env.example), listens on FACADE_PORT, and drains on SIGTERM so a rolling
// deploy behind a load balancer drops no request.
import { createProjectJwtVerifier, createSupabaseAuthClient } from "../auth/index.ts";
import { createLogger } from "../core/log.ts";
import { readSettings, serverBodyLimit, storageConfig, thumbnailStorageConfig } from "../core/settings.ts";
import { createStorage } from "../core/storage/index.ts";
import { systemResolve, withTimeout } from "../core/webhooks/dns.ts";
import { loadKeyring } from "../core/webhooks/secrets.ts";
import { createDatabasePool } from "../db/client.ts";
import { postgresRateLimiter } from "../db/rate-limit.ts";
import { createApp } from "./app.ts";
import { redisRateLimiter } from "./redis-rate-limiter.ts";

const settings = readSettings("facade", (name) => process.env[name]);
const log = createLogger({ service: "facade", level: settings.LOG_LEVEL });
const sql = createDatabasePool(settings.APP_DATABASE_URL, { max: settings.DB_POOL_SIZE, applicationName: "previewcv-facade" });

const app = createApp({
  sql,
  settings,
  log,
  verifier: createProjectJwtVerifier(settings),
  auth: createSupabaseAuthClient({
    url: settings.SUPABASE_URL,
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
});

app.listen({
  port: settings.FACADE_PORT,
  hostname: settings.FACADE_HOST,
  // Every route reads its body with a limit of its own; this is the outer bound.
  maxRequestBodySize: serverBodyLimit(settings.MAX_UPLOAD_BYTES),
});
log.info("facade listening", { port: app.server?.port, url: `http://127.0.0.1:${app.server?.port}/api/v1`, docs: "/docs" });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info("facade stopping", { signal });
  await app.stop(); // waits for in-flight requests
  await sql.end({ timeout: 5 });
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
