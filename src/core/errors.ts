// The one error type that maps to HTTP, shared by the facade and the edge functions.
// Services throw it with the seed's messages; each face turns it into the same JSON
// (ApiErrorBody):
//   { "success": false, "detail": "<message>", ...extra }
// A 500 is a bug: anything that is the client's fault must become an ApiError, and so
// must a dependency that is out of reach (503 with Retry-After, below).
import { z } from "zod";
import { CallerRefusedError, callerStates } from "../db/client.ts";

/** The JSON of every refusal, on both faces: what `ApiError.body` is. */
export const ApiErrorBody = z.looseObject({
  success: z.literal(false),
  detail: z.string(),
  /** 422: each problem, where (`["body", "email"]`) and what. */
  errors: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string() })).optional(),
  /** 429: seconds until a retry may succeed (also the Retry-After header). */
  retry_after: z.number().optional(),
  /** 500: the request's id (X-Request-Id), to find it in the logs. */
  request_id: z.string().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }

  get body(): ApiErrorBody {
    return { success: false, detail: this.detail, ...this.extra };
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new ApiError(400, detail, extra);

/** 401 with the challenge RFC 6750 asks for (see bearerChallenge in src/auth). */
export const unauthorized = (detail = "Could not validate credentials", challenge = "Bearer") =>
  new ApiError(401, detail, {}, { "WWW-Authenticate": challenge });

export const forbidden = (detail: string) => new ApiError(403, detail);
export const notFound = (detail: string) => new ApiError(404, detail);
export const conflict = (detail: string) => new ApiError(409, detail);
export const payloadTooLarge = (detail: string, extra?: Record<string, unknown>) => new ApiError(413, detail, extra);

/** One thing wrong with a request: where (`["body", "email"]`) and what. */
export interface RequestProblem {
  loc: (string | number)[];
  msg: string;
}

/** FastAPI's status for a body that does not fit the schema; `errors` lists each problem. */
export const unprocessable = (detail: string, errors: RequestProblem[]) => new ApiError(422, detail, { errors });

/**
 * The seed's 422 for a request with these problems: `detail` names the first
 * ("Invalid body.email: Not a valid email address"), `errors` lists them all. With no
 * problem to name, `detail` names the part of the request (`Invalid body`).
 */
export function invalidRequest(problems: RequestProblem[], where = "request"): ApiError {
  const first = problems[0];
  return unprocessable(first ? `Invalid ${first.loc.join(".")}: ${first.msg}` : `Invalid ${where}`, problems);
}

export const tooManyRequests = (retryAfterSeconds: number, detail = "Too many requests, try again later") =>
  new ApiError(429, detail, { retry_after: retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) });

/** How long a client should wait before retrying a request an outage refused (Retry-After). */
export const outageRetryAfterSeconds = 5;

/** An outside service (Supabase Auth, storage, the database) failed or timed out: not the client's fault. */
export const serviceUnavailable = (detail: string) => new ApiError(503, detail, {}, { "Retry-After": String(outageRetryAfterSeconds) });

export const badGateway = (detail: string) => new ApiError(502, detail);

/** What a database error says: its code and, where the server gave them, the broken constraint's name, detail and hint. */
export interface DatabaseErrorFields {
  /** SQLSTATE ("23505"), or postgres.js's own code for a connection failure ("ECONNREFUSED"). */
  code: string;
  message: string;
  constraint?: string;
  /** The error's DETAIL (our functions put the caller's state there with PT401/PT403). */
  detail?: string;
  hint?: string;
}

/** The fields of an error postgres.js raised (PostgresError or a connection error), or undefined for anything else. */
export function databaseErrorOf(error: unknown): DatabaseErrorFields | undefined {
  const raw = (error ?? {}) as { code?: unknown; message?: unknown; constraint_name?: unknown; detail?: unknown; hint?: unknown };
  const { code, message } = raw;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  const fields: DatabaseErrorFields = { code, message };
  if (typeof raw.constraint_name === "string") fields.constraint = raw.constraint_name;
  if (typeof raw.detail === "string") fields.detail = raw.detail;
  if (typeof raw.hint === "string") fields.hint = raw.hint;
  return fields;
}

