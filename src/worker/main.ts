// The worker's entry point: `npm run worker` (bun src/worker/main.ts), and what `npm start`
// runs beside the facade. A third face over src/core and src/db, beside the facade and
// the edge functions: it tells events (notifications, webhook deliveries), batches view
// notices, tells resume views that were first of the day from repeats, announces expired
// postings, delivers webhooks (runner.ts), finishes account erasures (stored files,
// Supabase Auth users) and applies the retention windows.
//
// It connects with the servers' own login role (APP_DATABASE_URL), which may run the
// worker's private functions and nothing else: no table access, no service_role. (The
// service-role key it reads is for Supabase Auth's admin API only: deleting erased users.) Run as
// many copies as you like: every task takes its rows with FOR UPDATE SKIP LOCKED.
//
// GET /health answers 200 while the process runs; GET /ready answers 200 while the
// database answers (503 otherwise). SIGTERM (or SIGINT): stop taking work, finish or
// hand back what it holds, exit 0.
import { createSupabaseAuthClient } from "../auth/index.ts";
import { createLogger } from "../core/log.ts";
import { readSettings, storageConfig, thumbnailStorageConfig } from "../core/settings.ts";
import { createStorage } from "../core/storage/index.ts";
import { systemResolve } from "../core/webhooks/dns.ts";
import { loadKeyring } from "../core/webhooks/secrets.ts";
import { createDatabasePool } from "../db/client.ts";
import { startWorker } from "./runner.ts";
import { databaseTasks, erasureTasks, retentionTask, rewrapSecretsTask } from "./tasks.ts";

const settings = readSettings("worker", (name) => process.env[name]);
const log = createLogger({ service: "worker", level: settings.LOG_LEVEL });
const sql = createDatabasePool(settings.APP_DATABASE_URL, { max: settings.DB_POOL_SIZE, applicationName: "previewcv-worker" });
const keyring = await loadKeyring(settings.WEBHOOK_SECRET_KEYS);

const worker = startWorker({
  sql,
  log,
  keyring,
  tasks: [
    ...databaseTasks,
    rewrapSecretsTask(keyring),
    ...erasureTasks({
      storage: createStorage(storageConfig(settings)),
      thumbnails: createStorage(thumbnailStorageConfig(settings)),
      // Admin calls only (deleting erased users): the service-role key is their key.
      auth: createSupabaseAuthClient({ url: settings.SUPABASE_URL, apiKey: settings.SUPABASE_SERVICE_ROLE_KEY, serviceRoleKey: settings.SUPABASE_SERVICE_ROLE_KEY }),
      log,
      retryBaseMs: settings.ERASURE_RETRY_BASE_MS,
      leaseSeconds: 2 * settings.BUNNY_STORAGE_TIMEOUT_SECONDS + 5,
    }),
    retentionTask({
      ipDays: settings.ACCESS_LOG_IP_RETENTION_DAYS,
      deliveryDays: settings.WEBHOOK_DELIVERY_RETENTION_DAYS,
      readNotificationDays: settings.READ_NOTIFICATION_RETENTION_DAYS,
    }),
  ],
  policy: { allowedHosts: settings.WEBHOOK_ALLOWED_HOSTS, resolve: systemResolve },
  retry: { baseMs: settings.WEBHOOK_RETRY_BASE_MS, maxDelayMs: settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS * 1000 },
  timeoutMs: settings.WEBHOOK_TIMEOUT_MS,
  retryWindowSeconds: settings.WEBHOOK_RETRY_WINDOW_SECONDS,
  concurrency: settings.WORKER_CONCURRENCY,
  pollIntervalMs: settings.WORKER_POLL_INTERVAL_MS,
});

const health = Bun.serve({
  port: settings.WORKER_HEALTH_PORT,
  hostname: settings.WORKER_HEALTH_HOST,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return Response.json({ status: "ok" });
    if (pathname === "/ready") {
      try {
        await Promise.race([sql`select 1`, Bun.sleep(2000).then(() => Promise.reject(new Error("timeout")))]);
        return Response.json({ status: "ready" });
      } catch {
        return Response.json({ status: "database unavailable" }, { status: 503 });
      }
    }
    return Response.json({ success: false, detail: "Not Found" }, { status: 404 });
  },
});
log.info("worker started", { health: `http://${settings.WORKER_HEALTH_HOST}:${health.port}/health`, concurrency: settings.WORKER_CONCURRENCY });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info("worker stopping", { signal });
  // Within the 10 s a process manager (and the local stack's guard) gives before SIGKILL.
  await worker.stop(Math.min(5_000, settings.WEBHOOK_TIMEOUT_MS));
  await health.stop(true);
  await sql.end({ timeout: 5 });
  log.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
