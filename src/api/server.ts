// The facade's production entry point: `bun src/api/server.ts`. Reads the environment
// (see .env.example), listens on FACADE_PORT, and drains on SIGTERM so a rolling
// deploy behind a load balancer drops no request. What it serves is built by
// composition.ts.
import { createLogger } from "../core/log.ts";
import { readSettings, serverBodyLimit } from "../core/settings.ts";
import { createApp } from "./app.ts";
import { createFacadeDeps } from "./composition.ts";

const settings = readSettings("facade", (name) => process.env[name]);
const log = createLogger({ service: "facade", level: settings.LOG_LEVEL });
const deps = await createFacadeDeps(settings, log);
const { sql } = deps;
const app = createApp(deps);

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
