// The local Supabase Auth stand-in: a development tool, not Supabase Auth.
//
// `supabase start` runs GoTrue in Docker; these machines have no Docker, so `npm start`
// and the tests serve this instead, under /auth/v1 of the local API gateway. It speaks
// the part of GoTrue's HTTP API that supabase-js and our facade use, with GoTrue's
// shapes, error codes and statuses (checked against github.com/supabase/auth), and keeps
// its users where GoTrue does: auth.users, auth.identities, auth.sessions,
// auth.refresh_tokens, passwords as bcrypt through pgcrypto. Our triggers on auth.users
// therefore run exactly as in production. Local settings are those of `supabase start`:
// email sign-ups confirmed at once (mailer autoconfirm), phone and anonymous sign-ins
// off, refresh token rotation on with GoTrue's 10-second reuse interval.
//
// Where it knowingly differs from GoTrue (each also noted at its place):
//   * sign-up is one transaction, user through session, and two concurrent sign-ups of
//     one email give one user and one `user_already_exists` (GoTrue answers the loser
//     with a 500);
//   * an existing unconfirmed user is never signed in by a sign-up with its email (GoTrue
//     with autoconfirm confirms it and returns a session without checking the password);
//   * emails are trimmed as well as lower-cased;
//   * refresh tokens are GoTrue's 12-character legacy kind, not its newer v2 tokens;
//   * no email, phone, OAuth, SSO, MFA, PKCE, magic links, hooks or rate limits.
import type { JWK } from "jose";
import type { Sql, Transaction } from "../../db/client.ts";
import {
  badRequest,
  errorResponse,
  forbidden,
  GoTrueHttpError,
  internalError,
  jsonResponse,
  notFound,
  OAuthError,
  requestApiVersion,
  unprocessable,
  WeakPasswordError,
} from "./errors.ts";
import type { ProjectApiKeys, SigningJwk } from "./keys.ts";
import {
  activeRefreshToken,
  banUser,
  confirmEmail,
  deleteRefreshToken,
  deleteSessions,
  deleteUser,
  findRefreshToken,
  findSession,
  findUserById,
  findUserIdByEmail,
  insertEmailIdentity,
  insertUser,
  lockSession,
  mergeAppMetadata,
  passwordMatches,
  refreshTokenPattern,
  revokeSessionTokens,
  rotateRefreshToken,
  softDeleteUser,
  startSession,
  touchSession,
  type ClientInfo,
  type SessionRow,
  type StoredUser,
} from "./store.ts";
import { createTokenService, type BearerClaims, type TokenService } from "./tokens.ts";
import {
  booleanField,
  byteLength,
  checkPasswordStrength,
  maxPasswordBytes,
  normalizeEmail,
  objectField,
  parseGoDuration,
  readJsonObject,
  stringField,
} from "./validation.ts";

export interface AuthStandInOptions {
  /** A superuser postgres.js connection (GoTrue has its own privileged role); plain, no transforms. */
  sql: Sql;
  /** The `iss` of access tokens: the gateway URL + /auth/v1, e.g. http://127.0.0.1:54321/auth/v1. */
  issuer: string;
  /** The ES256 private JWK (with kid) that signs access tokens. */
  signingKey: SigningJwk;
  /** The legacy HS256 secret: the API keys are signed with it, and HS256 bearer tokens checked against it. */
  legacyJwtSecret: string;
  /** The keys accepted as `apikey`, as the API gateway of a hosted project accepts them. */
  apiKeys: ProjectApiKeys;
  /** Access token lifetime. */
  jwtExpirySeconds?: number;
  /** GoTrue raises anything below 6 to 6. */
  minimumPasswordLength?: number;
  /** bcrypt cost for new passwords (GoTrue: 10; tests may pass 4, the minimum). */
  bcryptCost?: number;
  /** How long a rotated refresh token may still be used (GoTrue's default: 10 s). */
  refreshTokenReuseIntervalSeconds?: number;
  /** Refuse requests without a valid `apikey`, as hosted Supabase's gateway does (default true). */
  requireApiKey?: boolean;
  /** Where failures worth a developer's attention go (database errors behind a 500). */
  log?: (message: string, error?: unknown) => void;
}

export interface AuthStandIn {
  /** Answers a request whose path starts with /auth/v1/. `clientAddress` feeds auth.sessions.ip. */
  handle(request: Request, context?: { clientAddress?: string }): Promise<Response>;
  /** The public keys it serves at /.well-known/jwks.json. */
  readonly jwks: { keys: JWK[] };
}

