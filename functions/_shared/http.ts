// The HTTP shell every edge function shares: OPTIONS answered first, CORS and the
// security headers on every answer (errors included), one JSON error shape
// ({ success: false, detail, ... }, the facade's), a request id, one log line per
// request (its path without share tokens: redactedRequestPath). Runtime-neutral (a
// Request in, a Response out), so it is tested without Deno.
import { ApiError, apiErrorFromDatabase, notFound } from "../../src/core/errors.ts";
import { answerHeadersFor, errorResponse, jsonResponse, redactedRequestPath, requestIdFor, type CorsPolicy } from "../../src/core/http.ts";
import { errorFields, type Logger } from "../../src/core/log.ts";

export interface FunctionRequest {
  request: Request;
  /** The request's URL, parsed once. */
  url: URL;
  /** The path after /{function name}: "" or "/..." (Supabase hands functions /{name}/...). */
  route: string;
  requestId: string;
}

export interface FunctionShellOptions {
  /** The function's name, the first segment of every path it is sent. */
  name: string;
  cors: CorsPolicy;
  log: Logger;
  /** Answers with a JSON body (status 200) or a Response; throws ApiError to refuse. */
  handle: (request: FunctionRequest) => Promise<unknown>;
}

export function functionHandler(options: FunctionShellOptions): (request: Request) => Promise<Response> {
  const prefix = `/${options.name}`;
  const answerHeaders = answerHeadersFor(options.cors);
  return async (request) => {
    const startedAt = performance.now();
    const requestId = requestIdFor(request);
    const common = { ...answerHeaders(request.headers.get("origin")), "X-Request-Id": requestId };
    const url = new URL(request.url);
    const path = url.pathname;

    let response: Response;
    if (request.method === "OPTIONS") {
      // Preflight: before anything else, for every path, without authentication.
      response = new Response(null, { status: 204, headers: common });
    } else {
      try {
        if (path !== prefix && !path.startsWith(`${prefix}/`)) throw notFound("Not Found");
        const answer = await options.handle({ request, url, route: path.slice(prefix.length), requestId });
        response = answer instanceof Response ? answer : jsonResponse(answer);
      } catch (error) {
        // A database out of reach is 503 with Retry-After (src/core/errors.ts), as on the facade.
        const apiError = error instanceof ApiError ? error : apiErrorFromDatabase(error);
        if (!apiError) options.log.error("unhandled error", { request_id: requestId, path: redactedRequestPath(path), ...errorFields(error) });
        else if (apiError.status === 503 && !(error instanceof ApiError)) options.log.warn("dependency unavailable", { request_id: requestId, path: redactedRequestPath(path), ...errorFields(error) });
        response = errorResponse(apiError ?? new ApiError(500, "Internal server error", { request_id: requestId }));
      }
      for (const [name, value] of Object.entries(common)) response.headers.set(name, value);
    }
    options.log.info("request", {
      request_id: requestId,
      method: request.method,
      path: redactedRequestPath(path),
      status: response.status,
      duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
    });
    return response;
  };
}

/** 405 with the methods the route has. */
export function methodNotAllowed(allowed: readonly string[]): ApiError {
  return new ApiError(405, "Method Not Allowed", {}, { Allow: [...allowed, "OPTIONS"].join(", ") });
}
