// GET /user and PUT /user (supabase-js getUser and updateUser) through the real
// supabase-js, against the migrated database: what the caller gets back, what lands in
// auth.users, and which sessions survive.
import { describe, expect, test } from "bun:test";
import { AuthSessionMissingError, AuthWeakPasswordError } from "@supabase/supabase-js";
import { testPassword as password } from "../../support/accounts.ts";
import { apiError, signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { jwtClaims } from "../../support/jwt.ts";
import { uniqueEmail, uniqueUsername } from "../../support/personas.ts";

const standIn = useAuthStandIn();

const newPassword = "another correct horse";

async function storedUser(userId: string) {
  const [row] = await standIn.sql`
    select email, raw_user_meta_data, email_change, email_change_token_new, email_change_token_current,
           email_change_confirm_status, email_change_sent_at is not null as change_sent,
           (select email from public.profiles where id = ${userId}) as profile_email
      from auth.users where id = ${userId}`;
  return row!;
}

describe("GET /user", () => {
  test("getUser answers the user for a live session", async () => {
    const { client, user } = await signUpCandidate(standIn);
    const { data, error } = await client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: user.id, email: user.email, user_metadata: user.user_metadata });
  });
});

describe("PUT /user: user_metadata", () => {
  test("data is merged into user_metadata (null deletes a key), answered, stored and in the next token", async () => {
    const { client, user } = await signUpCandidate(standIn, "Ann Before");
    const { data, error } = await client.auth.updateUser({ data: { headline: "Engineer", full_name: null } });
    expect(error).toBeNull();
    const expected = { user_type: "candidate", email_verified: true, headline: "Engineer" };
    expect(data.user!.user_metadata).toEqual(expected);
    expect(data.user!.updated_at! > user.updated_at!).toBe(true);
    expect((await storedUser(user.id)).raw_user_meta_data).toEqual(expected);
    // supabase-js keeps the answer as its session's user; a refresh brings it into the token.
    expect((await client.auth.getSession()).data.session!.user.user_metadata).toEqual(expected);
    const refreshed = await client.auth.refreshSession();
    expect(jwtClaims(refreshed.data.session!.access_token).user_metadata).toEqual(expected);
  });

  test("a recruiter_profile block never stays in auth.users, and makes no recruiter profile", async () => {
    const { client, user } = await signUpCandidate(standIn);
    const block = { username: uniqueUsername("late"), recruiter_type: "company", company_name: "Late Corp", phone: "+15550100" };
    const { data, error } = await client.auth.updateUser({ data: { recruiter_profile: block, headline: "Hiring" } });
    expect(error).toBeNull();
    expect(data.user!.user_metadata).toEqual({ full_name: "Ann Candidate", user_type: "candidate", email_verified: true, headline: "Hiring" });
    expect((await storedUser(user.id)).raw_user_meta_data).not.toHaveProperty("recruiter_profile");
    const [profiles] = await standIn.sql`select count(*)::int as n from public.recruiter_profiles where user_id = ${user.id}`;
    expect(profiles!.n).toBe(0);
  });

  test("ten updates at once each keep the others' keys (one update of a user at a time)", async () => {
    const { user, session } = await signUpCandidate(standIn);
    const updates = Array.from({ length: 10 }, (_, index) =>
      fetch(`${standIn.url}/auth/v1/user`, {
        method: "PUT",
        headers: { apikey: standIn.anonKey, authorization: `Bearer ${session.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ data: { [`key${index}`]: index } }),
      }),
    );
    expect((await Promise.all(updates)).map((response) => response.status)).toEqual(Array(10).fill(200));
    const metadata = (await storedUser(user.id)).raw_user_meta_data as Record<string, unknown>;
    expect(Array.from({ length: 10 }, (_, index) => metadata[`key${index}`])).toEqual(Array.from({ length: 10 }, (_, index) => index));
  });

  test("app_metadata is for admins: a user's own token is not_admin (403)", async () => {
    const { client } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ data: { plan: "pro" }, app_metadata: { plan: "pro" } } as never);
    expect(apiError(error)).toEqual({ status: 403, code: "not_admin", message: "Updating app_metadata requires admin privileges" });
  });
});

describe("PUT /user: password", () => {
  test("the new password signs in, the old one no longer; other sessions end, this one stays", async () => {
    const { client, email, user, session } = await signUpCandidate(standIn);
    const elsewhere = (await standIn.anonClient().auth.signInWithPassword({ email, password })).data.session!;

    const { data, error } = await client.auth.updateUser({ password: newPassword });
    expect(error).toBeNull();
    expect(data.user!.id).toBe(user.id);

    const withOld = await standIn.anonClient().auth.signInWithPassword({ email, password });
    expect(apiError(withOld.error)).toEqual({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password: newPassword })).error).toBeNull();
    // GoTrue's LogoutAllExceptMe: the session that changed the password is the one left of the old ones.
    const other = await standIn.anonClient().auth.refreshSession({ refresh_token: elsewhere.refresh_token });
    expect(apiError(other.error)).toMatchObject({ status: 400, code: "refresh_token_not_found" });
    expect((await standIn.anonClient().auth.getUser(elsewhere.access_token)).error).toBeInstanceOf(AuthSessionMissingError);
    const own = await client.auth.refreshSession();
    expect(own.error).toBeNull();
    expect(jwtClaims(own.data.session!.access_token).session_id).toBe(jwtClaims(session.access_token).session_id);
  });

  test("a password change clears pending tokens, as GoTrue's UpdatePassword does", async () => {
    const { client, user } = await signUpCandidate(standIn);
    expect((await client.auth.updateUser({ email: uniqueEmail("pending") })).error).toBeNull();
    expect((await storedUser(user.id)).change_sent).toBe(true);
    expect((await client.auth.updateUser({ password: newPassword })).error).toBeNull();
    expect(await storedUser(user.id)).toMatchObject({ email_change_token_new: "", email_change_token_current: "", change_sent: false });
  });

  test("the same password again is same_password (422)", async () => {
    const { client } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ password });
    expect(apiError(error)).toEqual({ status: 422, code: "same_password", message: "New password should be different from the old password." });
  });

  test("a too-short password is weak_password (422) with its reason; the old one still works", async () => {
    const { client, email } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ password: "12345" });
    expect(error).toBeInstanceOf(AuthWeakPasswordError);
    expect(error).toMatchObject({ status: 422, code: "weak_password", message: "Password should be at least 6 characters.", reasons: ["length"] });
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
  });

  test("a password past bcrypt's 72 bytes is validation_failed (400)", async () => {
    const { client } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ password: "x".repeat(73) });
    expect(apiError(error)).toEqual({ status: 400, code: "validation_failed", message: "Password cannot be longer than 72 characters" });
  });
});

describe("PUT /user: email", () => {
  test("a new email is a pending change (new_email), as GoTrue records it; users.email and sign-in stay as they are", async () => {
    const { client, email, user } = await signUpCandidate(standIn);
    const wanted = uniqueEmail("New.Address");
    const { data, error } = await client.auth.updateUser({ email: wanted.toUpperCase() });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, new_email: wanted.toLowerCase(), email_change_sent_at: expect.any(String) });

    const stored = await storedUser(user.id);
    expect(stored).toMatchObject({ email, profile_email: email, email_change: wanted.toLowerCase(), email_change_confirm_status: 0, change_sent: true });
    // Hashes of the codes the confirmation emails would carry: to the new address, and (double confirm) to the current one.
    expect(stored.email_change_token_new).toMatch(/^[0-9a-f]{56}$/);
    expect(stored.email_change_token_current).toMatch(/^[0-9a-f]{56}$/);
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
    const withNew = await standIn.anonClient().auth.signInWithPassword({ email: wanted, password });
    expect(apiError(withNew.error)).toMatchObject({ code: "invalid_credentials" });
  });

  test("the current email, in any case, changes nothing", async () => {
    const { client, email, user } = await signUpCandidate(standIn);
    const { data, error } = await client.auth.updateUser({ email: email.toUpperCase() });
    expect(error).toBeNull();
    expect(data.user!.new_email).toBeUndefined();
    expect((await storedUser(user.id)).email_change).toBe("");
  });

  test("another account's email, in any case, is email_exists (422)", async () => {
    const taken = await signUpCandidate(standIn);
    const { client, user } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ email: taken.email.toUpperCase() });
    expect(apiError(error)).toEqual({ status: 422, code: "email_exists", message: "A user with this email address has already been registered" });
    expect((await storedUser(user.id)).email_change).toBe("");
  });

  test("a malformed email is validation_failed (400), and nothing else in the request is applied", async () => {
    const { client, user } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ email: "not-an-email", data: { headline: "never stored" } });
    expect(apiError(error)).toEqual({ status: 400, code: "validation_failed", message: "Unable to validate email address: invalid format" });
    expect((await storedUser(user.id)).raw_user_meta_data).not.toHaveProperty("headline");
  });
});

describe("PUT /user: what it refuses", () => {
  test("a phone number is not implemented locally: GoTrue's error saying so", async () => {
    const { client } = await signUpCandidate(standIn);
    const { error } = await client.auth.updateUser({ phone: "+15550100" });
    expect(apiError(error)).toEqual({
      status: 404,
      code: "feature_disabled",
      message:
        "Phone numbers (a user's phone, phone sign-in) is not implemented by the local Supabase Auth stand-in (npm start). Locally, users have an email and a password. Run `supabase start` for the full Supabase Auth.",
    });
  });

  test("no session: supabase-js refuses before asking; over HTTP it is GoTrue's 401 no_authorization", async () => {
    const { error } = await standIn.anonClient().auth.updateUser({ data: { headline: "x" } });
    expect(error).toBeInstanceOf(AuthSessionMissingError);
    const response = await fetch(`${standIn.url}/auth/v1/user`, {
      method: "PUT",
      headers: { apikey: standIn.anonKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ data: { headline: "x" } }),
    });
    expect([response.status, await response.json()]).toEqual([401, { code: "no_authorization", message: "This endpoint requires a valid Bearer token" }]);
  });

  test("a signed-out session's token is session_not_found (403)", async () => {
    const { client, session } = await signUpCandidate(standIn);
    expect((await client.auth.signOut()).error).toBeNull();
    const response = await fetch(`${standIn.url}/auth/v1/user`, {
      method: "PUT",
      headers: { apikey: standIn.anonKey, authorization: `Bearer ${session.access_token}`, "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ data: { headline: "x" } }),
    });
    expect([response.status, await response.json()]).toEqual([403, { code: "session_not_found", message: "Session from session_id claim in JWT does not exist" }]);
  });
});
