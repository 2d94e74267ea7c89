// The facade's production entry point: `bun src/api/server.ts`. Reads the environment
// (see .env.example), listens on FACADE_PORT, and drains on SIGTERM so a rolling
// deploy behind a load balancer drops no request.
import { createJwtVerifier, createSupabaseAuthClient } from "../auth/index.ts";
import { createLogger, parseLogLevel } from "../core/log.ts";
import { readSettings } from "../core/settings.ts";
import { storageConfig } from "../core/settings.ts";
import { createStorage } from "../core/storage/index.ts";
import { createDatabase } from "../db/client.ts";
import { postgresRateLimiter } from "../db/rate-limit.ts";
import { createApp } from "./app.ts";
import { redisRateLimiter } from "./redis-rate-limiter.ts";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set. See .env.example.`);
  return value;
}

const log = createLogger({ service: "facade", level: parseLogLevel(process.env.LOG_LEVEL) });
const settings = readSettings((name) => process.env[name]);
const sql = createDatabase(required("DATABASE_URL"), {
  max: Number(process.env.DB_POOL_SIZE ?? 10),
  applicationName: "previewcv-facade",
});
const projectUrl = settings.SUPABASE_URL;

const app = createApp({
  sql,
  settings,
  log,
  verifier: createJwtVerifier({
    jwksUrl: new URL("/auth/v1/.well-known/jwks.json", projectUrl),
    legacyJwtSecret: settings.SUPABASE_JWT_SECRET,
  }),
  auth: createSupabaseAuthClient({
    url: projectUrl,
    apiKey: required("SUPABASE_ANON_KEY"),
    serviceRoleKey: required("SUPABASE_SERVICE_ROLE_KEY"),
  }),
  storage: createStorage(storageConfig(settings)),
  // Counters shared by every instance: Redis when configured, else Postgres.
  rateLimiter: process.env.REDIS_URL ? redisRateLimiter(process.env.REDIS_URL) : postgresRateLimiter(sql),
  trustProxy: process.env.TRUST_PROXY === "true",
});

const port = Number(process.env.FACADE_PORT ?? 8000);
app.listen({
  port,
  hostname: process.env.FACADE_HOST ?? "0.0.0.0",
  // Uploads stream through readMultipartForm's own limit; this is the outer bound.
  maxRequestBodySize: settings.MAX_UPLOAD_BYTES + 1024 * 1024,
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
