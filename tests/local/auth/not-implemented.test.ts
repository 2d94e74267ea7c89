// What the stand-in does not implement answers GoTrue's error JSON with a message that
// says so, through the real supabase-js: every call below used to get chi's plain-text
// 404 (or nothing), leaving supabase-js without an error message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AuthApiError, type AuthError, type SupabaseClient } from "@supabase/supabase-js";
import { signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { uniqueEmail } from "../../support/personas.ts";

const standIn = useAuthStandIn();
let signedIn: Awaited<ReturnType<typeof signUpCandidate>>;
beforeAll(async () => {
  signedIn = await signUpCandidate(standIn);
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => standIn.stop());

/** The message every missing feature has: what it is, what to do instead, where the real one is. */
function standInMessage(what: string, instead?: string): string {
  return `${what} is not implemented by the local Supabase Auth stand-in (npm start).${instead ? ` ${instead}` : ""} Run \`supabase start\` for the full Supabase Auth.`;
}
const passwordSignIn = "Locally, sign up and sign in with email and password (signUp, signInWithPassword).";
const noEmail = "The stand-in sends no email or SMS: sign-ups are confirmed at once.";
const createConfirmedUser = "Create the user with auth.admin.createUser({ email, password, email_confirm: true }).";
const someUuid = "5b3f8a2e-6c1d-4e7f-9a0b-1c2d3e4f5a6b";

type Call = (clients: { anon: SupabaseClient; user: SupabaseClient; service: SupabaseClient }) => Promise<{ error: AuthError | null }>;
// [what supabase-js does, the call, the feature's name, what to do instead, GoTrue's error code]
const cases: [string, Call, string, string | undefined, string][] = [
  ["signInWithOtp (email)", ({ anon }) => anon.auth.signInWithOtp({ email: uniqueEmail("otp") }), "Passwordless sign-in (signInWithOtp: email or SMS codes and magic links)", passwordSignIn, "feature_disabled"],
  ["signInWithOtp (phone)", ({ anon }) => anon.auth.signInWithOtp({ phone: "+15550100" }), "Passwordless sign-in (signInWithOtp: email or SMS codes and magic links)", passwordSignIn, "feature_disabled"],
  [
    "resetPasswordForEmail",
    ({ anon }) => anon.auth.resetPasswordForEmail(signedIn.email),
    "Password recovery email (resetPasswordForEmail)",
    "The stand-in sends no email: a signed-in user sets a new password with updateUser({ password }), an admin with auth.admin.updateUserById(id, { password }).",
    "feature_disabled",
  ],
  ["resend", ({ anon }) => anon.auth.resend({ type: "signup", email: signedIn.email }), "Resending confirmation emails and codes (resend)", noEmail, "feature_disabled"],
  ["verifyOtp", ({ anon }) => anon.auth.verifyOtp({ email: signedIn.email, token: "123456", type: "email" }), "Verifying emailed or texted codes and links (verifyOtp, /verify)", noEmail, "feature_disabled"],
  ["exchangeCodeForSession", ({ anon }) => anon.auth.exchangeCodeForSession("an-auth-code"), "The PKCE code exchange (exchangeCodeForSession, grant_type=pkce)", passwordSignIn, "feature_disabled"],
  ["signInWithIdToken", ({ anon }) => anon.auth.signInWithIdToken({ provider: "google", token: "an-id-token" }), "Sign-in with an ID token (signInWithIdToken, grant_type=id_token)", passwordSignIn, "feature_disabled"],
  ["signInWithSSO", ({ anon }) => anon.auth.signInWithSSO({ domain: "example.com" }), "SAML single sign-on (signInWithSSO)", passwordSignIn, "saml_provider_disabled"],
  ["reauthenticate", ({ user }) => user.auth.reauthenticate(), "Reauthentication (reauthenticate)", "Locally, updateUser({ password }) needs no nonce.", "feature_disabled"],
  ["mfa.enroll", ({ user }) => user.auth.mfa.enroll({ factorType: "totp" }), "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined, "feature_disabled"],
  ["mfa.challenge", ({ user }) => user.auth.mfa.challenge({ factorId: someUuid }), "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined, "feature_disabled"],
  ["mfa.verify", ({ user }) => user.auth.mfa.verify({ factorId: someUuid, challengeId: someUuid, code: "123456" }), "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined, "feature_disabled"],
  ["mfa.unenroll", ({ user }) => user.auth.mfa.unenroll({ factorId: someUuid }), "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined, "feature_disabled"],
  ["passkey.list", ({ user }) => user.auth.passkey.list(), "Passkeys (auth.passkey, auth.admin.passkey)", undefined, "passkey_disabled"],
  ["linkIdentity", ({ user }) => user.auth.linkIdentity({ provider: "github" }), "Linking and unlinking identities (linkIdentity, unlinkIdentity)", undefined, "manual_linking_disabled"],
  ["unlinkIdentity", ({ user }) => user.auth.unlinkIdentity(signedIn.user.identities![0]!), "Linking and unlinking identities (linkIdentity, unlinkIdentity)", undefined, "manual_linking_disabled"],
  ["oauth.getAuthorizationDetails", ({ user }) => user.auth.oauth.getAuthorizationDetails(someUuid), "The OAuth 2.1 server (auth.oauth, auth.admin.oauth)", undefined, "feature_disabled"],
  ["oauth.listGrants", ({ user }) => user.auth.oauth.listGrants(), "The OAuth 2.1 server (auth.oauth, auth.admin.oauth)", undefined, "feature_disabled"],
  ["admin.listUsers", ({ service }) => service.auth.admin.listUsers(), "Listing users (auth.admin.listUsers)", "Read auth.users in the local database (the Postgres URL that npm start prints).", "feature_disabled"],
  ["admin.inviteUserByEmail", ({ service }) => service.auth.admin.inviteUserByEmail(uniqueEmail("invited")), "Invitations (auth.admin.inviteUserByEmail)", createConfirmedUser, "feature_disabled"],
  ["admin.generateLink", ({ service }) => service.auth.admin.generateLink({ type: "magiclink", email: signedIn.email }), "Email action links (auth.admin.generateLink)", createConfirmedUser, "feature_disabled"],
  ["admin.mfa.listFactors", ({ service }) => service.auth.admin.mfa.listFactors({ userId: signedIn.user.id }), "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined, "feature_disabled"],
  ["admin.mfa.deleteFactor", ({ service }) => service.auth.admin.mfa.deleteFactor({ userId: signedIn.user.id, id: someUuid }), "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined, "feature_disabled"],
  ["admin.passkey.listPasskeys", ({ service }) => service.auth.admin.passkey.listPasskeys({ userId: signedIn.user.id }), "Passkeys (auth.passkey, auth.admin.passkey)", undefined, "passkey_disabled"],
  ["admin.oauth.listClients", ({ service }) => service.auth.admin.oauth.listClients(), "The OAuth 2.1 server (auth.oauth, auth.admin.oauth)", undefined, "feature_disabled"],
  ["admin.customProviders.listProviders", ({ service }) => service.auth.admin.customProviders.listProviders(), "Custom OAuth and OIDC providers (auth.admin.customProviders)", undefined, "feature_disabled"],
];

describe("supabase-js calls the stand-in does not implement get GoTrue's error with a message saying so", () => {
  for (const [name, call, what, instead, code] of cases) {
    test(name, async () => {
      const { error } = await call({ anon: standIn.anonClient(), user: signedIn.client, service: standIn.serviceClient() });
      expect(error).toBeInstanceOf(AuthApiError);
      expect({ message: error!.message, status: error!.status, code: error!.code }).toEqual({ message: standInMessage(what, instead), status: 404, code });
    });
  }
});

describe("over plain HTTP", () => {
  const call = (path: string, init: RequestInit = {}) => fetch(`${standIn.url}/auth/v1${path}`, init);

  test("without X-Supabase-Api-Version: GoTrue's initial shape {code, error_code, msg}", async () => {
    const response = await call("/otp", { method: "POST", headers: { apikey: standIn.anonKey }, body: JSON.stringify({ email: uniqueEmail("otp") }) });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-sb-error-code")).toBe("feature_disabled");
    expect(await response.json()).toEqual({
      code: 404,
      error_code: "feature_disabled",
      msg: standInMessage("Passwordless sign-in (signInWithOtp: email or SMS codes and magic links)", passwordSignIn),
    });
  });

  test("the routes a browser opens without an apikey (OAuth redirects, email links) answer the message too", async () => {
    const oauth = standInMessage("Sign-in with OAuth providers (signInWithOAuth, /authorize)", passwordSignIn);
    for (const [path, msg] of [
      ["/authorize?provider=github", oauth],
      ["/callback?code=x", oauth],
      ["/verify?token=x&type=signup", standInMessage("Verifying emailed or texted codes and links (verifyOtp, /verify)", noEmail)],
    ] as const) {
      const response = await call(path);
      expect([response.status, await response.json()]).toEqual([404, { code: 404, error_code: "feature_disabled", msg }]);
    }
    // Everything else still needs the key, as behind the hosted gateway.
    expect((await call("/otp", { method: "POST", body: "{}" })).status).toBe(401);
  });

  test("the rest of GoTrue's API: web3, discovery, audit, SCIM, magic links, invites by path", async () => {
    const headers = { apikey: standIn.serviceRoleKey, authorization: `Bearer ${standIn.serviceRoleKey}`, "x-supabase-api-version": "2024-01-01" };
    const cases: [string, string, string, string | undefined][] = [
      ["POST", "/token?grant_type=web3", "Web3 sign-in (signInWithWeb3, grant_type=web3)", passwordSignIn],
      ["GET", "/.well-known/openid-configuration", "OpenID Connect discovery", "The signing keys are at /auth/v1/.well-known/jwks.json."],
      ["GET", "/.well-known/oauth-authorization-server", "The OAuth 2.1 server (auth.oauth, auth.admin.oauth)", undefined],
      ["GET", "/admin/audit", "The audit log (GET /admin/audit)", undefined],
      ["GET", "/scim/v2/Users", "SCIM provisioning (/scim/v2)", undefined],
      ["POST", "/magiclink", "Passwordless sign-in (signInWithOtp: email or SMS codes and magic links)", passwordSignIn],
      ["GET", "/factors/recovery-codes", "Multi-factor authentication (auth.mfa, auth.admin.mfa)", undefined],
    ];
    for (const [method, path, what, instead] of cases) {
      const response = await call(path, { method, headers, body: method === "POST" ? "{}" : undefined });
      expect([path, response.status, await response.json()]).toEqual([path, 404, { code: "feature_disabled", message: standInMessage(what, instead) }]);
    }
  });

  test("paths GoTrue does not have either keep chi's plain 404, and implemented paths its 405", async () => {
    const headers = { apikey: standIn.anonKey };
    expect([(await call("/nowhere/else", { headers })).status, await (await call("/nowhere/else", { headers })).text()]).toEqual([404, "404 page not found\n"]);
    const wrongMethod = await call("/signup", { headers });
    expect([wrongMethod.status, await wrongMethod.text()]).toEqual([405, ""]);
  });
});
