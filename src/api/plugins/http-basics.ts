// What every response of the facade gets: a request id (taken from X-Request-Id when
// the caller sent a sane one), the security headers, CORS, and one access-log line
// (its path without share tokens or query values: redactedRequestPath).
import { Elysia } from "elysia";
import { answerHeadersFor, redactedRequestPath, requestIdFor, type CorsPolicy } from "../../core/http.ts";
import type { Logger } from "../../core/log.ts";

const requestStarts = new WeakMap<Request, { id: string; startedAt: number }>();

/** The id of a request handled by this plugin (for error logs and responses). */
export function requestIdOf(request: Request): string | undefined {
  return requestStarts.get(request)?.id;
}

export function httpBasics(options: { cors: CorsPolicy; log: Logger }) {
  const answerHeaders = answerHeadersFor(options.cors);
  return new Elysia({ name: "http-basics" })
    .onRequest(({ request, set }) => {
      const id = requestIdFor(request);
      requestStarts.set(request, { id, startedAt: performance.now() });
      Object.assign(set.headers, answerHeaders(request.headers.get("origin")));
      set.headers["X-Request-Id"] = id;
      // Preflight: answered here, before routing, for every path.
      if (request.method === "OPTIONS") {
        set.status = 204;
        return "";
      }
    })
    .onAfterResponse({ as: "global" }, ({ request, set, path }) => {
      const started = requestStarts.get(request);
      options.log.info("request", {
        request_id: started?.id,
        method: request.method,
        path: redactedRequestPath(path),
        status: typeof set.status === "number" ? set.status : 200,
        duration_ms: started ? Math.round((performance.now() - started.startedAt) * 100) / 100 : undefined,
      });
    });
}