/**
 * The answer to a signed-in caller whose token may not act, by their state
 * (private.caller_state(), as asCaller's CallerRefusedError or the PT401/PT403 of the
 * servers' functions carry it): 403 for an account switched off (deactivated, or banned
 * in Supabase Auth), 401 for a token that can no longer be used (its session signed out
 * or expired, its account gone): the client must sign in again.
 */
export function callerRefusal(state: string): ApiError {
  const ended = (detail: string) => unauthorized(detail, `Bearer error="invalid_token", error_description="${detail}"`);
  switch (state) {
    case "deactivated":
    case "banned":
      return forbidden("Account is inactive");
    case "no_account":
      return ended("The account no longer exists");
    default:
      return ended("The session has ended: sign in again");
  }
}

/** The states of a caller who may not act, to tell a PT401/PT403 about the caller from another one. */
const refusedCallerStates = new Set<string>(callerStates.filter((state) => state !== "active"));

/**
 * Codes meaning the database is out of reach or not taking work right now (never the
 * request's fault): the socket errors and postgres.js's own connection codes, and the
 * SQLSTATEs of a server that is shutting down (57P01 admin, 57P02 crash), starting up
 * (57P03) or full (53300 too many connections). Class 08 (connection exception) is
 * matched by its prefix.
 */
const databaseUnreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  // postgres.js: connect_timeout passed, the socket closed under a query, the pool ended.
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/** Bun's Redis client (the facade's rate limiter with REDIS_URL): the connection is gone or never came. */
const redisUnreachableCodes = new Set(["ERR_REDIS_CONNECTION_CLOSED", "ERR_REDIS_CONNECTION_TIMEOUT"]);

/**
 * 503 with Retry-After when `error` says a dependency is unreachable (the database, or
 * the Redis rate limiter); undefined for anything else.
 */
export function unavailableDependency(error: unknown): ApiError | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== "string") return undefined;
  if ((error as { name?: unknown }).name === "RedisError") {
    return redisUnreachableCodes.has(code) ? serviceUnavailable("The rate limiter is unreachable right now; try again shortly") : undefined;
  }
  if (databaseUnreachableCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code)) {
    return serviceUnavailable("The database is unreachable right now; try again shortly");
  }
  return undefined;
}

/**
 * Maps an error the database (or the way to it) raised to an ApiError when it is the
 * client's doing or an outage, or returns undefined (a bug, answered 500). SQLSTATE
 * PTnnn is PostgREST's convention for "answer HTTP nnn", used by our triggers; the
 * caller's state (asCaller's refusal, or PT401/PT403 naming it) answers 401/403.
 */
export function apiErrorFromDatabase(error: unknown): ApiError | undefined {
  if (error instanceof CallerRefusedError) return callerRefusal(error.state);
  const unavailable = unavailableDependency(error);
  if (unavailable) return unavailable;
  const failure = databaseErrorOf(error);
  if (!failure) return undefined;
  if ((failure.code === "PT401" || failure.code === "PT403") && failure.detail && refusedCallerStates.has(failure.detail)) {
    return callerRefusal(failure.detail);
  }
  const postgrestStatus = /^PT(\d{3})$/.exec(failure.code);
  if (postgrestStatus) return new ApiError(Number(postgrestStatus[1]), failure.message);
  switch (failure.code) {
    case "42501": // insufficient_privilege, incl. "new row violates row-level security policy"
      return forbidden("Not allowed");
    case "23505": // unique_violation
      return conflict("Already exists");
    case "23503": // foreign_key_violation
      return notFound("Referenced row not found");
    case "23514": // check_violation
    case "23502": // not_null_violation
    case "22001": // string_data_right_truncation
    case "22P02": // invalid_text_representation
    case "22023": // invalid_parameter_value
    case "22007": // invalid_datetime_format
    case "22008": // datetime_field_overflow
    case "22003": // numeric_value_out_of_range
      return badRequest("Invalid value");
    case "57014": // query_canceled (statement_timeout)
      return serviceUnavailable("The database took too long to answer");
    default:
      return undefined;
  }
}
