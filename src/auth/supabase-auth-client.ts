// A small, typed client for Supabase Auth's HTTP API (GoTrue), for the facade.
//
// It speaks to `<project url>/auth/v1` exactly as supabase-js does (same paths, bodies,
// `apikey` header and `X-Supabase-Api-Version: 2024-01-01`), returns Supabase's own
// response shapes, and turns failures into two error types the facade can map:
//   AuthApiError         Supabase Auth answered with an error (status + its error code);
//   AuthUnavailableError no usable answer: network failure or timeout (502/503, never a hang).
// Runtime-neutral: fetch, URL, AbortSignal only.

/** A Supabase Auth user, as GoTrue serialises it (fields it omits when empty are optional). */
export interface AuthUser {
  id: string;
  aud: string;
  role: string;
  email: string;
  phone: string;
  email_confirmed_at?: string;
  phone_confirmed_at?: string;
  confirmed_at?: string;
  last_sign_in_at?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities?: AuthIdentity[];
  created_at: string;
  updated_at: string;
  banned_until?: string;
  deleted_at?: string;
  is_anonymous: boolean;
  [field: string]: unknown;
}

export interface AuthIdentity {
  identity_id: string;
  /** The provider's id for the user (for email: the user id). */
  id: string;
  user_id: string;
  identity_data?: Record<string, unknown>;
  provider: string;
  last_sign_in_at?: string;
  created_at: string;
  updated_at: string;
  email?: string;
}

/** GoTrue's AccessTokenResponse. */
export interface AuthSession {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: AuthUser;
  /** Sign-in succeeded, but the password no longer meets the project's rules. */
  weak_password?: { message: string; reasons: string[] };
}

/** With email confirmation on, a sign-up returns the user and no session. */
export interface SignUpResult {
  session: AuthSession | null;
  user: AuthUser;
}

export type SignOutScope = "global" | "local" | "others";

export interface AdminUserAttributes {
  email?: string;
  password?: string;
  email_confirm?: boolean;
  user_metadata?: Record<string, unknown>;
  app_metadata?: Record<string, unknown>;
  id?: string;
  role?: string;
  ban_duration?: string;
  password_hash?: string;
}

export interface SupabaseAuthClientOptions {
  /** The project URL (`https://<ref>.supabase.co`, locally `http://127.0.0.1:54321`). */
  url: string | URL;
  /** The anon (or publishable) key, sent as `apikey` on every call. */
  apiKey: string;
  /** The service-role key; only the admin calls need it. Server-side only. */
  serviceRoleKey?: string;
  fetch?: typeof fetch;
  /** Per call, body included. */
  timeoutMs?: number;
}

/** About the end user a server-side call is made for. */
export interface OnBehalfOf {
  /**
   * The end user's IP address, sent as `Sb-Forwarded-For` (which Supabase Auth honours
   * when the project enables it): sessions record it and per-IP limits count that user,
   * not the server making every call.
   */
  forwardedFor?: string;
}

export interface SupabaseAuthClient {
  signUp(credentials: { email: string; password: string; data?: Record<string, unknown> }, onBehalfOf?: OnBehalfOf): Promise<SignUpResult>;
  signInWithPassword(credentials: { email: string; password: string }, onBehalfOf?: OnBehalfOf): Promise<AuthSession>;
  refreshSession(refreshToken: string, onBehalfOf?: OnBehalfOf): Promise<AuthSession>;
  getUser(accessToken: string): Promise<AuthUser>;
  signOut(accessToken: string, scope?: SignOutScope): Promise<void>;
  admin: {
    createUser(attributes: AdminUserAttributes): Promise<AuthUser>;
    deleteUser(userId: string, options?: { shouldSoftDelete?: boolean }): Promise<void>;
  };
}

/** Supabase Auth answered with an error. `code` is its error code (e.g. invalid_credentials). */
export class AuthApiError extends Error {
  override readonly name = "AuthApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For code weak_password: which rules the password broke (length, characters, pwned). */
    readonly weakPasswordReasons?: string[],
  ) {
    super(message);
  }
}

