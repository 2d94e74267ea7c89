// One place maps every failure to the seed's JSON: { success: false, detail, ... }.
// Validation failures are 422 like FastAPI's, with each problem in `errors`; a database
// or Redis out of reach is 503 with Retry-After (src/core/errors.ts), logged as a
// warning; anything unexpected is logged with the request id and answered 500 without
// internals.
import { Elysia } from "elysia";
import { ApiError, apiErrorFromDatabase, badRequest, invalidRequest, notFound } from "../../core/errors.ts";
import { redactedRequestPath } from "../../core/http.ts";
import { errorFields, type Logger } from "../../core/log.ts";
import { requestIdOf } from "./http-basics.ts";

interface ValidationIssue {
  path?: string;
  message?: string;
}

export function errorHandling(options: { log: Logger }) {
  return new Elysia({ name: "error-handling" })
    .error({ ApiError })
    .onError({ as: "global" }, ({ code, error, set, request, path }) => {
      const apiError = toApiError(code, error);
      if (!apiError) {
        options.log.error("unhandled error", { request_id: requestIdOf(request), path: redactedRequestPath(path), ...errorFields(error) });
      } else if (apiError.status === 503 && !(error instanceof ApiError)) {
        options.log.warn("dependency unavailable", { request_id: requestIdOf(request), path: redactedRequestPath(path), ...errorFields(error) });
      }
      const answer = apiError ?? new ApiError(500, "Internal server error", { request_id: requestIdOf(request) });
      set.status = answer.status;
      Object.assign(set.headers, answer.headers, { "Content-Type": "application/json; charset=utf-8" });
      return answer.body;
    });
}

function toApiError(code: string | number, error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  switch (code) {
    case "VALIDATION": {
      const validation = error as { type?: string; all?: ValidationIssue[] };
      const where = validation.type ?? "body";
      const problems = (validation.all ?? []).map((issue) => ({
        loc: [where, ...(issue.path && issue.path !== "root" ? issue.path.replace(/^\//, "").split(/[./]/) : [])],
        msg: issue.message ?? "Invalid value",
      }));
      return invalidRequest(problems, where);
    }
    case "PARSE": {
      // Elysia wraps whatever a body parser threw; ours throws ApiErrors (413, 400).
      const cause = (error as { cause?: unknown }).cause;
      return cause instanceof ApiError ? cause : badRequest("Malformed request body");
    }
    case "NOT_FOUND":
      return notFound("Not Found");
    default:
      return apiErrorFromDatabase(error);
  }
}
