// The admin users API through supabase-js's auth.admin with the service-role key.
import { describe, expect, test } from "bun:test";
import { testPassword as password } from "../../support/accounts.ts";
import { signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { jwtClaims } from "../../support/jwt.ts";
import { uniqueEmail, uniqueUsername } from "../../support/personas.ts";

const standIn = useAuthStandIn();

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
    expect(jwtClaims(data.session!.access_token).user_metadata).toEqual({ user_type: "recruiter", email_verified: true });
  });

  test("createUser of a taken email is email_exists (422)", async () => {
    const { email } = await signUpCandidate(standIn);
    const { error } = await standIn.serviceClient().auth.admin.createUser({ email, password, email_confirm: true });
    expect(error).toMatchObject({ status: 422, code: "email_exists", message: "A user with this email address has already been registered" });
  });

  test("the anon key and a user's token are not_admin (403); no token is no_authorization (401)", async () => {
    const asAnon = await standIn.anonClient().auth.admin.createUser({ email: uniqueEmail("nope"), password });
    expect(asAnon.error).toMatchObject({ status: 403, code: "not_admin", message: "User not allowed" });

    const { session } = await signUpCandidate(standIn);
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
    const { user } = await signUpCandidate(standIn);
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
    const { user, email } = await signUpCandidate(standIn);
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

describe("admin: updateUserById", () => {
  const admin = () => standIn.serviceClient().auth.admin;

  test("user_metadata and app_metadata are merged (null deletes a key); a recruiter_profile block does not stay", async () => {
    const { user } = await signUpCandidate(standIn, "Ann Before");
    const { data, error } = await admin().updateUserById(user.id, {
      user_metadata: { full_name: null, headline: "Engineer", recruiter_profile: { username: uniqueUsername("late"), recruiter_type: "company" } },
      app_metadata: { plan: "pro" },
    });
    expect(error).toBeNull();
    expect(data.user!.user_metadata).toEqual({ user_type: "candidate", email_verified: true, headline: "Engineer" });
    expect(data.user!.app_metadata).toEqual({ provider: "email", providers: ["email"], plan: "pro" });
    const [row] = await standIn.sql`select raw_user_meta_data, raw_app_meta_data from auth.users where id = ${user.id}`;
    expect(row).toEqual({ raw_user_meta_data: data.user!.user_metadata, raw_app_meta_data: data.user!.app_metadata } as never);
  });

  test("a new email takes effect at once: users.email, the email identity, the profile, sign-in", async () => {
    const { user } = await signUpCandidate(standIn);
    const email = uniqueEmail("Renamed");
    const { data, error } = await admin().updateUserById(user.id, { email: email.toUpperCase(), email_confirm: true });
    expect(error).toBeNull();
    expect(data.user!.email).toBe(email.toLowerCase());
    expect(data.user!.identities?.map((identity) => identity.identity_data)).toEqual([expect.objectContaining({ email: email.toLowerCase(), email_verified: true })]);
    const [row] = await standIn.sql`
      select (select email from public.profiles where id = ${user.id}) as profile_email,
             (select email from auth.identities where user_id = ${user.id}) as identity_email`;
    expect(row).toEqual({ profile_email: email.toLowerCase(), identity_email: email.toLowerCase() } as never);
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
  });

  test("another account's email is email_exists (422), where GoTrue would answer its unique index's 500", async () => {
    const taken = await signUpCandidate(standIn);
    const { user, email } = await signUpCandidate(standIn);
    const { error } = await admin().updateUserById(user.id, { email: taken.email.toUpperCase() });
    expect(error).toMatchObject({ status: 422, code: "email_exists", message: "A user with this email address has already been registered" });
    const [row] = await standIn.sql`select email from auth.users where id = ${user.id}`;
    expect(row!.email).toBe(email);
  });

  test("a new password signs in and ends every session of the user", async () => {
    const { user, email, session } = await signUpCandidate(standIn);
    const newPassword = "set by an admin";
    expect((await admin().updateUserById(user.id, { password: newPassword })).error).toBeNull();
    const [sessions] = await standIn.sql`select count(*)::int as n from auth.sessions where user_id = ${user.id}`;
    expect(sessions!.n).toBe(0);
    expect((await standIn.anonClient().auth.refreshSession({ refresh_token: session.refresh_token })).error).toMatchObject({ code: "refresh_token_not_found" });
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toMatchObject({ code: "invalid_credentials" });
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password: newPassword })).error).toBeNull();
  });

  test("a too-short password is weak_password (422); email_confirm lets an unconfirmed user sign in", async () => {
    const email = uniqueEmail("unconfirmed");
    const created = await admin().createUser({ email, password, user_metadata: { user_type: "candidate" } });
    const weak = await admin().updateUserById(created.data.user!.id, { password: "12345" });
    expect(weak.error).toMatchObject({ status: 422, code: "weak_password", message: "Password should be at least 6 characters." });
    const { data, error } = await admin().updateUserById(created.data.user!.id, { email_confirm: true });
    expect(error).toBeNull();
    expect(data.user!.email_confirmed_at).toBeString();
    expect(data.user!.user_metadata).toEqual({ user_type: "candidate", email_verified: true });
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
  });

  test("role is set as given", async () => {
    const { user } = await signUpCandidate(standIn);
    const { data, error } = await admin().updateUserById(user.id, { role: "admin" });
    expect(error).toBeNull();
    expect(data.user!.role).toBe("admin");
  });

  test("an unknown user is user_not_found (404), a malformed id validation_failed (404), a phone the not-implemented error", async () => {
    expect((await admin().updateUserById(crypto.randomUUID(), { user_metadata: { x: 1 } })).error).toMatchObject({ status: 404, code: "user_not_found", message: "User not found" });
    // supabase-js checks the id itself; GoTrue's answer comes over plain HTTP.
    const malformed = await fetch(`${standIn.url}/auth/v1/admin/users/not-a-uuid`, {
      method: "PUT",
      headers: { apikey: standIn.serviceRoleKey, authorization: `Bearer ${standIn.serviceRoleKey}`, "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ user_metadata: { x: 1 } }),
    });
    expect([malformed.status, await malformed.json()]).toEqual([404, { code: "validation_failed", message: "user_id must be an UUID" }]);
    const { user } = await signUpCandidate(standIn);
    expect((await admin().updateUserById(user.id, { phone: "+15550100" })).error).toMatchObject({ status: 404, code: "feature_disabled" });
  });

  test("the anon key and a user's own token are not_admin (403)", async () => {
    const { user, session } = await signUpCandidate(standIn);
    expect((await standIn.anonClient().auth.admin.updateUserById(user.id, { ban_duration: "24h" })).error).toMatchObject({ status: 403, code: "not_admin" });
    const response = await fetch(`${standIn.url}/auth/v1/admin/users/${user.id}`, {
      method: "PUT",
      headers: { apikey: standIn.anonKey, authorization: `Bearer ${session.access_token}`, "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ ban_duration: "24h" }),
    });
    expect([response.status, await response.json()]).toEqual([403, { code: "not_admin", message: "User not allowed" }]);
    const [row] = await standIn.sql`select banned_until from auth.users where id = ${user.id}`;
    expect(row!.banned_until).toBeNull();
  });
});
