// Supabase Auth's error responses, shape for shape (internal/api/errors.go).
//
// GoTrue answers errors in the shape the client asked for with X-Supabase-Api-Version:
//   2024-01-01 (what supabase-js sends): { code: "<error_code>", message }
//   initial (no header):                 { code: <status>, error_code, msg, error_id? }
//   weak passwords add                   weak_password: { reasons: [...] }
//   the token endpoint's OAuth errors:   { error, error_description } (always 400)
// and, in the initial version only, Postgres errors raised by triggers or constraints
// (23xxx, P0001, PTxxx) are passed through as { code: "<sqlstate>", message, detail, hint }.
import { databaseErrorOf } from "../../core/errors.ts";

export type ApiVersion = "initial" | "2024-01-01";

/** GoTrue's HTTPError: a status, an error code from apierrors/errorcode.go, a message. */
export class GoTrueHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The database error behind a 500, passed through in the initial API version. */
    readonly databaseError?: unknown,
  ) {
    super(message);
  }
}

/** GoTrue's WeakPasswordError: 422 weak_password with the broken rules. */
export class WeakPasswordError extends Error {
  constructor(
    message: string,
    readonly reasons: string[],
  ) {
    super(message);
  }
}

/** GoTrue's OAuthError (the token endpoint's RFC 6749 errors): always answered with 400. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

export const badRequest = (code: string, message: string) => new GoTrueHttpError(400, code, message);
export const forbidden = (code: string, message: string) => new GoTrueHttpError(403, code, message);
export const notFound = (code: string, message: string) => new GoTrueHttpError(404, code, message);
export const unprocessable = (code: string, message: string) => new GoTrueHttpError(422, code, message);
export const internalError = (message: string, cause?: unknown) => new GoTrueHttpError(500, "unexpected_failure", message, cause);

/** Is this one of GoTrue's answers (as opposed to a failure nobody planned for)? */
export function isGoTrueError(error: unknown): boolean {
  return error instanceof GoTrueHttpError || error instanceof WeakPasswordError || error instanceof OAuthError;
}

/** The API version a request asked for (an unparseable header means the initial one, as in GoTrue). */
export function requestApiVersion(request: Request): ApiVersion {
  const header = request.headers.get("x-supabase-api-version");
  if (!header || !/^\d{4}-\d{2}-\d{2}$/.test(header) || Number.isNaN(Date.parse(`${header}T00:00:00Z`))) return "initial";
  return header >= "2024-01-01" ? "2024-01-01" : "initial";
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The response GoTrue sends for `error` (anything not one of ours is an unexpected failure). */
export function errorResponse(error: unknown, version: ApiVersion): Response {
  const headers: Record<string, string> = version === "2024-01-01" ? { "X-Supabase-Api-Version": "2024-01-01" } : {};

  if (error instanceof WeakPasswordError) {
    if (version === "2024-01-01") {
      return jsonResponse(422, { code: "weak_password", message: error.message, weak_password: { reasons: error.reasons } }, headers);
    }
    return jsonResponse(
      422,
      { code: 422, error_code: "weak_password", msg: error.message, weak_password: { reasons: error.reasons } },
      { ...headers, "x-sb-error-code": "weak_password" },
    );
  }

  if (error instanceof GoTrueHttpError) {
    headers["x-sb-error-code"] = error.code;
    if (version === "2024-01-01") return jsonResponse(error.status, { code: error.code, message: error.message }, headers);
    const passedThrough = publicPostgresError(error.databaseError);
    if (passedThrough) return jsonResponse(passedThrough.status, passedThrough.body, headers);
    const body: Record<string, unknown> = { code: error.status, error_code: error.code, msg: error.message };
    if (error.status >= 500) body.error_id = crypto.randomUUID();
    return jsonResponse(error.status, body, headers);
  }

  if (error instanceof OAuthError) {
    return jsonResponse(400, { error: error.error, error_description: error.description }, headers);
  }

  const message = "Unexpected failure, please check server logs for more information";
  if (version === "2024-01-01") return jsonResponse(500, { code: "unexpected_failure", message }, headers);
  return jsonResponse(500, { code: 500, error_code: "unexpected_failure", msg: message, error_id: crypto.randomUUID() }, headers);
}

// The SQLSTATEs GoTrue considers safe to show (internal/utilities/postgres.go).
function publicPostgresError(cause: unknown): { status: number; body: Record<string, unknown> } | undefined {
  const failure = databaseErrorOf(cause);
  if (!failure || failure.code.length !== 5) return undefined;
  const { code, message, detail, hint } = failure;
  const integrity = ["P0001", "23000", "23001", "23502", "23503", "23505", "23514", "23P01"];
  let status: number | undefined;
  if (integrity.includes(code)) status = 500;
  else if (code.startsWith("PT") && /^\d+$/.test(code.slice(2))) status = Number(code.slice(2));
  if (status === undefined) return undefined;
  const body: Record<string, unknown> = { code, message };
  if (hint) body.hint = hint;
  if (detail) body.detail = detail;
  return { status, body };
}
