// The local auth stand-in, driven by the real supabase-js client over real HTTP,
// against the migrated database: what frontends see, and what lands in the tables.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AuthApiError, AuthRetryableFetchError, AuthSessionMissingError, AuthWeakPasswordError } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import { createJwtVerifier } from "../../src/auth/index.ts";
import { importSigningKey } from "../../src/local/auth/index.ts";
import { jwtHeader, jwtPayload, password, startAuthStandIn, uniqueEmail, uniqueUsername, type RunningStandIn } from "./support.ts";

let standIn: RunningStandIn;
beforeAll(async () => {
  standIn = await startAuthStandIn();
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => standIn.stop());

async function signUpCandidate(fullName = "Ann Candidate") {
  const client = standIn.anonClient();
  const email = uniqueEmail("candidate");
  const { data, error } = await client.auth.signUp({ email, password, options: { data: { full_name: fullName, user_type: "candidate" } } });
  expect(error).toBeNull();
  return { client, email, user: data.user!, session: data.session! };
}

async function lastSignIn(userId: string) {
  const [row] = await standIn.sql`
    select u.last_sign_in_at, p.last_login from auth.users u join public.profiles p on p.id = u.id where u.id = ${userId}`;
  return row as { last_sign_in_at: Date; last_login: Date };
}

describe("sign-up", () => {
  test("returns a session at once (autoconfirm) and the trigger makes the profile", async () => {
    const { user, session } = await signUpCandidate("Ann Example");
    expect(session.token_type).toBe("bearer");
    expect(session.expires_in).toBe(1800);
    expect(session.refresh_token).toMatch(/^[a-z2-7]{12}$/);
    expect(user.email_confirmed_at).toBeString();
    expect(user.user_metadata).toEqual({ full_name: "Ann Example", user_type: "candidate", email_verified: true });
    expect(user.app_metadata).toEqual({ provider: "email", providers: ["email"] });
    expect(user.identities?.map((identity) => [identity.provider, identity.id])).toEqual([["email", user.id]]);

    const [profile] = await standIn.sql`select email, full_name, user_type, last_login from public.profiles where id = ${user.id}`;
    expect(profile).toMatchObject({ email: user.email, full_name: "Ann Example", user_type: "candidate" });
    const times = await lastSignIn(user.id);
    expect(times.last_login).toEqual(times.last_sign_in_at);
  });

  test("writes the rows Supabase Auth writes: user, identity, session, refresh token", async () => {
    const { user, session } = await signUpCandidate();
    const [authUser] = await standIn.sql`
      select instance_id, aud, role, encrypted_password, email_confirmed_at is not null as confirmed, is_sso_user, is_anonymous
        from auth.users where id = ${user.id}`;
    expect(authUser).toMatchObject({
      instance_id: "00000000-0000-0000-0000-000000000000",
      aud: "authenticated",
      role: "authenticated",
      confirmed: true,
      is_sso_user: false,
      is_anonymous: false,
    });
    expect(authUser!.encrypted_password).toMatch(/^\$2a\$04\$/);
    const identities = await standIn.sql`select provider, provider_id, identity_data, email from auth.identities where user_id = ${user.id}`;
    expect(identities).toHaveLength(1);
    expect(identities[0]).toMatchObject({ provider: "email", provider_id: user.id, email: user.email });
    expect(identities[0]!.identity_data).toMatchObject({ sub: user.id, email: user.email, email_verified: false, phone_verified: false, full_name: "Ann Candidate" });

    const sessionId = jwtPayload(session.access_token).session_id;
    const sessions = await standIn.sql`select id, aal, user_agent, host(ip) as ip from auth.sessions where user_id = ${user.id}`;
    expect(sessions).toEqual([{ id: sessionId, aal: "aal1", user_agent: expect.any(String), ip: "127.0.0.1" }] as never);
    const tokens = await standIn.sql`select token, revoked, parent from auth.refresh_tokens where session_id = ${sessionId as string}`;
    expect(tokens).toEqual([{ token: session.refresh_token, revoked: false, parent: null }] as never);
  });

  test("lower-cases and trims the email", async () => {
    const local = uniqueEmail("Mixed.Case");
    const { data, error } = await standIn.anonClient().auth.signUp({ email: `  ${local.toUpperCase()} `, password, options: { data: { user_type: "candidate" } } });
    expect(error).toBeNull();
    expect(data.user!.email).toBe(local.toLowerCase());
    const [row] = await standIn.sql`select email from auth.users where id = ${data.user!.id}`;
    expect(row!.email).toBe(local.toLowerCase());
  });

  test("a taken email is user_already_exists (422)", async () => {
    const { email } = await signUpCandidate();
    const { data, error } = await standIn.anonClient().auth.signUp({ email: email.toUpperCase(), password, options: { data: { user_type: "candidate" } } });
    expect(error).toBeInstanceOf(AuthApiError);
    expect({ status: error!.status, code: error!.code, message: error!.message }).toEqual({ status: 422, code: "user_already_exists", message: "User already registered" });
    expect(data.session).toBeNull();
  });

  test("a short password is weak_password with its reason (422)", async () => {
    const { error } = await standIn.anonClient().auth.signUp({ email: uniqueEmail("weak"), password: "12345" });
    expect(error).toBeInstanceOf(AuthWeakPasswordError);
    expect(error).toMatchObject({ status: 422, code: "weak_password", message: "Password should be at least 6 characters.", reasons: ["length"] });
  });

  test("a malformed email is validation_failed (400)", async () => {
    const { error } = await standIn.anonClient().auth.signUp({ email: "not-an-email", password });
    expect(error).toMatchObject({ status: 400, code: "validation_failed", message: "Unable to validate email address: invalid format" });
  });

  test("a user_type the trigger refuses: GoTrue's 500 'Database error saving new user', nothing left behind", async () => {
    const email = uniqueEmail("admin-type");
    const { error } = await standIn.anonClient().auth.signUp({ email, password, options: { data: { user_type: "admin" } } });
    // supabase-js treats every 500 as retryable; the message is GoTrue's.
    expect(error).toBeInstanceOf(AuthRetryableFetchError);
    expect(error).toMatchObject({ status: 500, message: "Database error saving new user" });
    const [count] = await standIn.sql`select count(*)::int as n from auth.users where email = ${email}`;
    expect(count!.n).toBe(0);
  });

  test("a recruiter sign-up creates the recruiter profile and drops the block from the metadata", async () => {
    const username = uniqueUsername("acme");
    const { data, error } = await standIn.anonClient().auth.signUp({
      email: uniqueEmail("recruiter"),
      password,
      options: { data: { full_name: "Rita Recruiter", user_type: "recruiter", recruiter_profile: { username, recruiter_type: "company", company_name: "Acme" } } },
    });
    expect(error).toBeNull();
    expect(data.user!.user_metadata).toEqual({ full_name: "Rita Recruiter", user_type: "recruiter", email_verified: true });
    expect(jwtPayload(data.session!.access_token).user_metadata).toEqual(data.user!.user_metadata);
    const [profile] = await standIn.sql`
      select p.user_type, r.username, r.company_name from public.profiles p join public.recruiter_profiles r on r.user_id = p.id where p.id = ${data.user!.id}`;
    expect(profile).toEqual({ user_type: "recruiter", username, company_name: "Acme" } as never);
    // Supabase Auth copies the sign-up data into the identity too; the block must not stay there.
    const [identity] = await standIn.sql`select identity_data from auth.identities where user_id = ${data.user!.id}`;
    expect(identity!.identity_data).toMatchObject({ full_name: "Rita Recruiter", user_type: "recruiter" });
    expect(identity!.identity_data).not.toHaveProperty("recruiter_profile");
  });

  test("a recruiter sign-up with a taken username fails whole: no auth user, identity or session remains", async () => {
    const username = uniqueUsername("taken");
    const first = await standIn.anonClient().auth.signUp({
      email: uniqueEmail("first"),
      password,
      options: { data: { user_type: "recruiter", recruiter_profile: { username, recruiter_type: "company", company_name: "First" } } },
    });
    expect(first.error).toBeNull();

    const email = uniqueEmail("second");
    const { error } = await standIn.anonClient().auth.signUp({
      email,
      password,
      options: { data: { user_type: "recruiter", recruiter_profile: { username: username.toUpperCase(), recruiter_type: "company", company_name: "Second" } } },
    });
    expect(error).toMatchObject({ status: 500, message: "Database error saving new user" });
    const [left] = await standIn.sql`
      select (select count(*) from auth.users where email = ${email})::int as users,
             (select count(*) from auth.identities where email = ${email})::int as identities,
             (select count(*) from public.profiles where email = ${email})::int as profiles`;
    expect(left).toEqual({ users: 0, identities: 0, profiles: 0 } as never);
    expect(standIn.logged).toContain("Database error saving new user");
  });
});

describe("sign-in", () => {
  test("issues a new session and moves last_sign_in_at, which the trigger copies to profiles.last_login", async () => {
    const { user, email, session: first } = await signUpCandidate();
    const before = await lastSignIn(user.id);
    const { data, error } = await standIn.anonClient().auth.signInWithPassword({ email, password });
    expect(error).toBeNull();
    expect(data.user!.id).toBe(user.id);
    expect(data.session!.refresh_token).not.toBe(first.refresh_token);
    expect(jwtPayload(data.session!.access_token).session_id).not.toBe(jwtPayload(first.access_token).session_id);
    const after = await lastSignIn(user.id);
    expect(after.last_sign_in_at.getTime()).toBeGreaterThan(before.last_sign_in_at.getTime());
    expect(after.last_login).toEqual(after.last_sign_in_at);
    const [sessions] = await standIn.sql`select count(*)::int as n from auth.sessions where user_id = ${user.id}`;
    expect(sessions!.n).toBe(2);
  });

  test("finds the account whatever the email's case", async () => {
    const { email } = await signUpCandidate();
    const { error } = await standIn.anonClient().auth.signInWithPassword({ email: email.toUpperCase(), password });
    expect(error).toBeNull();
  });

  test("a wrong password and an unknown email are the same invalid_credentials (400)", async () => {
    const { email } = await signUpCandidate();
    const wrong = await standIn.anonClient().auth.signInWithPassword({ email, password: `${password}!` });
    const unknown = await standIn.anonClient().auth.signInWithPassword({ email: uniqueEmail("nobody"), password });
    for (const { error, data } of [wrong, unknown]) {
      expect(error).toBeInstanceOf(AuthApiError);
      expect({ status: error!.status, code: error!.code, message: error!.message }).toEqual({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
      expect(data.session).toBeNull();
    }
  });
});

describe("tokens", () => {
  test("carry Supabase's claim set, ES256 with the published kid", async () => {
    const { user, session } = await signUpCandidate();
    expect(jwtHeader(session.access_token)).toEqual({ alg: "ES256", kid: standIn.signingKey.kid, typ: "JWT" });
    const claims = jwtPayload(session.access_token);
    expect(Object.keys(claims)).toEqual(["iss", "sub", "aud", "exp", "iat", "email", "phone", "app_metadata", "user_metadata", "role", "aal", "amr", "session_id", "is_anonymous"]);
    expect(claims).toMatchObject({ iss: standIn.issuer, sub: user.id, aud: "authenticated", email: user.email, phone: "", role: "authenticated", aal: "aal1", is_anonymous: false });
    expect((claims.exp as number) - (claims.iat as number)).toBe(1800);
    expect(claims.amr).toEqual([{ method: "password", timestamp: expect.any(Number) }]);
  });

  test("verify with src/auth through the stand-in's JWKS over HTTP", async () => {
    const { user, session } = await signUpCandidate();
    const verifier = createJwtVerifier({ jwksUrl: standIn.jwksUrl, issuer: standIn.issuer, legacyJwtSecret: standIn.legacyJwtSecret });
    const claims = await verifier.verifyAccessToken(session.access_token);
    expect(claims.sub).toBe(user.id);
    expect(claims.role).toBe("authenticated");
  });

  test("the JWKS is public and holds only the public half", async () => {
    const response = await fetch(standIn.jwksUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=600");
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toEqual([
      { alg: "ES256", crv: "P-256", kid: standIn.signingKey.kid, key_ops: ["verify"], kty: "EC", use: "sig", x: standIn.signingKey.x, y: standIn.signingKey.y },
    ]);
  });

  test("getUser answers the user for a live session", async () => {
    const { client, user } = await signUpCandidate();
    const { data, error } = await client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: user.id, email: user.email, user_metadata: user.user_metadata });
  });
});

describe("refresh", () => {
  test("rotates: a new refresh token whose parent is the old one, which is revoked", async () => {
    const { client, session } = await signUpCandidate();
    const { data, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    const next = data.session!;
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect(jwtPayload(next.access_token).session_id).toBe(jwtPayload(session.access_token).session_id);
    const rows = await standIn.sql`select token, revoked, parent from auth.refresh_tokens where token in ${standIn.sql([session.refresh_token, next.refresh_token])} order by id`;
    expect(rows).toEqual([
      { token: session.refresh_token, revoked: true, parent: null },
      { token: next.refresh_token, revoked: false, parent: session.refresh_token },
    ] as never);
  });

  test("reusing the token just rotated hands back the current one (the client lost the answer)", async () => {
    const { session } = await signUpCandidate();
    const client = standIn.anonClient();
    const rotated = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const again = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(again.error).toBeNull();
    expect(again.data.session!.refresh_token).toBe(rotated.data.session!.refresh_token);
  });

  test("an older revoked token within the 10 s reuse interval still refreshes", async () => {
    const { session } = await signUpCandidate();
    const client = standIn.anonClient();
    await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const { data } = await client.auth.refreshSession(); // the grandchild: the first is no longer the active one's parent
    const reused = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reused.error).toBeNull();
    expect(reused.data.session!.refresh_token).not.toBe(data.session!.refresh_token);
  });

  test("an older revoked token past the reuse interval is refresh_token_already_used and revokes the whole session", async () => {
    const { session } = await signUpCandidate();
    const client = standIn.anonClient();
    await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const current = (await client.auth.refreshSession()).data.session!;
    // As if it had been revoked a minute ago (rather than waiting out the interval).
    await standIn.sql`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = ${session.refresh_token}`;

    const reused = await standIn.anonClient().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reused.error).toMatchObject({ status: 400, code: "refresh_token_already_used", message: "Invalid Refresh Token: Already Used" });
    const sessionId = jwtPayload(current.access_token).session_id as string;
    const [live] = await standIn.sql`select count(*)::int as n from auth.refresh_tokens where session_id = ${sessionId} and not revoked`;
    expect(live!.n).toBe(0);
  });

  test("an unknown token is refresh_token_not_found; a malformed one validation_failed", async () => {
    const unknown = await standIn.anonClient().auth.refreshSession({ refresh_token: "abcdefghijkl" });
    expect(unknown.error).toMatchObject({ status: 400, code: "refresh_token_not_found", message: "Invalid Refresh Token: Refresh Token Not Found" });
    const malformed = await standIn.anonClient().auth.refreshSession({ refresh_token: "short" });
    expect(malformed.error).toMatchObject({ status: 400, code: "validation_failed", message: "Refresh token is not valid" });
  });

  test("five refreshes of one token at once all get the same next token", async () => {
    const { session } = await signUpCandidate();
    const results = await Promise.all(Array.from({ length: 5 }, () => standIn.anonClient().auth.refreshSession({ refresh_token: session.refresh_token })));
    const tokens = new Set(results.map(({ data, error }) => (expect(error).toBeNull(), data.session!.refresh_token)));
    expect(tokens.size).toBe(1);
  });
});

describe("sign-out", () => {
  test("global sign-out ends every session: refresh tokens and access tokens stop working", async () => {
    const { client, user, email, session } = await signUpCandidate();
    const other = await standIn.anonClient().auth.signInWithPassword({ email, password });
    const { error } = await client.auth.signOut();
    expect(error).toBeNull();

    const [sessions] = await standIn.sql`select count(*)::int as n from auth.sessions where user_id = ${user.id}`;
    expect(sessions!.n).toBe(0);
    for (const refreshToken of [session.refresh_token, other.data.session!.refresh_token]) {
      const refreshed = await standIn.anonClient().auth.refreshSession({ refresh_token: refreshToken });
      expect(refreshed.error).toMatchObject({ status: 400, code: "refresh_token_not_found" });
    }
    // The JWT is still signed and unexpired, but its session is gone.
    const lookedUp = await standIn.anonClient().auth.getUser(session.access_token);
    expect(lookedUp.error).toBeInstanceOf(AuthSessionMissingError);
  });

  test("scope local ends this session only; scope others every other one", async () => {
    const { email, user } = await signUpCandidate();
    const sessions = await Promise.all([1, 2, 3].map(async () => (await standIn.anonClient().auth.signInWithPassword({ email, password })).data.session!));
    const sessionIds = sessions.map((session) => jwtPayload(session.access_token).session_id as string);
    const admin = standIn.anonClient().auth.admin;

    expect((await admin.signOut(sessions[0]!.access_token, "local")).error).toBeNull();
    let live = (await standIn.sql`select id from auth.sessions where user_id = ${user.id}`).map((row) => row.id);
    expect(live).not.toContain(sessionIds[0]);
    expect(live).toContain(sessionIds[1]);

    expect((await admin.signOut(sessions[1]!.access_token, "others")).error).toBeNull();
    live = (await standIn.sql`select id from auth.sessions where user_id = ${user.id}`).map((row) => row.id);
    expect(live).toEqual([sessionIds[1]]);
  });
});

describe("admin", () => {
  test("createUser with the service-role key: confirmed, metadata merged, profile made, can sign in", async () => {
    const email = uniqueEmail("admin-made");
    const { data, error } = await standIn.serviceClient().auth.admin.createUser({
      email,
      password,
      email_confirm: true,
      user_metadata: { full_name: "Made By Admin", user_type: "recruiter" },
      app_metadata: { plan: "pro" },
    });
    expect(error).toBeNull();
    expect(data.user!.email_confirmed_at).toBeString();
    expect(data.user!.app_metadata).toEqual({ provider: "email", providers: ["email"], plan: "pro" });
    expect(data.user!.user_metadata).toEqual({ full_name: "Made By Admin", user_type: "recruiter", email_verified: true });
    expect(data.user!.last_sign_in_at).toBeUndefined();
    const [profile] = await standIn.sql`select user_type, full_name from public.profiles where id = ${data.user!.id}`;
    expect(profile).toEqual({ user_type: "recruiter", full_name: "Made By Admin" } as never);
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
  });

  test("createUser without email_confirm makes an account that cannot sign in yet", async () => {
    const email = uniqueEmail("unconfirmed");
    expect((await standIn.serviceClient().auth.admin.createUser({ email, password, user_metadata: { user_type: "candidate" } })).error).toBeNull();
    const { error } = await standIn.anonClient().auth.signInWithPassword({ email, password });
    expect(error).toMatchObject({ status: 400, code: "email_not_confirmed", message: "Email not confirmed" });
  });

  test("a recruiter made with email_confirm keeps its profile, and the block stays out of user_metadata and tokens", async () => {
    // GoTrue's admin API writes the metadata it was sent back when it confirms the email
    // (see store.test.ts); the migrations' update trigger must drop the block again.
    const metadata = (username: string) => ({ user_type: "recruiter", recruiter_profile: { username, recruiter_type: "company", company_name: "Acme", phone: "+15550100" } });
    const admin = standIn.serviceClient().auth.admin;
    const emails = [uniqueEmail("confirmed"), uniqueEmail("unconfirmed")];
    const confirmed = await admin.createUser({ email: emails[0], password, email_confirm: true, user_metadata: metadata(uniqueUsername("confirmed")) });
    const unconfirmed = await admin.createUser({ email: emails[1], password, user_metadata: metadata(uniqueUsername("unconfirmed")) });
    const rows = await standIn.sql`
      select u.raw_user_meta_data ? 'recruiter_profile' as keeps_block, r.phone
        from auth.users u join public.recruiter_profiles r on r.user_id = u.id
       where u.id in ${standIn.sql([confirmed.data.user!.id, unconfirmed.data.user!.id])}`;
    expect(rows).toEqual([{ keeps_block: false, phone: "+15550100" }, { keeps_block: false, phone: "+15550100" }] as never);
    const { data } = await standIn.anonClient().auth.signInWithPassword({ email: emails[0]!, password });
    expect(jwtPayload(data.session!.access_token).user_metadata).toEqual({ user_type: "recruiter", email_verified: true });
  });

  test("createUser of a taken email is email_exists (422)", async () => {
    const { email } = await signUpCandidate();
    const { error } = await standIn.serviceClient().auth.admin.createUser({ email, password, email_confirm: true });
    expect(error).toMatchObject({ status: 422, code: "email_exists", message: "A user with this email address has already been registered" });
  });

  test("the anon key and a user's token are not_admin (403); no token is no_authorization (401)", async () => {
    const asAnon = await standIn.anonClient().auth.admin.createUser({ email: uniqueEmail("nope"), password });
    expect(asAnon.error).toMatchObject({ status: 403, code: "not_admin", message: "User not allowed" });

    const { session } = await signUpCandidate();
    const asUser = await fetch(`${standIn.url}/auth/v1/admin/users`, {
      method: "POST",
      headers: { apikey: standIn.anonKey, authorization: `Bearer ${session.access_token}`, "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ email: uniqueEmail("nope"), password }),
    });
    expect([asUser.status, await asUser.json()]).toEqual([403, { code: "not_admin", message: "User not allowed" }]);

    const anonymous = await fetch(`${standIn.url}/auth/v1/admin/users`, { method: "POST", headers: { apikey: standIn.anonKey }, body: "{}" });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 401, error_code: "no_authorization", msg: "This endpoint requires a valid Bearer token" });
  });

  test("deleteUser removes the user, its identities, sessions and profile", async () => {
    const { user } = await signUpCandidate();
    expect((await standIn.serviceClient().auth.admin.getUserById(user.id)).data.user?.email).toBe(user.email);
    const { error } = await standIn.serviceClient().auth.admin.deleteUser(user.id);
    expect(error).toBeNull();
    const [left] = await standIn.sql`
      select (select count(*) from auth.users where id = ${user.id})::int as users,
             (select count(*) from auth.identities where user_id = ${user.id})::int as identities,
             (select count(*) from auth.sessions where user_id = ${user.id})::int as sessions,
             (select count(*) from public.profiles where id = ${user.id})::int as profiles`;
    expect(left).toEqual({ users: 0, identities: 0, sessions: 0, profiles: 0 } as never);
    const again = await standIn.serviceClient().auth.admin.deleteUser(user.id);
    expect(again.error).toMatchObject({ status: 404, code: "user_not_found" });
  });

  test("soft delete keeps the row but wipes what identifies the user and ends the sessions", async () => {
    const { user, email } = await signUpCandidate();
    expect((await standIn.serviceClient().auth.admin.deleteUser(user.id, true)).error).toBeNull();
    const [row] = await standIn.sql`
      select email, encrypted_password, raw_user_meta_data, deleted_at is not null as deleted,
             (select count(*) from auth.sessions where user_id = ${user.id})::int as sessions
        from auth.users where id = ${user.id}`;
    expect(row).toMatchObject({ encrypted_password: null, raw_user_meta_data: {}, deleted: true, sessions: 0 });
    expect(row!.email).not.toBe(email);
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toMatchObject({ code: "invalid_credentials" });
  });
});

