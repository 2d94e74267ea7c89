// Banned users, as Supabase Auth treats them: auth.admin.updateUserById(id, { ban_duration })
// sets auth.users.banned_until, and while it lies ahead GoTrue refuses the password grant,
// the refresh-token grant and every request with a still-valid access token.
import { describe, expect, test } from "bun:test";
import { testPassword as password } from "../../support/accounts.ts";
import { apiError, signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";

const standIn = useAuthStandIn();

const admin = () => standIn.serviceClient().auth.admin;

async function bannedUntil(userId: string): Promise<Date | null> {
  const [row] = await standIn.sql`select banned_until from auth.users where id = ${userId}`;
  return row!.banned_until as Date | null;
}

/** A candidate signed in twice, each session with its own client, and a fresh refresh token to spare. */
async function bannableCandidate() {
  const signedUp = await signUpCandidate(standIn);
  const other = standIn.anonClient();
  const { data } = await other.auth.signInWithPassword({ email: signedUp.email, password });
  return { ...signedUp, other, otherSession: data.session! };
}

describe("ban_duration through the admin API", () => {
  test("a Go duration sets banned_until that far ahead, answered and stored; 'none' lifts it", async () => {
    const { user } = await signUpCandidate(standIn);
    const before = Date.now();
    const banned = await admin().updateUserById(user.id, { ban_duration: "24h" });
    expect(banned.error).toBeNull();
    const until = (await bannedUntil(user.id))!.getTime();
    expect(until - before).toBeGreaterThanOrEqual(24 * 3600_000 - 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(new Date(banned.data.user!.banned_until!).getTime()).toBe(until);
    expect((await admin().getUserById(user.id)).data.user!.banned_until).toBe(banned.data.user!.banned_until);

    const lifted = await admin().updateUserById(user.id, { ban_duration: "none" });
    expect(lifted.error).toBeNull();
    expect(lifted.data.user!.banned_until).toBeUndefined();
    expect(await bannedUntil(user.id)).toBeNull();
  });

  test("'876000h' (a hundred years) and combined units parse as Go parses them", async () => {
    const { user } = await signUpCandidate(standIn);
    expect((await admin().updateUserById(user.id, { ban_duration: "876000h" })).error).toBeNull();
    expect(new Date((await bannedUntil(user.id))!).getUTCFullYear()).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 99);
    expect((await admin().updateUserById(user.id, { ban_duration: "1h30m" })).error).toBeNull();
    expect((await bannedUntil(user.id))!.getTime() - Date.now()).toBeGreaterThan(89 * 60_000);
  });

  test("a duration Go cannot parse is validation_failed (400), and nothing changes", async () => {
    const { user } = await signUpCandidate(standIn);
    for (const duration of ["forever", "24", "8760000h"]) {
      const { error } = await admin().updateUserById(user.id, { ban_duration: duration });
      expect(apiError(error)).toEqual({ status: 400, code: "validation_failed", message: `invalid format for ban duration: time: invalid duration "${duration}"` });
    }
    expect(await bannedUntil(user.id)).toBeNull();
  });
});

describe("while banned", () => {
  test("sign-in is user_banned (400), even with the right password", async () => {
    const { user, email } = await signUpCandidate(standIn);
    expect((await admin().updateUserById(user.id, { ban_duration: "24h" })).error).toBeNull();
    const { data, error } = await standIn.anonClient().auth.signInWithPassword({ email, password });
    expect(apiError(error)).toEqual({ status: 400, code: "user_banned", message: "User is banned" });
    expect(data.session).toBeNull();
  });

  test("refreshing is user_banned (400)", async () => {
    const { user, client } = await signUpCandidate(standIn);
    expect((await admin().updateUserById(user.id, { ban_duration: "24h" })).error).toBeNull();
    const { error } = await client.auth.refreshSession();
    expect(apiError(error)).toEqual({ status: 400, code: "user_banned", message: "Invalid Refresh Token: User Banned" });
  });

  test("an access token issued before the ban is refused: getUser, updateUser and signOut are user_banned (403)", async () => {
    const { user, client, session } = await signUpCandidate(standIn);
    expect((await admin().updateUserById(user.id, { ban_duration: "24h" })).error).toBeNull();
    const refused = { status: 403, code: "user_banned", message: "User is banned" };
    expect(apiError((await standIn.anonClient().auth.getUser(session.access_token)).error)).toEqual(refused);
    expect(apiError((await client.auth.updateUser({ data: { headline: "x" } })).error)).toEqual(refused);
    // (client.auth.signOut() would hide a 403; auth.admin.signOut shows what came back.)
    expect(apiError((await standIn.anonClient().auth.admin.signOut(session.access_token, "global")).error)).toEqual(refused);
    const [sessions] = await standIn.sql`select count(*)::int as n from auth.sessions where user_id = ${user.id}`;
    expect(sessions!.n).toBe(1);
  });

  test("a ban whose time has passed is no ban", async () => {
    const { user, email } = await signUpCandidate(standIn);
    await standIn.sql`update auth.users set banned_until = now() - interval '1 second' where id = ${user.id}`;
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
  });
});

describe("after 'none'", () => {
  test("sign-in works again, and the sessions the ban found are usable again (GoTrue's ban ends no session)", async () => {
    const { user, email, client, session, other, otherSession } = await bannableCandidate();
    expect((await admin().updateUserById(user.id, { ban_duration: "876000h" })).error).toBeNull();
    const [sessions] = await standIn.sql`select count(*)::int as n from auth.sessions where user_id = ${user.id}`;
    expect(sessions!.n).toBe(2);
    expect(apiError((await other.auth.refreshSession()).error)).toMatchObject({ code: "user_banned" });

    expect((await admin().updateUserById(user.id, { ban_duration: "none" })).error).toBeNull();
    expect((await standIn.anonClient().auth.signInWithPassword({ email, password })).error).toBeNull();
    const refreshed = await standIn.anonClient().auth.refreshSession({ refresh_token: otherSession.refresh_token });
    expect(refreshed.error).toBeNull();
    expect((await standIn.anonClient().auth.getUser(session.access_token)).data.user!.id).toBe(user.id);
    expect((await client.auth.refreshSession()).error).toBeNull();
  });
});