/** No usable answer from Supabase Auth: it is unreachable, too slow, or answered nonsense. */
export class AuthUnavailableError extends Error {
  override readonly name = "AuthUnavailableError";
  constructor(
    readonly kind: "timeout" | "network" | "bad_response",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// The error shape we ask for; GoTrue also answers older shapes, which we parse too.
const apiVersionHeader = "X-Supabase-Api-Version";
const apiVersion = "2024-01-01";

export function createSupabaseAuthClient(options: SupabaseAuthClientOptions): SupabaseAuthClient {
  const base = new URL("auth/v1/", new URL(options.url).href.replace(/\/?$/, "/"));
  const fetcher = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(
    method: "GET" | "POST" | "DELETE",
    path: string,
    init: { bearer?: string; apiKey?: string; body?: unknown; query?: Record<string, string>; onBehalfOf?: OnBehalfOf } = {},
  ): Promise<unknown> {
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
    const apiKey = init.apiKey ?? options.apiKey;
    const headers: Record<string, string> = {
      apikey: apiKey,
      authorization: `Bearer ${init.bearer ?? apiKey}`,
      [apiVersionHeader]: apiVersion,
      accept: "application/json",
    };
    if (init.body !== undefined) headers["content-type"] = "application/json;charset=UTF-8";
    if (init.onBehalfOf?.forwardedFor) headers["sb-forwarded-for"] = init.onBehalfOf.forwardedFor;

    let response: Response;
    let text: string;
    try {
      response = await fetcher(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw timedOut
        ? new AuthUnavailableError("timeout", `Supabase Auth did not answer ${method} ${url.pathname} within ${timeoutMs} ms`, { cause: error })
        : new AuthUnavailableError("network", `Supabase Auth could not be reached (${method} ${url.pathname})`, { cause: error });
    }

    if (!response.ok) throw authErrorFromResponse(response.status, response.headers, text);
    if (response.status === 204 || text === "") return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new AuthUnavailableError("bad_response", `Supabase Auth answered ${method} ${url.pathname} with a body that is not JSON`, { cause: error });
    }
  }

  function serviceRoleKey(): string {
    if (!options.serviceRoleKey) throw new Error("Supabase Auth admin calls need the service-role key (serviceRoleKey option)");
    return options.serviceRoleKey;
  }

  return {
    async signUp({ email, password, data }, onBehalfOf) {
      const body = await call("POST", "signup", { body: { email, password, data: data ?? {} }, onBehalfOf });
      // Autoconfirm: an AccessTokenResponse. Confirmation required: the bare user.
      if (isSession(body)) return { session: body, user: body.user };
      return { session: null, user: expectUser(body, "signup") };
    },
    async signInWithPassword({ email, password }, onBehalfOf) {
      return expectSession(
        await call("POST", "token", { query: { grant_type: "password" }, body: { email, password }, onBehalfOf }),
        "token?grant_type=password",
      );
    },
    async refreshSession(refreshToken, onBehalfOf) {
      return expectSession(
        await call("POST", "token", { query: { grant_type: "refresh_token" }, body: { refresh_token: refreshToken }, onBehalfOf }),
        "token?grant_type=refresh_token",
      );
    },
    async getUser(accessToken) {
      return expectUser(await call("GET", "user", { bearer: accessToken }), "user");
    },
    async signOut(accessToken, scope = "global") {
      await call("POST", "logout", { bearer: accessToken, query: { scope } });
    },
    admin: {
      async createUser(attributes) {
        const key = serviceRoleKey();
        return expectUser(await call("POST", "admin/users", { apiKey: key, bearer: key, body: attributes }), "admin/users");
      },
      async deleteUser(userId, deleteOptions = {}) {
        const key = serviceRoleKey();
        await call("DELETE", `admin/users/${encodeURIComponent(userId)}`, {
          apiKey: key,
          bearer: key,
          body: { should_soft_delete: deleteOptions.shouldSoftDelete ?? false },
        });
      },
    },
  };
}

/**
 * The AuthApiError for an error response. Supabase Auth has several error shapes:
 *   2024-01-01 API version: `{ code: "invalid_credentials", message }` (+ `weak_password.reasons`)
 *   initial API version:    `{ code: 400, error_code: "invalid_credentials", msg, error_id? }`
 *   OAuth-style (token endpoint): `{ error: "invalid_request", error_description }`
 *   Postgres errors surfaced by the initial version: `{ code: "23505", message, hint?, detail? }`
 *   the API gateway's own: `{ message: "Invalid API key", hint }`
 */
export function authErrorFromResponse(status: number, headers: Headers, text: string): AuthApiError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, say): status and fallback code only.
  }

  const versioned = (headers.get(apiVersionHeader) ?? "") >= apiVersion;
  const code =
    nonEmptyString(body.error_code) ??
    (versioned ? nonEmptyString(body.code) : undefined) ??
    nonEmptyString(body.error) ??
    nonEmptyString(body.code) ??
    nonEmptyString(headers.get("x-sb-error-code")) ??
    (status >= 500 ? "unexpected_failure" : "unknown");
  const message =
    nonEmptyString(body.msg) ?? nonEmptyString(body.message) ?? nonEmptyString(body.error_description) ?? nonEmptyString(body.error) ?? `Supabase Auth answered HTTP ${status}`;

  const weak = body.weak_password;
  const reasons =
    typeof weak === "object" && weak !== null && Array.isArray((weak as { reasons?: unknown }).reasons)
      ? ((weak as { reasons: unknown[] }).reasons.filter((reason) => typeof reason === "string") as string[])
      : undefined;
  // Before error codes existed, a weak password was recognisable only by its reasons.
  const finalCode = code === "unknown" && reasons?.length ? "weak_password" : code;
  return new AuthApiError(status, finalCode, message, finalCode === "weak_password" ? (reasons ?? []) : undefined);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isSession(body: unknown): body is AuthSession {
  if (typeof body !== "object" || body === null) return false;
  const candidate = body as Partial<AuthSession>;
  return typeof candidate.access_token === "string" && typeof candidate.refresh_token === "string" && typeof candidate.expires_in === "number" && isUser(candidate.user);
}

function isUser(body: unknown): body is AuthUser {
  return typeof body === "object" && body !== null && typeof (body as { id?: unknown }).id === "string";
}

function expectSession(body: unknown, endpoint: string): AuthSession {
  if (!isSession(body)) throw new AuthUnavailableError("bad_response", `Supabase Auth's ${endpoint} answer is not a session`);
  return body;
}

function expectUser(body: unknown, endpoint: string): AuthUser {
  if (!isUser(body)) throw new AuthUnavailableError("bad_response", `Supabase Auth's ${endpoint} answer is not a user`);
  return body;
}
