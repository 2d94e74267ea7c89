// The admin users API (internal/api/admin.go): POST /admin/users, GET, PUT and DELETE
// /admin/users/{user_id}, for callers with an admin role (the service_role key).
import { UUID_PATTERN } from "../../../core/validation.ts";
import type { Transaction } from "../../../db/client.ts";
import { requireAdmin } from "../caller.ts";
import { databaseStep, mustFindUser, type StandInContext } from "../context.ts";
import { badRequest, internalError, jsonResponse, notFound, unprocessable } from "../errors.ts";
import {
  banUser,
  confirmEmail,
  deleteSessions,
  deleteUser,
  findOtherUserIdWithEmail,
  findUserById,
  findUserIdByEmail,
  insertEmailIdentity,
  insertUser,
  lockUser,
  mergeAppMetadata,
  mergeUserMetadata,
  setEmail,
  setPassword,
  setRole,
  softDeleteUser,
  type StoredUser,
} from "../store.ts";
import {
  booleanField,
  byteLength,
  checkPasswordStrength,
  maxPasswordBytes,
  nilUuid,
  normalizeEmail,
  objectField,
  parseGoDuration,
  readJsonObject,
  readOptionalJsonObject,
  stringField,
} from "../validation.ts";
import { missingFeatures, notImplemented } from "./not-implemented.ts";

const bcryptHashPattern = /^\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}$/;
const emailTaken = () => unprocessable("email_exists", "A user with this email address has already been registered");

export async function adminCreateUser(ctx: StandInContext, request: Request): Promise<Response> {
  const { settings } = ctx;
  await requireAdmin(ctx, request);
  const body = await readJsonObject(request);
  const aud = stringField(body, "aud") || settings.audience;
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
  const password = passwordHash !== "" ? { bcryptHash: passwordHash } : { plain: plainPassword || randomPassword(), bcryptCost: settings.bcryptCost };
  const customId = stringField(body, "id");
  if (customId !== "" && !UUID_PATTERN.test(customId)) throw badRequest("validation_failed", "ID must conform to the uuid v4 format");
  if (customId === nilUuid) throw badRequest("validation_failed", "ID cannot be a nil uuid");
  const role = stringField(body, "role") || settings.defaultRole;
  const userMetadata = objectField(body, "user_metadata") ?? {};
  const appMetadata = objectField(body, "app_metadata");
  const emailConfirm = booleanField(body, "email_confirm");
  const banMs = banDurationField(body);
  const userId = customId || crypto.randomUUID();

  const user = await ctx.sql.begin(async (tx) => {
    if (await findUserIdByEmail(tx, normalizedEmail, aud)) throw emailTaken();
    const failed = "Database error creating new user";
    await databaseStep(
      failed,
      () => insertUser(tx, { id: userId, aud, role, email: normalizedEmail, password, appMetadata: { provider: "email", providers: ["email"] }, userMetadata }),
      emailTaken,
    );
    await databaseStep(failed, () => insertEmailIdentity(tx, userId, { sub: userId, email: normalizedEmail, email_verified: false, phone_verified: false }));
    if (appMetadata) await databaseStep(failed, () => mergeAppMetadata(tx, userId, appMetadata));
    // As GoTrue: no reload after the insert, so this writes the sent metadata back over
    // whatever the insert triggers changed in it.
    if (emailConfirm) await databaseStep(failed, () => confirmEmail(tx, userId, userMetadata));
    if (banMs !== undefined) await databaseStep(failed, () => banUser(tx, userId, banMs));
    return mustFindUser(tx, userId);
  });
  return jsonResponse(200, user.json);
}

export async function adminGetUser(ctx: StandInContext, request: Request, rawUserId: string): Promise<Response> {
  await requireAdmin(ctx, request);
  const userId = checkedUserId(rawUserId);
  return ctx.sql.begin(async (tx) => jsonResponse(200, (await loadUser(tx, userId)).json)) as Promise<Response>;
}

/**
 * supabase-js auth.admin.updateUserById, as GoTrue's adminUserUpdate: role, email_confirm,
 * password, email, app_metadata, user_metadata and ban_duration, applied in that order.
 *   * A new password ends every session of the user (UpdatePassword without a session).
 *   * A new email replaces the old one at once, no confirmation (the email identity follows).
 *   * ban_duration ("24h", "876000h", "none") sets banned_until; the sessions stay, as in
 *     GoTrue, refused while the ban lasts and usable again once it is lifted.
 */
