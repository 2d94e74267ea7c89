// POST /token (internal/api/token.go, internal/tokens/service.go): the password grant
// and the refresh-token grant, with refresh token rotation and GoTrue's reuse interval.
import { databaseStep, mustFindUser, type StandInContext } from "../context.ts";
import { badRequest, jsonResponse, unprocessable, WeakPasswordError } from "../errors.ts";
import { grantSession, sessionResponse } from "../session-response.ts";
import { missingFeatures, notImplemented } from "./not-implemented.ts";
import {
  activeRefreshToken,
  deleteRefreshToken,
  findRefreshToken,
  findUserById,
  findUserIdByEmail,
  lockSession,
  passwordMatches,
  refreshTokenPattern,
  revokeSessionTokens,
  rotateRefreshToken,
  touchSession,
  type ClientInfo,
} from "../store.ts";
import { byteLength, checkPasswordStrength, maxPasswordBytes, readJsonObject, stringField } from "../validation.ts";

export async function token(ctx: StandInContext, request: Request, client: ClientInfo): Promise<Response> {
  const grantType = new URL(request.url).searchParams.get("grant_type");
  if (grantType === "password") return passwordGrant(ctx, request, client);
  if (grantType === "refresh_token") return refreshTokenGrant(ctx, request, client);
  if (grantType === "pkce") throw notImplemented(missingFeatures.pkce);
  if (grantType === "id_token") throw notImplemented(missingFeatures.idToken);
  if (grantType === "web3") throw notImplemented(missingFeatures.web3);
  throw badRequest("invalid_credentials", "unsupported_grant_type");
}

async function passwordGrant(ctx: StandInContext, request: Request, client: ClientInfo): Promise<Response> {
  const body = await readJsonObject(request);
  const email = stringField(body, "email");
  const phone = stringField(body, "phone");
  const password = stringField(body, "password");
  if (email !== "" && phone !== "") throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
  if (email === "" && phone !== "") throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
  if (email === "") throw badRequest("validation_failed", "missing email or phone");
  const invalidLogin = () => badRequest("invalid_credentials", "Invalid login credentials");

  const session = await ctx.sql.begin(async (tx) => {
    const userId = await findUserIdByEmail(tx, email.trim(), ctx.settings.audience);
    if (!userId) throw invalidLogin();
    const user = await mustFindUser(tx, userId);
    if (!user.hasPasswordHash) throw invalidLogin();
    if (user.banned) throw badRequest("user_banned", "User is banned");
    // pgcrypto's bcrypt ignores bytes past 72: such a password was never set, so it never matches.
    const checkable = byteLength(password) <= maxPasswordBytes && !password.includes("\u0000");
    if (!checkable || !(await passwordMatches(tx, userId, password))) throw invalidLogin();
    if (!user.emailConfirmed) throw badRequest("email_not_confirmed", "Email not confirmed");
    const weakPassword = weakness(password, ctx.settings.minimumPasswordLength);
    return grantSession(ctx, tx, userId, client, weakPassword ? { weak_password: weakPassword } : {});
  });
  return jsonResponse(200, session);
}

/** Sign-in still succeeds with a password the rules no longer allow; GoTrue says so. */
function weakness(password: string, minimumLength: number): { message: string; reasons: string[] } | undefined {
  try {
    checkPasswordStrength(password, minimumLength);
    return undefined;
  } catch (error) {
    return error instanceof WeakPasswordError ? { message: error.message, reasons: error.reasons } : undefined;
  }
}

async function refreshTokenGrant(ctx: StandInContext, request: Request, client: ClientInfo): Promise<Response> {
  const body = await readJsonObject(request);
  const presented = stringField(body, "refresh_token");
  // Only GoTrue's 12-character legacy tokens are issued here; anything else cannot be ours.
  if (!refreshTokenPattern.test(presented)) throw badRequest("validation_failed", "Refresh token is not valid");
  const notFoundError = () => badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");

  // Some refusals must still commit (revocations), so the transaction returns them.
  const outcome = await ctx.sql.begin(async (tx) => {
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
      } else if (token.seconds_since_update > ctx.settings.refreshTokenReuseIntervalSeconds) {
        // Reuse of an old token: treat as theft and end every token of the session.
        await revokeSessionTokens(tx, session.id);
        return { refused: badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used") };
      }
    }
    issued ??= await databaseStep("Database error granting user", () => rotateRefreshToken(tx, token, session.id));
    await touchSession(tx, session.id, client);
    return { response: await sessionResponse(ctx, tx, user.json.id, session, issued) };
  });
  if ("refused" in outcome) throw outcome.refused;
  return jsonResponse(200, outcome.response);
}
