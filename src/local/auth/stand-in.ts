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
// This file is the router; each endpoint group has its module in endpoints/, the
// caller's authentication is caller.ts, the settings settings.ts.
//
// Where it knowingly differs from GoTrue (each also noted at its place):
//   * sign-up is one transaction, user through session, and two concurrent sign-ups of
//     one email give one user and one `user_already_exists` (GoTrue answers the loser
//     with a 500);
//   * an existing unconfirmed user is never signed in by a sign-up with its email (GoTrue
//     with autoconfirm confirms it and returns a session without checking the password);
//   * emails are trimmed as well as lower-cased;
//   * refresh tokens are GoTrue's 12-character legacy kind, not its newer v2 tokens;
//   * PUT /user and the admin API's PUT serialise updates of one user and answer the
//     user as stored (GoTrue merges into the copy it loaded and answers that copy);
//   * the admin API's change to a taken email is email_exists (GoTrue: its unique
//     index's 500);
//   * no email, phone, OAuth, SSO, MFA, PKCE, magic links, hooks or rate limits: GoTrue's
//     routes for those answer GoTrue's error JSON saying so (endpoints/not-implemented.ts),
//     and an email change, which needs a confirmation email, stays pending.
import type { JWK } from "jose";
import type { Sql } from "../../db/client.ts";
import { apiKeyRefusal, clientInfo } from "./caller.ts";
import type { StandInContext } from "./context.ts";
import { adminCreateUser, adminDeleteUser, adminGetUser, adminUpdateUser } from "./endpoints/admin.ts";
import { logout } from "./endpoints/logout.ts";
import { findMissingRoute, notImplemented } from "./endpoints/not-implemented.ts";
import { health, jwks, settings } from "./endpoints/public-info.ts";
import { signUp } from "./endpoints/signup.ts";
import { token } from "./endpoints/token.ts";
import { getUser, updateUser } from "./endpoints/user.ts";
import { errorResponse, GoTrueHttpError, isGoTrueError, requestApiVersion } from "./errors.ts";
import type { ProjectApiKeys, SigningJwk } from "./keys.ts";
import { findRoute, methodNotAllowed, pageNotFound, type Route } from "./router.ts";
import { resolveSettings, type AuthStandInSettingsInput } from "./settings.ts";
import { createTokenService } from "./tokens.ts";

export interface AuthStandInOptions extends AuthStandInSettingsInput {
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

export async function createAuthStandIn(options: AuthStandInOptions): Promise<AuthStandIn> {
  const ctx: StandInContext = {
    sql: options.sql,
    settings: resolveSettings(options),
    tokens: await createTokenService({
      issuer: options.issuer,
      signingKey: options.signingKey,
      legacyJwtSecret: options.legacyJwtSecret,
      expirySeconds: options.jwtExpirySeconds ?? 1800,
    }),
    log: options.log ?? ((message, error) => console.error(`[auth stand-in] ${message}`, error ?? "")),
  };
  const acceptedApiKeys = new Set([options.apiKeys.anonKey, options.apiKeys.serviceRoleKey]);

  const routes: Route[] = [
    { method: "GET", path: "/health", endpoint: () => health() },
    { method: "GET", path: "/settings", endpoint: () => settings() },
    // Public, as on a hosted project: verifiers fetch the JWKS anonymously.
    { method: "GET", path: "/.well-known/jwks.json", endpoint: () => jwks(ctx), open: true },
    { method: "POST", path: "/signup", endpoint: (request, { client }) => signUp(ctx, request, client) },
    { method: "POST", path: "/token", endpoint: (request, { client }) => token(ctx, request, client) },
    { method: "GET", path: "/user", endpoint: (request) => getUser(ctx, request) },
    { method: "PUT", path: "/user", endpoint: (request) => updateUser(ctx, request) },
    { method: "POST", path: "/logout", endpoint: (request) => logout(ctx, request) },
    { method: "POST", path: "/admin/users", endpoint: (request) => adminCreateUser(ctx, request) },
    { method: "GET", path: "/admin/users/:user_id", endpoint: (request, { params }) => adminGetUser(ctx, request, params.user_id as string) },
    { method: "PUT", path: "/admin/users/:user_id", endpoint: (request, { params }) => adminUpdateUser(ctx, request, params.user_id as string) },
    { method: "DELETE", path: "/admin/users/:user_id", endpoint: (request, { params }) => adminDeleteUser(ctx, request, params.user_id as string) },
  ];

  async function handle(request: Request, context: { clientAddress?: string } = {}): Promise<Response> {
    const version = requestApiVersion(request);
    try {
      const url = new URL(request.url);
      if (url.pathname !== pathPrefix && !url.pathname.startsWith(`${pathPrefix}/`)) return pageNotFound();
      const path = url.pathname.slice(pathPrefix.length).replace(/\/+$/, "") || "/";
      const found = findRoute(routes, request.method, path);
      const missing = found.kind === "found" ? undefined : findMissingRoute(request.method, path);
      const open = found.kind === "found" ? found.route.open : missing?.open;
      if (ctx.settings.requireApiKey && !open) {
        const refusal = apiKeyRefusal(request, acceptedApiKeys);
        if (refusal) return refusal;
      }
      if (found.kind === "found") return await found.route.endpoint(request, { client: clientInfo(request, context.clientAddress), params: found.params });
      if (missing) throw notImplemented(missing.feature);
      return found.kind === "wrong method" ? methodNotAllowed() : pageNotFound();
    } catch (error) {
      if (!isGoTrueError(error)) ctx.log("unexpected failure", error);
      else if (error instanceof GoTrueHttpError && error.status >= 500) ctx.log(error.message, error.databaseError);
      return errorResponse(error, version);
    }
  }

  return { handle, jwks: ctx.tokens.jwks };
}
