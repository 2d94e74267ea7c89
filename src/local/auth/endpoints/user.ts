// GET /user and PUT /user (internal/api/user.go): the signed-in user, and the changes
// they may make themselves, as GoTrue makes them under `supabase start`'s settings.
import { authenticatedCaller, requestAudience } from "../caller.ts";
import { databaseStep, mustFindUser, type StandInContext } from "../context.ts";
import { badRequest, forbidden, jsonResponse, unprocessable } from "../errors.ts";
import {
  deleteSessions,
  findOtherUserIdWithEmail,
  lockUser,
  mergeAppMetadata,
  mergeUserMetadata,
  passwordMatches,
  recordEmailChange,
  setPassword,
} from "../store.ts";
import { checkPasswordStrength, normalizeEmail, objectField, readJsonObject, stringField } from "../validation.ts";
import { missingFeatures, notImplemented } from "./not-implemented.ts";

export async function getUser(ctx: StandInContext, request: Request): Promise<Response> {
  const { claims, user } = await authenticatedCaller(ctx, request);
  const role = typeof claims.role === "string" ? claims.role : "";
  const expectedAudience = request.headers.get("x-jwt-aud") || (ctx.settings.adminRoles.includes(role) ? ctx.settings.audience : undefined);
  const tokenAudience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof tokenAudience !== "string" || (expectedAudience ?? tokenAudience) !== tokenAudience) {
    throw badRequest("validation_failed", "Token audience doesn't match request audience");
  }
  return jsonResponse(200, user.json);
}

/**
 * supabase-js updateUser. What changes, as in GoTrue:
 *   * `data` is merged into user_metadata (null deletes a key);
 *   * `password` replaces the password and ends every other session of the user (this
 *     one stays signed in);
 *   * `email` does not change users.email: like GoTrue for every user who is not
 *     anonymous, even with mailer autoconfirm, it records a pending change (the user's
 *     `new_email`) that the confirmation emails would complete. The stand-in sends
 *     none, so locally the change stays pending; auth.admin.updateUserById(id, { email })
 *     changes an email at once.
 * Not here: phone changes, reauthentication nonces (off under `supabase start`).
 */
export async function updateUser(ctx: StandInContext, request: Request): Promise<Response> {
  const { settings } = ctx;
  const { claims, user, session } = await authenticatedCaller(ctx, request);
  const body = await readJsonObject(request);
  const requestedEmail = stringField(body, "email");
  const phone = stringField(body, "phone");
  const password = body.password === undefined || body.password === null ? undefined : stringField(body, "password");
  const data = objectField(body, "data");
  const appMetadata = objectField(body, "app_metadata");

  // GoTrue's validateUserUpdateParams, then its checks, in its order.
  const email = requestedEmail === "" ? "" : normalizeEmail(requestedEmail);
  if (phone !== "") throw notImplemented(missingFeatures.phone);
  if (password !== undefined) checkPasswordStrength(password, settings.minimumPasswordLength);
  const isAdmin = user.json.aud === settings.audience && user.json.role === "admin";
  if (appMetadata && !isAdmin) throw forbidden("not_admin", "Updating app_metadata requires admin privileges");
  const audience = requestAudience(ctx, request, claims);
  const userId = user.json.id;

  const updated = await ctx.sql.begin(async (tx) => {
    // One update of a user at a time: each merges into what the previous one wrote.
    await lockUser(tx, userId);
    const current = await mustFindUser(tx, userId);
    const changesEmail = email !== "" && email !== current.json.email;
    if (changesEmail && (await findOtherUserIdWithEmail(tx, email, audience, userId))) {
      throw unprocessable("email_exists", "A user with this email address has already been registered");
    }
    if (password !== undefined) {
      if (current.hasPasswordHash && (await passwordMatches(tx, userId, password))) {
        throw unprocessable("same_password", "New password should be different from the old password.");
      }
      await databaseStep("Error during password storage", async () => {
        await setPassword(tx, userId, { plain: password, bcryptCost: settings.bcryptCost });
        // GoTrue's LogoutAllExceptMe: whoever knew the old password is signed out elsewhere.
        await deleteSessions(tx, userId, session ? "others" : "global", session?.id);
      });
    }
    if (data) await databaseStep("Error updating user", () => mergeUserMetadata(tx, userId, data));
    if (appMetadata) await databaseStep("Error updating user", () => mergeAppMetadata(tx, userId, appMetadata));
    if (changesEmail) {
      const options = { currentEmail: current.json.email, doubleConfirm: settings.doubleConfirmEmailChanges };
      await databaseStep("Error sending email change email", () => recordEmailChange(tx, userId, email, options));
    }
    // The user as stored (GoTrue answers its in-memory copy, which would still show a
    // recruiter_profile block that our trigger has just dropped).
    return mustFindUser(tx, userId);
  });
  return jsonResponse(200, updated.json);
}
