// POST /signup through the real supabase-js over real HTTP, against the migrated
// database: what frontends see, and what lands in the tables (our triggers included).
import { describe, expect, test } from "bun:test";
import { AuthApiError, AuthRetryableFetchError, AuthWeakPasswordError } from "@supabase/supabase-js";
import { testPassword as password } from "../../support/accounts.ts";
import { lastSignIn, signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { jwtClaims } from "../../support/jwt.ts";
import { uniqueEmail, uniqueUsername } from "../../support/personas.ts";

const standIn = useAuthStandIn();

describe("sign-up", () => {
  test("returns a session at once (autoconfirm) and the trigger makes the profile", async () => {
    const { user, session } = await signUpCandidate(standIn, "Ann Example");
    expect(session.token_type).toBe("bearer");
    expect(session.expires_in).toBe(1800);
    expect(session.refresh_token).toMatch(/^[a-z2-7]{12}$/);
    expect(user.email_confirmed_at).toBeString();
    expect(user.user_metadata).toEqual({ full_name: "Ann Example", user_type: "candidate", email_verified: true });
    expect(user.app_metadata).toEqual({ provider: "email", providers: ["email"] });
    expect(user.identities?.map((identity) => [identity.provider, identity.id])).toEqual([["email", user.id]]);

    const [profile] = await standIn.sql`select email, full_name, user_type, last_login from public.profiles where id = ${user.id}`;
    expect(profile).toMatchObject({ email: user.email, full_name: "Ann Example", user_type: "candidate" });
    const times = await lastSignIn(standIn, user.id);
    expect(times.last_login).toEqual(times.last_sign_in_at);
  });

  test("writes the rows Supabase Auth writes: user, identity, session, refresh token", async () => {
    const { user, session } = await signUpCandidate(standIn);
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

    const sessionId = jwtClaims(session.access_token).session_id;
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
    const { email } = await signUpCandidate(standIn);
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
    expect(jwtClaims(data.session!.access_token).user_metadata).toEqual(data.user!.user_metadata);
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