describe("HTTP details", () => {
  const call = (path: string, init: RequestInit = {}) => fetch(`${standIn.url}/auth/v1${path}`, init);

  test("without X-Supabase-Api-Version errors take GoTrue's initial shape", async () => {
    const response = await call("/token?grant_type=password", {
      method: "POST",
      headers: { apikey: standIn.anonKey, "content-type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail("nobody"), password }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-sb-error-code")).toBe("invalid_credentials");
    expect(response.headers.get("x-supabase-api-version")).toBeNull();
    expect(await response.json()).toEqual({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });
  });

  test("in the initial shape a trigger's unique violation passes through as GoTrue does", async () => {
    const username = uniqueUsername("dup");
    const signUp = (email: string) =>
      call("/signup", {
        method: "POST",
        headers: { apikey: standIn.anonKey, "content-type": "application/json" },
        body: JSON.stringify({ email, password, data: { user_type: "recruiter", recruiter_profile: { username, recruiter_type: "company", company_name: "X" } } }),
      });
    expect((await signUp(uniqueEmail("dup-a"))).status).toBe(200);
    const refused = await signUp(uniqueEmail("dup-b"));
    expect(refused.status).toBe(500);
    expect(await refused.json()).toMatchObject({ code: "23505", message: expect.stringContaining("recruiter_profiles_username_lower_key") });
  });

  test("an unknown grant type, bad JSON, an unknown path", async () => {
    const headers = { apikey: standIn.anonKey, "x-supabase-api-version": "2024-01-01" };
    const grant = await call("/token?grant_type=magic", { method: "POST", headers, body: "{}" });
    expect([grant.status, await grant.json()]).toEqual([400, { code: "invalid_credentials", message: "unsupported_grant_type" }]);
    const badJson = await call("/signup", { method: "POST", headers, body: "{" });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { code: string }).code).toBe("bad_json");
    const unknown = await call("/nowhere", { headers });
    expect([unknown.status, await unknown.text()]).toEqual([404, "404 page not found\n"]);
  });

  test("the API gateway's apikey check: missing or unknown keys are refused, the JWKS is open", async () => {
    const missing = await call("/settings");
    expect([missing.status, await missing.json()]).toEqual([401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." }]);
    const wrong = await call("/settings", { headers: { apikey: "not-a-key" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe("Invalid API key");
    const settings = await call(`/settings?apikey=${standIn.anonKey}`);
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ disable_signup: false, mailer_autoconfirm: true, external: { email: true, phone: false } });
    const health = await call("/health", { headers: { apikey: standIn.serviceRoleKey } });
    expect(await health.json()).toMatchObject({ name: "GoTrue" });
  });

  test("GET /user refuses the anon key (no sub), a forged token and an expired one with 403 bad_jwt", async () => {
    const { session } = await signUpCandidate();
    const [header, payload] = session.access_token.split(".");
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...jwtPayload(session.access_token), role: "service_role" })).toString("base64url")}.${session.access_token.split(".")[2]}`;
    const expired = await new SignJWT({ ...jwtPayload(session.access_token), exp: Math.floor(Date.now() / 1000) - 5 })
      .setProtectedHeader({ alg: "ES256", kid: standIn.signingKey.kid, typ: "JWT" })
      .sign(await importSigningKey(standIn.signingKey));
    const cases: [string, number, string][] = [
      [expired, 403, "invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"],
      [standIn.anonKey, 403, "invalid claim: missing sub claim"],
      [tampered, 403, "invalid JWT: unable to parse or verify signature, token signature is invalid: signature is invalid"],
      [`${header}.${payload}`, 403, "invalid JWT: unable to parse or verify signature, token is malformed: token contains an invalid number of segments"],
    ];
    for (const [token, status, message] of cases) {
      const response = await call("/user", { headers: { apikey: standIn.anonKey, authorization: `Bearer ${token}`, "x-supabase-api-version": "2024-01-01" } });
      expect([response.status, await response.json()]).toEqual([status, { code: "bad_jwt", message }]);
    }
  });
});