export async function adminUpdateUser(ctx: StandInContext, request: Request, rawUserId: string): Promise<Response> {
  const { settings } = ctx;
  await requireAdmin(ctx, request);
  const userId = checkedUserId(rawUserId);
  // GoTrue's loadUser middleware answers an unknown user before the handler reads the body.
  await ctx.sql.begin((tx) => loadUser(tx, userId));
  const body = await readJsonObject(request);
  const requestedEmail = stringField(body, "email");
  const email = requestedEmail === "" ? "" : normalizeEmail(requestedEmail);
  if (stringField(body, "phone") !== "") throw notImplemented(missingFeatures.phone);
  const banMs = banDurationField(body);
  const password = body.password === undefined || body.password === null ? undefined : stringField(body, "password");
  if (password !== undefined) checkPasswordStrength(password, settings.minimumPasswordLength);
  const role = stringField(body, "role");
  const emailConfirm = booleanField(body, "email_confirm");
  const appMetadata = objectField(body, "app_metadata");
  const userMetadata = objectField(body, "user_metadata");

  const user = await ctx.sql.begin(async (tx) => {
    // One update of a user at a time: each merges into what the previous one wrote.
    await lockUser(tx, userId);
    const current = await loadUser(tx, userId);
    // GoTrue leaves a taken email to the unique index and answers 500; the stand-in says why.
    if (email !== "" && email !== current.json.email && (await findOtherUserIdWithEmail(tx, email, current.json.aud, userId))) throw emailTaken();

    const failed = "Error updating user";
    if (role !== "") await databaseStep(failed, () => setRole(tx, userId, role));
    if (emailConfirm) await databaseStep(failed, () => confirmEmail(tx, userId));
    if (password !== undefined) {
      await databaseStep(failed, async () => {
        await setPassword(tx, userId, { plain: password, bcryptCost: settings.bcryptCost });
        await deleteSessions(tx, userId, "global");
      });
    }
    if (email !== "") await databaseStep(failed, () => setEmail(tx, userId, email, { verified: emailConfirm }), emailTaken);
    if (appMetadata) await databaseStep(failed, () => mergeAppMetadata(tx, userId, appMetadata));
    if (userMetadata) await databaseStep(failed, () => mergeUserMetadata(tx, userId, userMetadata));
    if (banMs !== undefined) await databaseStep(failed, () => banUser(tx, userId, banMs));
    return mustFindUser(tx, userId);
  });
  return jsonResponse(200, user.json);
}

export async function adminDeleteUser(ctx: StandInContext, request: Request, rawUserId: string): Promise<Response> {
  await requireAdmin(ctx, request);
  const userId = checkedUserId(rawUserId);
  const softDelete = booleanField(await readOptionalJsonObject(request), "should_soft_delete");
  return ctx.sql.begin(async (tx) => {
    await loadUser(tx, userId);
    if (softDelete) await databaseStep("Error soft deleting user", () => softDeleteUser(tx, userId));
    else await databaseStep("Database error deleting user", () => deleteUser(tx, userId));
    return jsonResponse(200, {});
  }) as Promise<Response>;
}

/** GoTrue's loadUser middleware, first half: the path's user_id must be a UUID. */
function checkedUserId(rawUserId: string): string {
  if (!UUID_PATTERN.test(rawUserId)) throw notFound("validation_failed", "user_id must be an UUID");
  return rawUserId;
}

/** GoTrue's loadUser middleware, second half: the user must exist. */
async function loadUser(tx: Transaction, userId: string): Promise<StoredUser> {
  const user = await findUserById(tx, userId);
  if (!user) throw notFound("user_not_found", "User not found");
  return user;
}

/** ban_duration as GoTrue reads it: a Go duration, or "none" (0) to lift a ban; undefined when absent. */
function banDurationField(body: Record<string, unknown>): number | undefined {
  const banDuration = stringField(body, "ban_duration");
  if (banDuration === "") return undefined;
  const banMs = banDuration === "none" ? 0 : parseGoDuration(banDuration);
  if (banMs === undefined) throw badRequest("validation_failed", `invalid format for ban duration: time: invalid duration "${banDuration}"`);
  return banMs;
}

function randomPassword(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(64)), (byte) => alphabet[byte % alphabet.length]).join("");
}
