// Who is calling: the API key the gateway checks, the bearer token GoTrue checks
// (internal/api/auth.go), and the client's user agent and address.
import { readBearerToken } from "../../auth/bearer.ts";
import { isIpAddress } from "../../core/ip-address.ts";
import { UUID_PATTERN } from "../../core/validation.ts";
import { badRequest, forbidden, GoTrueHttpError, jsonResponse } from "./errors.ts";
import type { StandInContext } from "./context.ts";
import { findSession, findUserById, type ClientInfo, type SessionRow, type StoredUser } from "./store.ts";
import type { BearerClaims } from "./tokens.ts";
import { nilUuid } from "./validation.ts";

/** A caller whose JWT names a user that exists (and the session, when the JWT names one). */
export interface AuthenticatedCaller {
  claims: BearerClaims;
  user: StoredUser;
  session?: SessionRow;
}

/** What the API gateway of a hosted project answers without a valid `apikey`, or undefined to let the request in. */
export function apiKeyRefusal(request: Request, acceptedKeys: ReadonlySet<string>): Response | undefined {
  const key = request.headers.get("apikey") ?? new URL(request.url).searchParams.get("apikey");
  if (!key) return jsonResponse(401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
  if (!acceptedKeys.has(key)) return jsonResponse(401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
  return undefined;
}

/** GoTrue's requireAuthentication: a valid JWT of a user who exists, is not banned and still has the session. */
export async function authenticatedCaller(ctx: StandInContext, request: Request): Promise<AuthenticatedCaller> {
  const loaded = await loadUserAndSession(ctx, await verifiedBearer(ctx, request));
  // Tokens issued before a ban must stop working.
  if (loaded.user.banned) throw forbidden("user_banned", "User is banned");
  return loaded;
}

/** GoTrue's requireAdminCredentials: a JWT whose role is an admin role (the service_role key, typically). */
export async function requireAdmin(ctx: StandInContext, request: Request): Promise<void> {
  const claims = await verifiedBearer(ctx, request);
  // A user's JWT must still have a live session; the service_role key has none.
  if (namesSession(claims)) {
    const loaded = await loadUserAndSession(ctx, claims);
    if (loaded.session?.expired) throw forbidden("session_expired", "Session is no longer valid");
  }
  if (typeof claims.role !== "string" || !ctx.settings.adminRoles.includes(claims.role)) throw forbidden("not_admin", "User not allowed");
}

/** GoTrue's requestAud: the X-JWT-AUD header, else the token's audience (not for admin roles), else the default. */
export function requestAudience(ctx: StandInContext, request: Request, claims: BearerClaims): string {
  const header = request.headers.get("x-jwt-aud");
  if (header) return header;
  if (!(typeof claims.role === "string" && ctx.settings.adminRoles.includes(claims.role))) {
    const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    if (typeof audience === "string" && audience !== "") return audience;
  }
  return ctx.settings.audience;
}

/** User agent and address for auth.sessions: Sb-Forwarded-For (GoTrue honours it when enabled), X-Forwarded-For, the peer. */
export function clientInfo(request: Request, clientAddress: string | undefined): ClientInfo {
  const leftmost = (header: string) => request.headers.get(header)?.split(",")[0]?.trim();
  const ip = [leftmost("sb-forwarded-for"), leftmost("x-forwarded-for"), clientAddress].find((candidate) => candidate && isIpAddress(candidate));
  return { userAgent: request.headers.get("user-agent") || undefined, ip };
}

async function verifiedBearer(ctx: StandInContext, request: Request): Promise<BearerClaims> {
  const token = readBearerToken(request.headers.get("authorization"));
  if (!token) throw new GoTrueHttpError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  return ctx.tokens.verifyBearer(token);
}

function namesSession(claims: BearerClaims): boolean {
  return typeof claims.session_id === "string" && claims.session_id !== "" && claims.session_id !== nilUuid;
}

async function loadUserAndSession(ctx: StandInContext, claims: BearerClaims): Promise<AuthenticatedCaller> {
  if (typeof claims.sub !== "string" || claims.sub === "") throw forbidden("bad_jwt", "invalid claim: missing sub claim");
  if (!UUID_PATTERN.test(claims.sub)) throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
  const sub = claims.sub;
  return ctx.sql.begin(async (tx) => {
    const user = await findUserById(tx, sub);
    if (!user) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
    if (!namesSession(claims)) return { claims, user };
    const sessionId = claims.session_id as string;
    if (!UUID_PATTERN.test(sessionId)) throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
    const session = await findSession(tx, sessionId);
    if (!session) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
    return { claims, user, session };
  }) as Promise<AuthenticatedCaller>;
}