const pathPrefix = "/auth/v1";
const defaultAudience = "authenticated";
const defaultRole = "authenticated";
const adminRoles = ["service_role", "supabase_admin"];
const nilUuid = "00000000-0000-0000-0000-000000000000";
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const maxBodyBytes = 1 << 20;
const bearerPattern = /^bearer (\S+)$/i;
const bcryptHashPattern = /^\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** A caller whose JWT names a user that exists (and the session, when the JWT names one). */
interface Authenticated {
  claims: BearerClaims;
  user: StoredUser;
  session?: SessionRow;
}

export async function createAuthStandIn(options: AuthStandInOptions): Promise<AuthStandIn> {
  const sql = options.sql;
  const minimumPasswordLength = Math.max(options.minimumPasswordLength ?? 6, 6);
  const bcryptCost = options.bcryptCost ?? 10;
  if (!Number.isInteger(bcryptCost) || bcryptCost < 4 || bcryptCost > 31) throw new Error(`bcryptCost must be an integer from 4 to 31, not ${bcryptCost}`);
  const reuseIntervalSeconds = options.refreshTokenReuseIntervalSeconds ?? 10;
  const requireApiKey = options.requireApiKey ?? true;
  const log = options.log ?? ((message, error) => console.error(`[auth stand-in] ${message}`, error ?? ""));
  const tokens: TokenService = await createTokenService({
    issuer: options.issuer,
    signingKey: options.signingKey,
    legacyJwtSecret: options.legacyJwtSecret,
    expirySeconds: options.jwtExpirySeconds ?? 1800,
  });
  const acceptedApiKeys = new Set([options.apiKeys.anonKey, options.apiKeys.serviceRoleKey]);

  // ---- responses ------------------------------------------------------------------

  async function sessionResponse(tx: Transaction, userId: string, session: SessionRow, refreshToken: string, extra: Record<string, unknown> = {}) {
    const user = await mustFindUser(tx, userId);
    const { accessToken, expiresAt } = await tokens.issueAccessToken(user.json, session);
    return {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: expiresAt - Math.floor(Date.now() / 1000),
      expires_at: expiresAt,
      refresh_token: refreshToken,
      user: user.json,
      ...extra,
    };
  }

  async function mustFindUser(tx: Transaction, userId: string): Promise<StoredUser> {
    const user = await findUserById(tx, userId);
    if (!user) throw internalError("Database error loading user");
    return user;
  }

  // ---- authentication of the caller (internal/api/auth.go) ------------------------

  async function verifiedBearer(request: Request): Promise<BearerClaims> {
    const token = bearerPattern.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!token) throw new GoTrueHttpError(401, "no_authorization", "This endpoint requires a valid Bearer token");
    return tokens.verifyBearer(token);
  }

  async function loadUserAndSession(claims: BearerClaims): Promise<Authenticated> {
    if (typeof claims.sub !== "string" || claims.sub === "") throw forbidden("bad_jwt", "invalid claim: missing sub claim");
    if (!uuidPattern.test(claims.sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
    const sub = claims.sub;
    return sql.begin(async (tx) => {
      const user = await findUserById(tx, sub);
      if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
      const sessionId = claims.session_id;
      if (typeof sessionId !== "string" || sessionId === "" || sessionId === nilUuid) return { claims, user };
      if (!uuidPattern.test(sessionId)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
      const session = await findSession(tx, sessionId);
      if (!session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
      return { claims, user, session };
    }) as Promise<Authenticated>;
  }

  async function requireAuthentication(request: Request): Promise<Authenticated> {
    const loaded = await loadUserAndSession(await verifiedBearer(request));
    // Tokens issued before a ban must stop working.
    if (loaded.user.banned) throw forbidden("user_banned", "User is banned");
    return loaded;
  }

  async function requireAdmin(request: Request): Promise<void> {
    const claims = await verifiedBearer(request);
    // A user's JWT must still have a live session; the service_role key has none.
    if (typeof claims.session_id === "string" && claims.session_id !== "" && claims.session_id !== nilUuid) {
      const loaded = await loadUserAndSession(claims);
      if (loaded.session?.expired) throw forbidden("session_expired", "Session is no longer valid");
    }
    if (typeof claims.role !== "string" || !adminRoles.includes(claims.role)) throw forbidden("not_admin", "User not allowed");
  }

  // ---- database failures ----------------------------------------------------------

  /** Runs one step of a write; a database error becomes GoTrue's 500 with `message`. */
  async function step<T>(message: string, run: () => Promise<T>, onDuplicateEmail?: () => GoTrueHttpError): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isGoTrueError(error)) throw error;
      // The unique index is the real guard against two sign-ups of one email at once.
      if (onDuplicateEmail && isUniqueViolation(error, "users_email_partial_key")) throw onDuplicateEmail();
      throw internalError(message, error);
    }
  }

  // ---- handlers -------------------------------------------------------------------

  async function signUp(request: Request, client: ClientInfo): Promise<Response> {
    const body = await readJsonObject(request, maxBodyBytes);
    const email = stringField(body, "email");
    const phone = stringField(body, "phone");
    const password = stringField(body, "password");
    const data = objectField(body, "data") ?? {};
    if (email === "" && phone === "") throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
    if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
    checkPasswordStrength(password, minimumPasswordLength);
    if (email !== "" && phone !== "") throw badRequest("validation_failed", "Only an email address or phone number should be provided on signup.");
    if (phone !== "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
    const normalizedEmail = normalizeEmail(email);
    const alreadyRegistered = () => unprocessable("user_already_exists", "User already registered");

    const session = await sql.begin(async (tx) => {
      if (await findUserIdByEmail(tx, normalizedEmail, defaultAudience)) throw alreadyRegistered();
      const userId = crypto.randomUUID();
      await step(
        "Database error saving new user",
        () =>
          insertUser(tx, {
            id: userId,
            aud: defaultAudience,
            role: defaultRole,
            email: normalizedEmail,
            password: { plain: password, bcryptCost },
            appMetadata: { provider: "email", providers: ["email"] },
            userMetadata: data,
          }),
        alreadyRegistered,
      );
      // GoTrue's identity_data: the provider claims, then sign-up data it does not already hold.
      const identityData: Record<string, unknown> = { sub: userId, email: normalizedEmail, email_verified: false, phone_verified: false };
      for (const [key, value] of Object.entries(data)) if (!(key in identityData)) identityData[key] = value;
      await step("Error creating identity", () => insertEmailIdentity(tx, userId, identityData));
      await step("Database error updating user", () => confirmEmail(tx, userId));
      const started = await step("Database error granting user", () => startSession(tx, userId, client));
      const sessionRow = await mustFindSession(tx, started.sessionId);
      return sessionResponse(tx, userId, sessionRow, started.refreshToken);
    });
    return jsonResponse(200, session);
  }

  async function mustFindSession(tx: Transaction, sessionId: string): Promise<SessionRow> {
    const session = await findSession(tx, sessionId);
    if (!session) throw internalError("Database error creating new session");
    return session;
  }

  async function passwordGrant(request: Request, client: ClientInfo): Promise<Response> {
    const body = await readJsonObject(request, maxBodyBytes);
    const email = stringField(body, "email");
    const phone = stringField(body, "phone");
    const password = stringField(body, "password");
    if (email !== "" && phone !== "") throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
    if (email === "" && phone !== "") throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
    if (email === "") throw badRequest("validation_failed", "missing email or phone");
    const invalidLogin = () => badRequest("invalid_credentials", "Invalid login credentials");

    const session = await sql.begin(async (tx) => {
      const userId = await findUserIdByEmail(tx, email.trim(), defaultAudience);
      if (!userId) throw invalidLogin();
      const user = await mustFindUser(tx, userId);
      if (!user.hasPasswordHash) throw invalidLogin();
      if (user.banned) throw badRequest("user_banned", "User is banned");
      // pgcrypto's bcrypt ignores bytes past 72: such a password was never set, so it never matches.
      const checkable = byteLength(password) <= maxPasswordBytes && !password.includes("\u0000");
      if (!checkable || !(await passwordMatches(tx, userId, password))) throw invalidLogin();
      if (!user.emailConfirmed) throw badRequest("email_not_confirmed", "Email not confirmed");
      const weakPassword = weakness(password);
      const started = await step("Database error granting user", () => startSession(tx, userId, client));
      const sessionRow = await mustFindSession(tx, started.sessionId);
      return sessionResponse(tx, userId, sessionRow, started.refreshToken, weakPassword ? { weak_password: weakPassword } : {});
    });
    return jsonResponse(200, session);
  }

  /** Sign-in still succeeds with a password the rules no longer allow; GoTrue says so. */
  function weakness(password: string): { message: string; reasons: string[] } | undefined {
    try {
      checkPasswordStrength(password, minimumPasswordLength);
      return undefined;
    } catch (error) {
      return error instanceof WeakPasswordError ? { message: error.message, reasons: error.reasons } : undefined;
    }
  }

  async function refreshTokenGrant(request: Request, client: ClientInfo): Promise<Response> {
    const body = await readJsonObject(request, maxBodyBytes);
    const presented = stringField(body, "refresh_token");
    // Only GoTrue's 12-character legacy tokens are issued here; anything else cannot be ours.
    if (!refreshTokenPattern.test(presented)) throw badRequest("validation_failed", "Refresh token is not valid");
    const notFoundError = () => badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");

    // Some refusals must still commit (revocations), so the transaction returns them.
    const outcome = await sql.begin(async (tx) => {
      const first = await findRefreshToken(tx, presented);
      if (!first) throw notFoundError();
      if (!first.session_id) {
        await deleteRefreshToken(tx, first.id);
        return { refused: badRequest("session_not_found", "Invalid Refresh Token: No Valid Session Found") };
      }
      // The session lock serialises refreshes of one session; re-read the token under it.
      const session = await lockSession(tx, first.session_id);
      const token = session ? await findRefreshToken(tx, presented) : undefined;
      if (!session || !token) throw notFoundError();
      const user = await findUserById(tx, token.user_id);
      if (!user) throw notFoundError();
      if (user.banned) throw badRequest("user_banned", "Invalid Refresh Token: User Banned");
      if (session.expired) throw badRequest("session_expired", "Invalid Refresh Token: Session Expired");

      let issued: string | undefined;
      if (token.revoked) {
        const active = await activeRefreshToken(tx, session.id);
        if (active && active.parent === token.token) {
          // The client lost the answer to its last refresh: hand it the current token again.
          issued = active.token;
        } else if (token.seconds_since_update > reuseIntervalSeconds) {
          // Reuse of an old token: treat as theft and end every token of the session.
          await revokeSessionTokens(tx, session.id);
          return { refused: badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used") };
        }
      }
      issued ??= await step("Database error granting user", () => rotateRefreshToken(tx, token, session.id));
      await touchSession(tx, session.id, client);
      return { response: await sessionResponse(tx, user.json.id, session, issued) };
    });
    if ("refused" in outcome) throw outcome.refused;
    return jsonResponse(200, outcome.response);
  }

  async function getUser(request: Request): Promise<Response> {
    const { claims, user } = await requireAuthentication(request);
    const role = typeof claims.role === "string" ? claims.role : "";
    const expectedAudience = request.headers.get("x-jwt-aud") || (adminRoles.includes(role) ? defaultAudience : undefined);
    const tokenAudience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    if (typeof tokenAudience !== "string" || (expectedAudience ?? tokenAudience) !== tokenAudience) {
      throw badRequest("validation_failed", "Token audience doesn't match request audience");
    }
    return jsonResponse(200, user.json);
  }

  async function logout(request: Request): Promise<Response> {
    const { user, session } = await requireAuthentication(request);
    const requested = new URL(request.url).searchParams.get("scope") ?? "";
    const scope = requested === "" ? "global" : requested;
    if (scope !== "global" && scope !== "local" && scope !== "others") throw badRequest("validation_failed", `Unsupported logout scope "${requested}"`);
    await sql.begin((tx) => step("Error logging out user", () => deleteSessions(tx, user.json.id, session ? scope : "global", session?.id)));
    return new Response(null, { status: 204 });
  }

  async function adminCreateUser(request: Request): Promise<Response> {
    await requireAdmin(request);
    const body = await readJsonObject(request, maxBodyBytes);
    const aud = stringField(body, "aud") || defaultAudience;
    const email = stringField(body, "email");
    const phone = stringField(body, "phone");
    if (email === "" && phone === "") throw badRequest("validation_failed", "Cannot create a user without either an email or phone");
    if (phone !== "") throw badRequest("validation_failed", "Phone users are not supported by the local auth stand-in");
    const normalizedEmail = normalizeEmail(email);
    const passwordGiven = body.password !== undefined && body.password !== null;
    const plainPassword = stringField(body, "password");
    const passwordHash = stringField(body, "password_hash");
    if (passwordGiven && passwordHash !== "") throw badRequest("validation_failed", "Only a password or a password hash should be provided");
    if (passwordHash !== "" && !bcryptHashPattern.test(passwordHash)) throw internalError("Error creating user");
    if (byteLength(plainPassword) > maxPasswordBytes) throw badRequest("validation_failed", "bcrypt: password length exceeds 72 bytes");
    if (plainPassword.includes("\u0000")) throw badRequest("validation_failed", "Password contains a character that is not allowed");
    // No password at all: GoTrue sets a random one, so the account exists but cannot sign in with one.
    const password = passwordHash !== "" ? { bcryptHash: passwordHash } : { plain: plainPassword || randomPassword(), bcryptCost };
    const customId = stringField(body, "id");
    if (customId !== "" && !uuidPattern.test(customId)) throw badRequest("validation_failed", "ID must conform to the uuid v4 format");
    if (customId === nilUuid) throw badRequest("validation_failed", "ID cannot be a nil uuid");
    const role = stringField(body, "role") || defaultRole;
    const userMetadata = objectField(body, "user_metadata") ?? {};
    const appMetadata = objectField(body, "app_metadata");
    const emailConfirm = booleanField(body, "email_confirm");
    const banDuration = stringField(body, "ban_duration");
    let banMs: number | undefined;
    if (banDuration !== "") {
      banMs = banDuration === "none" ? 0 : parseGoDuration(banDuration);
      if (banMs === undefined) throw badRequest("validation_failed", `invalid format for ban duration: time: invalid duration "${banDuration}"`);
    }
    const emailTaken = () => unprocessable("email_exists", "A user with this email address has already been registered");
    const userId = customId || crypto.randomUUID();

    const user = await sql.begin(async (tx) => {
      if (await findUserIdByEmail(tx, normalizedEmail, aud)) throw emailTaken();
      const failed = "Database error creating new user";
      await step(
        failed,
        () => insertUser(tx, { id: userId, aud, role, email: normalizedEmail, password, appMetadata: { provider: "email", providers: ["email"] }, userMetadata }),
        emailTaken,
      );
      await step(failed, () => insertEmailIdentity(tx, userId, { sub: userId, email: normalizedEmail, email_verified: false, phone_verified: false }));
      if (appMetadata) await step(failed, () => mergeAppMetadata(tx, userId, appMetadata));
      // As GoTrue: no reload after the insert, so this writes the sent metadata back over
      // whatever the insert triggers changed in it.
      if (emailConfirm) await step(failed, () => confirmEmail(tx, userId, userMetadata));
      if (banMs !== undefined) await step(failed, () => banUser(tx, userId, banMs));
      return mustFindUser(tx, userId);
    });
    return jsonResponse(200, user.json);
  }

  async function adminUser(request: Request, rawUserId: string): Promise<Response> {
    await requireAdmin(request);
    if (!uuidPattern.test(rawUserId)) throw notFound("validation_failed", "user_id must be an UUID");
    const body = request.method === "DELETE" ? await readOptionalJsonObject(request) : {};
    const softDelete = booleanField(body, "should_soft_delete");
    return sql.begin(async (tx) => {
      const user = await findUserById(tx, rawUserId);
      if (!user) throw notFound("user_not_found", "User not found");
      if (request.method === "GET") return jsonResponse(200, user.json);
      if (softDelete) await step("Error soft deleting user", () => softDeleteUser(tx, rawUserId));
      else await step("Database error deleting user", () => deleteUser(tx, rawUserId));
      return jsonResponse(200, {});
    }) as Promise<Response>;
  }

  async function readOptionalJsonObject(request: Request): Promise<Record<string, unknown>> {
    const text = await request.clone().text();
    return text.trim() === "" ? {} : readJsonObject(request, maxBodyBytes);
  }

  // ---- routing --------------------------------------------------------------------

  type Handler = (request: Request, client: ClientInfo) => Promise<Response>;
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    "/health": {
      GET: async () => jsonResponse(200, { version: "local-stand-in", name: "GoTrue", description: "GoTrue is a user registration and authentication API" }),
    },
    "/settings": { GET: async () => jsonResponse(200, settings) },
    "/.well-known/jwks.json": {
      GET: async () => jsonResponse(200, tokens.jwks, { "cache-control": "public, max-age=600" }),
    },
    "/signup": { POST: signUp },
    "/token": {
      POST: async (request, client) => {
        const grantType = new URL(request.url).searchParams.get("grant_type");
        if (grantType === "password") return passwordGrant(request, client);
        if (grantType === "refresh_token") return refreshTokenGrant(request, client);
        // GoTrue also knows id_token, pkce and web3; the stand-in does not.
        throw badRequest("invalid_credentials", "unsupported_grant_type");
      },
    },
    "/user": { GET: getUser },
    "/logout": { POST: logout },
    "/admin/users": { POST: adminCreateUser },
  };
  // Public without an API key, as on a hosted project: verifiers fetch the JWKS anonymously.
  const openPaths = new Set(["/.well-known/jwks.json"]);

  async function handle(request: Request, context: { clientAddress?: string } = {}): Promise<Response> {
    const version = requestApiVersion(request);
    try {
      const url = new URL(request.url);
      if (url.pathname !== pathPrefix && !url.pathname.startsWith(`${pathPrefix}/`)) return pageNotFound();
      const path = url.pathname.slice(pathPrefix.length).replace(/\/+$/, "") || "/";
      if (requireApiKey && !openPaths.has(path)) {
        const refusal = apiKeyRefusal(request, url);
        if (refusal) return refusal;
      }
      const client = clientInfo(request, context.clientAddress);
      const adminUserPath = /^\/admin\/users\/([^/]+)$/.exec(path);
      if (adminUserPath) {
        if (request.method !== "GET" && request.method !== "DELETE") return methodNotAllowed();
        return await adminUser(request, decodeURIComponent(adminUserPath[1] as string));
      }
      const methods = routes[path];
      if (!methods) return pageNotFound();
      const handler = methods[request.method];
      if (!handler) return methodNotAllowed();
      return await handler(request, client);
    } catch (error) {
      if (!isGoTrueError(error)) log("unexpected failure", error);
      else if (error instanceof GoTrueHttpError && error.status >= 500) log(error.message, error.databaseError);
      return errorResponse(error, version);
    }
  }

  /** What the API gateway of a hosted project answers without a valid `apikey`. */
  function apiKeyRefusal(request: Request, url: URL): Response | undefined {
    const key = request.headers.get("apikey") ?? url.searchParams.get("apikey");
    if (!key) return jsonResponse(401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
    if (!acceptedApiKeys.has(key)) return jsonResponse(401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
    return undefined;
  }

  return { handle, jwks: tokens.jwks };
}

// GET /settings of a `supabase start` project with email sign-ups confirmed at once.
const settings = {
  external: Object.fromEntries(
    [
      "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab",
      "google", "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos",
      "twitch", "twitter", "email", "phone", "zoom",
    ].map((provider) => [provider, provider === "email"]),
  ),
  disable_signup: false,
  mailer_autoconfirm: true,
  phone_autoconfirm: false,
  sms_provider: "",
  saml_enabled: false,
  saml_private_key_next_configured: false,
  passkeys_enabled: false,
};

function isGoTrueError(error: unknown): boolean {
  return error instanceof GoTrueHttpError || error instanceof WeakPasswordError || error instanceof OAuthError;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const fields = error as { code?: unknown; constraint_name?: unknown } | null;
  return typeof fields === "object" && fields !== null && fields.code === "23505" && fields.constraint_name === constraint;
}

/** User agent and address for auth.sessions: Sb-Forwarded-For (GoTrue honours it when enabled), X-Forwarded-For, the peer. */
function clientInfo(request: Request, clientAddress: string | undefined): ClientInfo {
  const leftmost = (header: string) => request.headers.get(header)?.split(",")[0]?.trim();
  const ip = [leftmost("sb-forwarded-for"), leftmost("x-forwarded-for"), clientAddress].find((candidate) => candidate && isIpAddress(candidate));
  return { userAgent: request.headers.get("user-agent") || undefined, ip };
}

// Only well-formed addresses reach the inet column: a bad header must not fail a sign-in.
function isIpAddress(value: string): boolean {
  const octets = value.split(".");
  if (octets.length === 4) return octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
  return /^[0-9a-f:]+$/i.test(value) && value.includes(":") && value.length <= 39;
}

function randomPassword(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(64)), (byte) => alphabet[byte % alphabet.length]).join("");
}

// chi's answers for unknown paths and methods.
const pageNotFound = () => new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
const methodNotAllowed = () => new Response(null, { status: 405 });
