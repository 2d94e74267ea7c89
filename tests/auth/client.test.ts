// src/auth's Supabase Auth client: against the stand-in over HTTP, against every error
// shape Supabase Auth answers, and against servers that fail or never answer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  AuthApiError,
  authErrorFromResponse,
  AuthUnavailableError,
  createJwtVerifier,
  createSupabaseAuthClient,
  type SupabaseAuthClient,
} from "../../src/auth/index.ts";
import { freePort } from "../../src/local/ports.ts";
import { testPassword as password } from "../support/accounts.ts";
import { useAuthStandIn } from "../support/auth-stand-in.ts";
import { jwtClaims } from "../support/jwt.ts";
import { uniqueEmail, uniqueUsername } from "../support/personas.ts";

const standIn = useAuthStandIn();
let auth: SupabaseAuthClient;
beforeAll(() => {
  auth = createSupabaseAuthClient({ url: standIn.url, apiKey: standIn.anonKey, serviceRoleKey: standIn.serviceRoleKey });
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => standIn.stop());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded");
}

describe("against the stand-in", () => {
  test("sign-up, sign-in, user, refresh, sign-out", async () => {
    const email = uniqueEmail("client");
    const signedUp = await auth.signUp({ email, password, data: { full_name: "Cy Client", user_type: "candidate" } });
    expect(signedUp.session).not.toBeNull();
    expect(signedUp.user).toMatchObject({ email, user_metadata: { full_name: "Cy Client", user_type: "candidate", email_verified: true } });

    const session = await auth.signInWithPassword({ email, password });
    expect(session).toMatchObject({ token_type: "bearer", expires_in: 1800, user: { id: signedUp.user.id } });
    expect(session.expires_at).toBe(jwtClaims(session.access_token).exp as number);
    const verifier = createJwtVerifier({ jwksUrl: standIn.jwksUrl, issuer: standIn.issuer });
    expect((await verifier.verifyAccessToken(session.access_token)).sub).toBe(signedUp.user.id);

    expect((await auth.getUser(session.access_token)).id).toBe(signedUp.user.id);
    const refreshed = await auth.refreshSession(session.refresh_token);
    expect(refreshed.refresh_token).not.toBe(session.refresh_token);

    await auth.signOut(refreshed.access_token);
    const afterSignOut = await failure(auth.refreshSession(refreshed.refresh_token));
    expect(afterSignOut).toBeInstanceOf(AuthApiError);
    expect(afterSignOut).toMatchObject({ status: 400, code: "refresh_token_not_found" });
    expect(await failure(auth.getUser(refreshed.access_token))).toMatchObject({ status: 403, code: "session_not_found" });
  });

  test("the end user's address rides in Sb-Forwarded-For and lands in auth.sessions.ip", async () => {
    const email = uniqueEmail("forwarded");
    await auth.signUp({ email, password, data: { user_type: "candidate" } }, { forwardedFor: "203.0.113.7" });
    const session = await auth.signInWithPassword({ email, password }, { forwardedFor: "2001:db8::1" });
    const [row] = await standIn.sql`select host(ip) as ip from auth.sessions where id = ${jwtClaims(session.access_token).session_id as string}`;
    expect(row!.ip).toBe("2001:db8::1");
  });

  test("Supabase Auth's errors arrive as AuthApiError with status and code", async () => {
    const email = uniqueEmail("errors");
    await auth.signUp({ email, password, data: { user_type: "candidate" } });
    expect(await failure(auth.signInWithPassword({ email, password: "wrong password" }))).toMatchObject({
      status: 400,
      code: "invalid_credentials",
      message: "Invalid login credentials",
    });
    expect(await failure(auth.signUp({ email, password }))).toMatchObject({ status: 422, code: "user_already_exists" });
    expect(await failure(auth.signUp({ email: uniqueEmail("weak"), password: "123" }))).toMatchObject({
      status: 422,
      code: "weak_password",
      weakPasswordReasons: ["length"],
    });
    expect(await failure(auth.getUser("not-a-jwt"))).toMatchObject({ status: 403, code: "bad_jwt" });
  });

  test("admin: create (recruiter with profile) and delete, with the service-role key", async () => {
    const username = uniqueUsername("client");
    const user = await auth.admin.createUser({
      email: uniqueEmail("admin-client"),
      password,
      email_confirm: true,
      user_metadata: { full_name: "Rex", user_type: "recruiter", recruiter_profile: { username, recruiter_type: "individual" } },
    });
    const [profile] = await standIn.sql`select username, full_name from public.recruiter_profiles where user_id = ${user.id}`;
    expect(profile).toEqual({ username, full_name: "Rex" } as never);

    const taken = await failure(
      auth.admin.createUser({
        email: uniqueEmail("admin-client"),
        password,
        email_confirm: true,
        user_metadata: { user_type: "recruiter", recruiter_profile: { username, recruiter_type: "individual", full_name: "Other" } },
      }),
    );
    expect(taken).toMatchObject({ status: 500, code: "unexpected_failure", message: "Database error creating new user" });

    await auth.admin.deleteUser(user.id);
    expect(await standIn.sql`select id from auth.users where id = ${user.id}`).toHaveLength(0);
    expect(await failure(auth.admin.deleteUser(user.id))).toMatchObject({ status: 404, code: "user_not_found" });
  });

  test("admin calls without the service-role key are a programming error, not a request", async () => {
    const anonOnly = createSupabaseAuthClient({ url: standIn.url, apiKey: standIn.anonKey });
    const error = await failure(anonOnly.admin.createUser({ email: uniqueEmail("x") }));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(AuthApiError);
    expect((error as Error).message).toContain("serviceRoleKey");
  });

  test("a wrong API key is the gateway's 401", async () => {
    const wrongKey = createSupabaseAuthClient({ url: standIn.url, apiKey: "nope" });
    expect(await failure(wrongKey.signInWithPassword({ email: uniqueEmail("x"), password }))).toMatchObject({ status: 401, code: "unknown", message: "Invalid API key" });
  });
});

