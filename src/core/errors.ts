// The one error type that maps to HTTP, shared by the facade and the edge functions.
// Services throw it with the seed's messages; each face turns it into the same JSON:
//   { "success": false, "detail": "<message>", ...extra }
// A 500 is a bug: anything that is the client's fault must become an ApiError.

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

  get body(): Record<string, unknown> {
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

/** FastAPI's status for a body that does not fit the schema; `errors` lists each problem. */
export const unprocessable = (detail: string, errors: { loc: (string | number)[]; msg: string }[]) =>
  new ApiError(422, detail, { errors });

export const tooManyRequests = (retryAfterSeconds: number, detail = "Too many requests, try again later") =>
  new ApiError(429, detail, { retry_after: retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) });

/** An outside service (Supabase Auth, storage) failed or timed out: not the client's fault. */
export const serviceUnavailable = (detail: string) => new ApiError(503, detail, {}, { "Retry-After": "5" });

export const badGateway = (detail: string) => new ApiError(502, detail);

/**
 * Maps an error the database raised to an ApiError when it is the client's doing,
 * or returns undefined (a bug, answered 500). SQLSTATE PTnnn is PostgREST's
 * convention for "answer HTTP nnn", used by our triggers.
 */
export function apiErrorFromDatabase(error: unknown): ApiError | undefined {
  const code = (error as { code?: unknown })?.code;
  const message = (error as { message?: unknown })?.message;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  const postgrestStatus = /^PT(\d{3})$/.exec(code);
  if (postgrestStatus) return new ApiError(Number(postgrestStatus[1]), message);
  switch (code) {
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
