// Liveness and readiness for load balancers: /health answers while the process runs;
// /ready only while the database answers too (a facade that cannot reach Postgres
// should be taken out of rotation, not restarted).
import { Elysia } from "elysia";
import { serviceUnavailable } from "../../core/errors.ts";
import type { Sql } from "../../db/client.ts";

const readinessTimeoutMs = 2000;

export function healthModule(deps: { sql: Sql }) {
  return new Elysia({ tags: ["Health"] })
    .get("/health", () => ({ status: "ok" }), { detail: { summary: "The process is up" } })
    .get(
      "/ready",
      async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), readinessTimeoutMs);
        });
        try {
          await Promise.race([deps.sql`select 1`, timeout]);
        } catch {
          throw serviceUnavailable("Database unreachable");
        } finally {
          clearTimeout(timer);
        }
        return { status: "ready" };
      },
      { detail: { summary: "The process is up and its database answers" } },
    );
}