describe("error shapes", () => {
  const versioned = new Headers({ "x-supabase-api-version": "2024-01-01" });
  const initial = new Headers();
  const cases: [string, number, Headers, unknown, { code: string; message: string; weakPasswordReasons?: string[] }][] = [
    ["2024-01-01", 400, versioned, { code: "invalid_credentials", message: "Invalid login credentials" }, { code: "invalid_credentials", message: "Invalid login credentials" }],
    ["initial", 422, initial, { code: 422, error_code: "user_already_exists", msg: "User already registered" }, { code: "user_already_exists", message: "User already registered" }],
    ["OAuth", 400, initial, { error: "invalid_request", error_description: "refresh_token required" }, { code: "invalid_request", message: "refresh_token required" }],
    ["weak password, 2024-01-01", 422, versioned, { code: "weak_password", message: "Too short", weak_password: { reasons: ["length", "characters"] } }, { code: "weak_password", message: "Too short", weakPasswordReasons: ["length", "characters"] }],
    ["weak password, before error codes", 422, initial, { msg: "Too short", weak_password: { reasons: ["length"] } }, { code: "weak_password", message: "Too short", weakPasswordReasons: ["length"] }],
    ["Postgres pass-through", 500, initial, { code: "23505", message: "duplicate key value", detail: "Key exists" }, { code: "23505", message: "duplicate key value" }],
    ["gateway", 401, initial, { message: "Invalid API key", hint: "Double check" }, { code: "unknown", message: "Invalid API key" }],
    ["not JSON, 502", 502, initial, "<html>Bad gateway</html>", { code: "unexpected_failure", message: "Supabase Auth answered HTTP 502" }],
    ["empty, 404", 404, initial, "", { code: "unknown", message: "Supabase Auth answered HTTP 404" }],
  ];
  for (const [name, status, headers, body, expected] of cases) {
    test(name, () => {
      const error = authErrorFromResponse(status, headers, typeof body === "string" ? body : JSON.stringify(body));
      expect(error).toBeInstanceOf(AuthApiError);
      expect({ status: error.status, code: error.code, message: error.message, weakPasswordReasons: error.weakPasswordReasons }).toEqual({
        status,
        weakPasswordReasons: undefined,
        ...expected,
      });
    });
  }

  test("the x-sb-error-code header names the code when the body does not", () => {
    expect(authErrorFromResponse(429, new Headers({ "x-sb-error-code": "over_request_rate_limit" }), "{}").code).toBe("over_request_rate_limit");
  });
});

describe("when Supabase Auth is not there", () => {
  test("nothing listening: AuthUnavailableError(network)", async () => {
    const port = await freePort();
    const client = createSupabaseAuthClient({ url: `http://127.0.0.1:${port}`, apiKey: "k" });
    expect(await failure(client.signInWithPassword({ email: "a@b.c", password }))).toMatchObject({ name: "AuthUnavailableError", kind: "network" });
  });

  test("a server that never answers: AuthUnavailableError(timeout) after timeoutMs, not a hang", async () => {
    const port = await freePort();
    const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Promise<Response>(() => {}) });
    try {
      const client = createSupabaseAuthClient({ url: `http://127.0.0.1:${port}`, apiKey: "k", timeoutMs: 200 });
      const started = performance.now();
      const error = await failure(client.refreshSession("abcdefghijkl"));
      expect(error).toBeInstanceOf(AuthUnavailableError);
      expect(error).toMatchObject({ kind: "timeout" });
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await server.stop(true);
    }
  });

  test("a 200 that is not JSON, or not a session: AuthUnavailableError(bad_response)", async () => {
    const port = await freePort();
    const bodies = ["<html>captive portal</html>", JSON.stringify({ hello: "world" })];
    const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response(bodies.shift() ?? "") });
    try {
      const client = createSupabaseAuthClient({ url: `http://127.0.0.1:${port}`, apiKey: "k" });
      expect(await failure(client.signInWithPassword({ email: "a@b.c", password }))).toMatchObject({ name: "AuthUnavailableError", kind: "bad_response" });
      expect(await failure(client.signInWithPassword({ email: "a@b.c", password }))).toMatchObject({ name: "AuthUnavailableError", kind: "bad_response" });
    } finally {
      await server.stop(true);
    }
  });

  test("what goes over the wire: path, apikey, bearer, API version, body", async () => {
    const port = await freePort();
    const seen: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch: async (request) => {
        seen.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
        return new Response(null, { status: 204 });
      },
    });
    try {
      const client = createSupabaseAuthClient({ url: `http://127.0.0.1:${port}/`, apiKey: "anon-key", serviceRoleKey: "service-key" });
      await client.signOut("user-jwt", "others");
      await client.admin.deleteUser("3f1b6c1e-0000-4000-8000-000000000001", { shouldSoftDelete: true });
      expect(seen[0]).toMatchObject({
        method: "POST",
        url: `http://127.0.0.1:${port}/auth/v1/logout?scope=others`,
        headers: { apikey: "anon-key", authorization: "Bearer user-jwt", "x-supabase-api-version": "2024-01-01" },
      });
      expect(seen[1]).toMatchObject({
        method: "DELETE",
        url: `http://127.0.0.1:${port}/auth/v1/admin/users/3f1b6c1e-0000-4000-8000-000000000001`,
        headers: { apikey: "service-key", authorization: "Bearer service-key" },
        body: JSON.stringify({ should_soft_delete: true }),
      });
    } finally {
      await server.stop(true);
    }
  });
});
