// POST /signup (internal/api/signup.go) with `supabase start`'s settings: email sign-ups
// confirmed at once (mailer autoconfirm), phone and anonymous sign-ups off.
import { databaseStep, type StandInContext } from "../context.ts";
import { badRequest, jsonResponse, unprocessable } from "../errors.ts";
import { grantSession } from "../session-response.ts";
import { confirmEmail, findUserIdByEmail, insertEmailIdentity, insertUser, type ClientInfo } from "../store.ts";
import { checkPasswordStrength, normalizeEmail, objectField, readJsonObject, stringField } from "../validation.ts";

export async function signUp(ctx: StandInContext, request: Request, client: ClientInfo): Promise<Response> {
  const { settings } = ctx;
  const body = await readJsonObject(request);
  const email = stringField(body, "email");
  const phone = stringField(body, "phone");
  const password = stringField(body, "password");
  const data = objectField(body, "data") ?? {};
  if (email === "" && phone === "") throw unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
  if (password === "") throw badRequest("validation_failed", "Signup requires a valid password");
  checkPasswordStrength(password, settings.minimumPasswordLength);
  if (email !== "" && phone !== "") throw badRequest("validation_failed", "Only an email address or phone number should be provided on signup.");
  if (phone !== "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
  const normalizedEmail = normalizeEmail(email);
  const alreadyRegistered = () => unprocessable("user_already_exists", "User already registered");

  // One transaction, user through session: a refused trigger or a lost race leaves nothing behind.
  const session = await ctx.sql.begin(async (tx) => {
    if (await findUserIdByEmail(tx, normalizedEmail, settings.audience)) throw alreadyRegistered();
    const userId = crypto.randomUUID();
    await databaseStep(
      "Database error saving new user",
      () =>
        insertUser(tx, {
          id: userId,
          aud: settings.audience,
          role: settings.defaultRole,
          email: normalizedEmail,
          password: { plain: password, bcryptCost: settings.bcryptCost },
          appMetadata: { provider: "email", providers: ["email"] },
          userMetadata: data,
        }),
      alreadyRegistered,
    );
    // GoTrue's identity_data: the provider claims, then sign-up data it does not already hold.
    const identityData: Record<string, unknown> = { sub: userId, email: normalizedEmail, email_verified: false, phone_verified: false };
    for (const [key, value] of Object.entries(data)) if (!(key in identityData)) identityData[key] = value;
    await databaseStep("Error creating identity", () => insertEmailIdentity(tx, userId, identityData));
    await databaseStep("Database error updating user", () => confirmEmail(tx, userId));
    return grantSession(ctx, tx, userId, client);
  });
  return jsonResponse(200, session);
}
