// POST /logout through the real supabase-js: which sessions each scope ends.
import { describe, expect, test } from "bun:test";
import { AuthSessionMissingError } from "@supabase/supabase-js";
import { testPassword as password } from "../../support/accounts.ts";
import { signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { jwtClaims } from "../../support/jwt.ts";

const standIn = useAuthStandIn();

describe("sign-out", () => {
  test("global sign-out ends every session: refresh tokens and access tokens stop working", async () => {
    const { client, user, email, session } = await signUpCandidate(standIn);
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
    const { email, user } = await signUpCandidate(standIn);
    const sessions = await Promise.all([1, 2, 3].map(async () => (await standIn.anonClient().auth.signInWithPassword({ email, password })).data.session!));
    const sessionIds = sessions.map((session) => jwtClaims(session.access_token).session_id as string);
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
