// HTTP details of the stand-in that supabase-js hides: error shapes by API version,
// the gateway's apikey check, bad tokens, unknown paths.
import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { importSigningKey } from "../../../src/local/auth/index.ts";
import { testPassword as password } from "../../support/accounts.ts";
import { signUpCandidate, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { jwtClaims } from "../../support/jwt.ts";
import { uniqueEmail, uniqueUsername } from "../../support/personas.ts";

const standIn = useAuthStandIn();

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

  test("a malformed percent-escape in a path segment is refused like any bad id, never a 500", async () => {
    const headers = { apikey: standIn.serviceRoleKey, authorization: `Bearer ${standIn.serviceRoleKey}`, "x-supabase-api-version": "2024-01-01" };
    const response = await call("/admin/users/%E0%A4%A", { headers });
    expect([response.status, await response.json()]).toEqual([404, { code: "validation_failed", message: "user_id must be an UUID" }]);
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
    const { session } = await signUpCandidate(standIn);
    const [header, payload] = session.access_token.split(".");
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...jwtClaims(session.access_token), role: "service_role" })).toString("base64url")}.${session.access_token.split(".")[2]}`;
    const expired = await new SignJWT({ ...jwtClaims(session.access_token), exp: Math.floor(Date.now() / 1000) - 5 })
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
