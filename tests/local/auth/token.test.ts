// POST /token through the real supabase-js: the password grant, the access tokens it
// issues, and the refresh-token grant with rotation and reuse detection.
import { describe, expect, test } from "bun:test";
import { AuthApiError } from "@supabase/supabase-js";
import { createJwtVerifier } from "../../../src/auth/index.ts";
import { testPassword as password } from "../../support/accounts.ts";
import { lastSignIn, signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { jwtClaims, jwtHeader } from "../../support/jwt.ts";
import { uniqueEmail } from "../../support/personas.ts";

const standIn = useAuthStandIn();

describe("sign-in", () => {
  test("issues a new session and moves last_sign_in_at, which the trigger copies to profiles.last_login", async () => {
    const { user, email, session: first } = await signUpCandidate(standIn);
    const before = await lastSignIn(standIn, user.id);
    const { data, error } = await standIn.anonClient().auth.signInWithPassword({ email, password });
    expect(error).toBeNull();
    expect(data.user!.id).toBe(user.id);
    expect(data.session!.refresh_token).not.toBe(first.refresh_token);
    expect(jwtClaims(data.session!.access_token).session_id).not.toBe(jwtClaims(first.access_token).session_id);
    const after = await lastSignIn(standIn, user.id);
    expect(after.last_sign_in_at.getTime()).toBeGreaterThan(before.last_sign_in_at.getTime());
    expect(after.last_login).toEqual(after.last_sign_in_at);
    const [sessions] = await standIn.sql`select count(*)::int as n from auth.sessions where user_id = ${user.id}`;
    expect(sessions!.n).toBe(2);
  });

  test("finds the account whatever the email's case", async () => {
    const { email } = await signUpCandidate(standIn);
    const { error } = await standIn.anonClient().auth.signInWithPassword({ email: email.toUpperCase(), password });
    expect(error).toBeNull();
  });

  test("a wrong password and an unknown email are the same invalid_credentials (400)", async () => {
    const { email } = await signUpCandidate(standIn);
    const wrong = await standIn.anonClient().auth.signInWithPassword({ email, password: `${password}!` });
    const unknown = await standIn.anonClient().auth.signInWithPassword({ email: uniqueEmail("nobody"), password });
    for (const { error, data } of [wrong, unknown]) {
      expect(error).toBeInstanceOf(AuthApiError);
      expect({ status: error!.status, code: error!.code, message: error!.message }).toEqual({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
      expect(data.session).toBeNull();
    }
  });
  test("the session keeps the client's address; a forwarded value that is no IP address is passed over, never a failed sign-in", async () => {
    const { email } = await signUpCandidate(standIn);
    for (const [forwardedFor, expectedIp] of [
      ["198.51.100.7, 10.0.0.1", "198.51.100.7"],
      // Hex digits and colons, yet no IPv6 address: Postgres's inet would refuse it.
      ["1:2, 10.0.0.1", "127.0.0.1"],
    ] as const) {
      const answer = await fetch(`${standIn.url}/auth/v1/token?grant_type=password`, {
        method: "POST",
        headers: { apikey: standIn.anonKey, "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({ email, password }),
      });
      expect([forwardedFor, answer.status]).toEqual([forwardedFor, 200]);
      const { access_token: accessToken } = (await answer.json()) as { access_token: string };
      const [session] = await standIn.sql`select host(ip) as ip from auth.sessions where id = ${jwtClaims(accessToken).session_id as string}`;
      expect([forwardedFor, session!.ip]).toEqual([forwardedFor, expectedIp]);
    }
  });
});

describe("tokens", () => {
  test("carry Supabase's claim set, ES256 with the published kid", async () => {
    const { user, session } = await signUpCandidate(standIn);
    expect(jwtHeader(session.access_token)).toEqual({ alg: "ES256", kid: standIn.signingKey.kid, typ: "JWT" });
    const claims = jwtClaims(session.access_token);
    expect(Object.keys(claims)).toEqual(["iss", "sub", "aud", "exp", "iat", "email", "phone", "app_metadata", "user_metadata", "role", "aal", "amr", "session_id", "is_anonymous"]);
    expect(claims).toMatchObject({ iss: standIn.issuer, sub: user.id, aud: "authenticated", email: user.email, phone: "", role: "authenticated", aal: "aal1", is_anonymous: false });
    expect((claims.exp as number) - (claims.iat as number)).toBe(1800);
    expect(claims.amr).toEqual([{ method: "password", timestamp: expect.any(Number) }]);
  });

  test("verify with src/auth through the stand-in's JWKS over HTTP", async () => {
    const { user, session } = await signUpCandidate(standIn);
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
});

describe("refresh", () => {
  test("rotates: a new refresh token whose parent is the old one, which is revoked", async () => {
    const { client, session } = await signUpCandidate(standIn);
    const { data, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    const next = data.session!;
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect(jwtClaims(next.access_token).session_id).toBe(jwtClaims(session.access_token).session_id);
    const rows = await standIn.sql`select token, revoked, parent from auth.refresh_tokens where token in ${standIn.sql([session.refresh_token, next.refresh_token])} order by id`;
    expect(rows).toEqual([
      { token: session.refresh_token, revoked: true, parent: null },
      { token: next.refresh_token, revoked: false, parent: session.refresh_token },
    ] as never);
  });

  test("reusing the token just rotated hands back the current one (the client lost the answer)", async () => {
    const { session } = await signUpCandidate(standIn);
    const client = standIn.anonClient();
    const rotated = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const again = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(again.error).toBeNull();
    expect(again.data.session!.refresh_token).toBe(rotated.data.session!.refresh_token);
  });

  test("an older revoked token within the 10 s reuse interval still refreshes", async () => {
    const { session } = await signUpCandidate(standIn);
    const client = standIn.anonClient();
    await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const { data } = await client.auth.refreshSession(); // the grandchild: the first is no longer the active one's parent
    const reused = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reused.error).toBeNull();
    expect(reused.data.session!.refresh_token).not.toBe(data.session!.refresh_token);
  });

  test("an older revoked token past the reuse interval is refresh_token_already_used and revokes the whole session", async () => {
    const { session } = await signUpCandidate(standIn);
    const client = standIn.anonClient();
    await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const current = (await client.auth.refreshSession()).data.session!;
    // As if it had been revoked a minute ago (rather than waiting out the interval).
    await standIn.sql`update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = ${session.refresh_token}`;

    const reused = await standIn.anonClient().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reused.error).toMatchObject({ status: 400, code: "refresh_token_already_used", message: "Invalid Refresh Token: Already Used" });
    const sessionId = jwtClaims(current.access_token).session_id as string;
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
    const { session } = await signUpCandidate(standIn);
    const results = await Promise.all(Array.from({ length: 5 }, () => standIn.anonClient().auth.refreshSession({ refresh_token: session.refresh_token })));
    const tokens = new Set(results.map(({ data, error }) => (expect(error).toBeNull(), data.session!.refresh_token)));
    expect(tokens.size).toBe(1);
  });
});
