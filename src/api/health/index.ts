// Liveness and readiness for load balancers: /health answers while the process runs;
// /ready only while the database answers too (a facade that cannot reach Postgres
// should be taken out of rotation, not restarted).
import { Elysia } from "elysia";
import { z } from "zod";
import { serviceUnavailable } from "../../core/errors.ts";
// The one controller that asks the database itself: readiness is "the pool answers
// `select 1`", no domain rule, so there is no service to go through.
import type { Sql } from "../../db/client.ts";
import { documented } from "../plugins/docs.ts";

const readinessTimeoutMs = 2000;

export function healthModule(deps: { sql: Sql }) {
  return new Elysia({ tags: ["Health"] })
    .get("/health", () => ({ status: "ok" as const }), documented({ response: { 200: z.object({ status: z.literal("ok") }) }, detail: { summary: "The process is up" } }))
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
        return { status: "ready" as const };
      },
      documented(
        { response: { 200: z.object({ status: z.literal("ready") }) }, detail: { summary: "The process is up and its database answers" } },
        { 503: "The database does not answer within 2 s (Retry-After): take the instance out of rotation" },
      ),
    );
}
