// The parts of GoTrue's API the stand-in does not implement. Each answers GoTrue's error
// JSON, so supabase-js shows a message that says so (instead of failing to parse chi's
// plain-text 404): status 404 and error code `feature_disabled`, which is how GoTrue
// answers for a feature its configuration turns off (requireOAuthServerEnabled and
// friends in internal/api/middleware.go), or GoTrue's own code where `supabase start`'s
// configuration turns that very feature off (SAML, manual linking, passkeys).
//
// Paths GoTrue does not have either still get chi's plain 404 (router.ts).
import { GoTrueHttpError } from "../errors.ts";
import { matchPath } from "../router.ts";

export interface MissingFeature {
  /** What is missing, named as supabase-js names it. */
  name: string;
  /** What to do locally instead, if anything. */
  instead?: string;
  /** GoTrue's error code for it (default feature_disabled). */
  code?: string;
}

const passwordSignIn = "Locally, sign up and sign in with email and password (signUp, signInWithPassword).";
const noEmail = "The stand-in sends no email or SMS: sign-ups are confirmed at once.";
const createConfirmedUser = "Create the user with auth.admin.createUser({ email, password, email_confirm: true }).";

export const missingFeatures = {
  otp: { name: "Passwordless sign-in (signInWithOtp: email or SMS codes and magic links)", instead: passwordSignIn },
  recovery: {
    name: "Password recovery email (resetPasswordForEmail)",
    instead: "The stand-in sends no email: a signed-in user sets a new password with updateUser({ password }), an admin with auth.admin.updateUserById(id, { password }).",
  },
  resend: { name: "Resending confirmation emails and codes (resend)", instead: noEmail },
  verify: { name: "Verifying emailed or texted codes and links (verifyOtp, /verify)", instead: noEmail },
  reauthenticate: { name: "Reauthentication (reauthenticate)", instead: "Locally, updateUser({ password }) needs no nonce." },
  invite: { name: "Invitations (auth.admin.inviteUserByEmail)", instead: createConfirmedUser },
  generateLink: { name: "Email action links (auth.admin.generateLink)", instead: createConfirmedUser },
  oauthSignIn: { name: "Sign-in with OAuth providers (signInWithOAuth, /authorize)", instead: passwordSignIn },
  pkce: { name: "The PKCE code exchange (exchangeCodeForSession, grant_type=pkce)", instead: passwordSignIn },
  idToken: { name: "Sign-in with an ID token (signInWithIdToken, grant_type=id_token)", instead: passwordSignIn },
  web3: { name: "Web3 sign-in (signInWithWeb3, grant_type=web3)", instead: passwordSignIn },
  mfa: { name: "Multi-factor authentication (auth.mfa, auth.admin.mfa)" },
  passkeys: { name: "Passkeys (auth.passkey, auth.admin.passkey)", code: "passkey_disabled" },
  sso: { name: "SAML single sign-on (signInWithSSO)", instead: passwordSignIn, code: "saml_provider_disabled" },
  identityLinking: { name: "Linking and unlinking identities (linkIdentity, unlinkIdentity)", code: "manual_linking_disabled" },
  oauthServer: { name: "The OAuth 2.1 server (auth.oauth, auth.admin.oauth)" },
  openIdDiscovery: { name: "OpenID Connect discovery", instead: "The signing keys are at /auth/v1/.well-known/jwks.json." },
  customProviders: { name: "Custom OAuth and OIDC providers (auth.admin.customProviders)" },
  auditLog: { name: "The audit log (GET /admin/audit)" },
  listUsers: { name: "Listing users (auth.admin.listUsers)", instead: "Read auth.users in the local database (the Postgres URL that npm start prints)." },
  scim: { name: "SCIM provisioning (/scim/v2)" },
  phone: { name: "Phone numbers (a user's phone, phone sign-in)", instead: "Locally, users have an email and a password." },
} satisfies Record<string, MissingFeature>;

interface MissingRoute {
  /** Paths under /auth/v1 (router.ts patterns). */
  paths: string[];
  /** Only this method (the path also has implemented ones); any method when absent. */
  method?: string;
  feature: MissingFeature;
  /** Reached by browsers without an `apikey`: the hosted gateway's open auth routes. */
  open?: boolean;
}

// GoTrue's routes (internal/api/api.go) that the stand-in lacks.
const missingRoutes: MissingRoute[] = [
  { paths: ["/otp", "/magiclink"], feature: missingFeatures.otp },
  { paths: ["/recover"], feature: missingFeatures.recovery },
  { paths: ["/resend"], feature: missingFeatures.resend },
  { paths: ["/verify"], feature: missingFeatures.verify, open: true },
  { paths: ["/reauthenticate"], feature: missingFeatures.reauthenticate },
  { paths: ["/invite"], feature: missingFeatures.invite },
  { paths: ["/admin/generate_link"], feature: missingFeatures.generateLink },
  { paths: ["/authorize", "/callback"], feature: missingFeatures.oauthSignIn, open: true },
  { paths: ["/factors", "/factors/*", "/admin/users/:user_id/factors", "/admin/users/:user_id/factors/*"], feature: missingFeatures.mfa },
  { paths: ["/passkeys", "/passkeys/*", "/admin/users/:user_id/passkeys", "/admin/users/:user_id/passkeys/*"], feature: missingFeatures.passkeys },
  { paths: ["/sso", "/sso/*", "/admin/sso/*"], feature: missingFeatures.sso },
  { paths: ["/user/identities/*"], feature: missingFeatures.identityLinking },
  { paths: ["/oauth/*", "/user/oauth/*", "/admin/oauth/*", "/.well-known/oauth-authorization-server"], feature: missingFeatures.oauthServer },
  { paths: ["/.well-known/openid-configuration"], feature: missingFeatures.openIdDiscovery },
  { paths: ["/admin/custom-providers", "/admin/custom-providers/*"], feature: missingFeatures.customProviders },
  { paths: ["/admin/audit"], feature: missingFeatures.auditLog },
  { paths: ["/admin/users"], method: "GET", feature: missingFeatures.listUsers },
  { paths: ["/scim/v2", "/scim/v2/*"], feature: missingFeatures.scim },
];

/** The missing GoTrue route this request is for, if it is one. */
export function findMissingRoute(method: string, path: string): MissingRoute | undefined {
  return missingRoutes.find((route) => (route.method === undefined || route.method === method) && route.paths.some((pattern) => matchPath(pattern, path)));
}

export function notImplemented(feature: MissingFeature): GoTrueHttpError {
  const instead = feature.instead ? ` ${feature.instead}` : "";
  return new GoTrueHttpError(
    404,
    feature.code ?? "feature_disabled",
    `${feature.name} is not implemented by the local Supabase Auth stand-in (npm start).${instead} Run \`supabase start\` for the full Supabase Auth.`,
  );
}
