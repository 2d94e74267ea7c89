// /api/v1/auth, in process (the facade's controllers over the real database and the
// auth stand-in): the seed's contract, bad tokens, bad input, races and rate limits.
// That two facade processes share one limit is tests/e2e/rate-limits.test.ts's.
import { beforeAll, describe, expect, test } from "bun:test";
import { importJWK, SignJWT, type JWK } from "jose";
import { authRateLimits } from "../../src/core/accounts/service.ts";
import type { Sql } from "../../src/db/client.ts";
import { logIn, registerCandidate, registerRecruiter, techCorpProfile, testPassword } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { uniqueEmail, uniqueUsername } from "../support/personas.ts";
import { callFacade, sendToFacade, testClientIp } from "../support/stack.ts";

const stack = useInProcessFacade();
let db: Sql;

beforeAll(() => {
  db = stack.superuser;
});

const countUsers = async (email: string) =>
  Number((await db`select count(*) as n from auth.users where email = ${email.trim().toLowerCase()}`)[0]!.n);

describe("POST /api/v1/auth/register", () => {
  test("creates a candidate with the seed's answer; the email is trimmed and lower-cased", async () => {
    const email = uniqueEmail("Jane");
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register", {
      ip: testClientIp(),
      body: { email: `  ${email.toUpperCase()} `, password: testPassword, full_name: "Jane Doe" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, user_id: expect.any(String), email: email.toLowerCase(), message: "User registered successfully" });
    const [profile] = await db`select email, full_name, user_type, is_active, is_verified from public.profiles where id = ${answer.body.user_id}`;
    expect(profile).toEqual({ email: email.toLowerCase(), full_name: "Jane Doe", user_type: "candidate", is_active: true, is_verified: false });
  });

  test("registers a recruiter account when user_type says so", async () => {
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register", {
      ip: testClientIp(),
      body: { email: uniqueEmail("r"), password: testPassword, full_name: "Rex", user_type: "recruiter" },
    });
    expect(answer.status).toBe(200);
    const [profile] = await db`select user_type from public.profiles where id = ${answer.body.user_id}`;
    expect(profile!.user_type).toBe("recruiter");
  });

  test("a taken email, in any case, is the seed's 400 and creates nothing", async () => {
    const email = uniqueEmail("dup");
    const first = await callFacade(stack, "POST", "/api/v1/auth/register", { ip: testClientIp(), body: { email, password: testPassword, full_name: "A" } });
    expect(first.status).toBe(200);
    const again = await callFacade(stack, "POST", "/api/v1/auth/register", {
      ip: testClientIp(),
      body: { email: email.toUpperCase(), password: testPassword, full_name: "B" },
    });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ success: false, detail: "Email already registered" });
    expect(await countUsers(email)).toBe(1);
  });

  test("20 concurrent registrations of one email make exactly one account", async () => {
    const email = uniqueEmail("race");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        callFacade(stack, "POST", "/api/v1/auth/register", { ip: testClientIp(), body: { email, password: testPassword, full_name: `Racer ${i}` } }),
      ),
    );
    expect(answers.filter((a) => a.status === 200).length).toBe(1);
    expect(answers.filter((a) => a.status === 400).every((a) => a.body.detail === "Email already registered")).toBe(true);
    expect(answers.filter((a) => a.status !== 200).length).toBe(19);
    expect(await countUsers(email)).toBe(1);
  });
});

describe("bad input gets a 4xx and creates nothing", () => {
  const valid = () => ({ email: uniqueEmail("bad"), password: testPassword, full_name: "Valid Name", user_type: "candidate" });
  // prettier-ignore
  const cases: [string, (body: Record<string, unknown>) => unknown, number, RegExp][] = [
    ["missing email",          ({ email, ...rest }) => rest,                                   422, /email/],
    ["email of the wrong type", (body) => ({ ...body, email: 12345 }),                          422, /email/],
    ["malformed email",        (body) => ({ ...body, email: "not-an-email" }),                 422, /Not a valid email address/],
    ["email too long",         (body) => ({ ...body, email: `${"a".repeat(250)}@example.test` }), 422, /email/],
    ["missing password",       ({ password, ...rest }) => rest,                                422, /password/],
    ["password too short",     (body) => ({ ...body, password: "Ab1" }),                       422, /at least 8 characters/],
    ["password without a digit", (body) => ({ ...body, password: "OnlyLettersHere" }),         422, /letter and a digit/],
    ["password over 72 bytes", (body) => ({ ...body, password: `Aa1${"é".repeat(40)}` }),      422, /at most 72 bytes/],
    ["password of the wrong type", (body) => ({ ...body, password: ["Secure123!"] }),          422, /password/],
    ["missing full_name",      ({ full_name, ...rest }) => rest,                               422, /full_name/],
    ["blank full_name",        (body) => ({ ...body, full_name: "   " }),                      422, /full_name/],
    ["full_name too long",     (body) => ({ ...body, full_name: "x".repeat(256) }),            422, /full_name/],
    ["control characters",     (body) => ({ ...body, full_name: "Bad\u0000Name" }),            422, /control characters/],
    ["unknown user_type",      (body) => ({ ...body, user_type: "admin" }),                    422, /user_type/],
    ["body is an array",       () => [1, 2, 3],                                                422, /body/],
  ];

  test.each(cases)("%s", async (_label, mutate, status, detail) => {
    const body = valid();
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register", { ip: testClientIp(), body: mutate(body) });
    expect(answer.status).toBe(status);
    expect(answer.body.success).toBe(false);
    expect(JSON.stringify(answer.body)).toMatch(detail);
    expect(await countUsers(body.email)).toBe(0);
  });

  test("unicode names are welcome", async () => {
    const email = uniqueEmail("unicode");
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register", {
      ip: testClientIp(),
      body: { email, password: "Pässwört123", full_name: "Zoë Ångström 山田 👩‍💻" },
    });
    expect(answer.status).toBe(200);
    const [profile] = await db`select full_name from public.profiles where id = ${answer.body.user_id}`;
    expect(profile!.full_name).toBe("Zoë Ångström 山田 👩‍💻");
    expect((await logIn(stack, email, "candidate").catch(() => undefined)) === undefined).toBe(true); // its password isn't testPassword
  });

  test("a 1 MB body is refused before it is parsed", async () => {
    const email = uniqueEmail("huge");
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register", {
      ip: testClientIp(),
      body: { email, password: testPassword, full_name: "x".repeat(1024 * 1024) },
    });
    expect(answer.body.success).toBe(false);
    expect(answer.status).toBe(413);
    expect(await countUsers(email)).toBe(0);
  });

  test("malformed JSON is a 400", async () => {
    const response = await sendToFacade(stack, "/api/v1/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": testClientIp() },
      body: '{"email": "a@b.test", "password": ',
    });
    expect(await response.json()).toEqual({ success: false, detail: "Malformed JSON body" });
    expect(response.status).toBe(400);
  });
});

describe("POST /api/v1/auth/register/recruiter", () => {
  const recruiterBody = (username: string, email = uniqueEmail("rec")) => ({
    email,
    password: testPassword,
    full_name: "John Doe",
    user_type: "recruiter",
    recruiter_profile: { username, ...techCorpProfile },
  });

  test("creates the user and the profile atomically, with the seed's answer", async () => {
    const username = uniqueUsername("TechCorp");
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", { ip: testClientIp(), body: recruiterBody(username) });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      user_id: expect.any(String),
      profile_id: expect.any(Number),
      username,
      public_profile_url: `https://previewcv.com/recruiter/profile/${username}`,
      message: "Recruiter account created successfully",
    });
    const [row] = await db`
      select p.user_type, r.company_name, r.phone, u.raw_user_meta_data
        from public.profiles p join public.recruiter_profiles r on r.user_id = p.id join auth.users u on u.id = p.id
       where p.id = ${answer.body.user_id}`;
    expect(row).toMatchObject({ user_type: "recruiter", company_name: "TechCorp Inc.", phone: "+1 (555) 123-4567" });
    // The profile block does not ride along in every access token.
    expect(row!.raw_user_meta_data).toMatchObject({ full_name: "John Doe", user_type: "recruiter" });
    expect(row!.raw_user_meta_data).not.toHaveProperty("recruiter_profile");
  });

  test("a taken username (any case) is the seed's 400 and leaves no account behind", async () => {
    const username = uniqueUsername("taken");
    expect((await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", { ip: testClientIp(), body: recruiterBody(username) })).status).toBe(200);
    const email = uniqueEmail("second");
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", {
      ip: testClientIp(),
      body: recruiterBody(username.toUpperCase(), email),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ success: false, detail: "Username already taken" });
    expect(await countUsers(email)).toBe(0);
  });

  test("a taken email is the seed's 400 and leaves no profile behind", async () => {
    const email = uniqueEmail("taken-email");
    expect((await callFacade(stack, "POST", "/api/v1/auth/register", { ip: testClientIp(), body: { email, password: testPassword, full_name: "X" } })).status).toBe(200);
    const username = uniqueUsername("fresh");
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", { ip: testClientIp(), body: recruiterBody(username, email) });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe("Email already registered");
    expect((await db`select count(*)::int as n from public.recruiter_profiles where lower(username) = lower(${username})`)[0]!.n).toBe(0);
  });

  test("ten concurrent sign-ups racing for one username: one account, no half-made ones", async () => {
    const username = uniqueUsername("race");
    const emails = Array.from({ length: 10 }, () => uniqueEmail("racer"));
    const answers = await Promise.all(
      emails.map((email) => callFacade(stack, "POST", "/api/v1/auth/register/recruiter", { ip: testClientIp(), body: recruiterBody(username, email) })),
    );
    expect(answers.filter((a) => a.status === 200).length).toBe(1);
    for (const answer of answers.filter((a) => a.status !== 200)) expect(answer.body).toEqual({ success: false, detail: "Username already taken" });
    const [users] = await db`select count(*)::int as n from auth.users where email = any(${emails})`;
    expect(users!.n).toBe(1);
  });

  test.each([
    ["a company without company_name", { company_name: undefined }, /company_name/],
    ["an unknown recruiter_type", { recruiter_type: "agency" }, /recruiter_type/],
    ["a username with a slash", { username: "bad/name" }, /username/],
    ["a website that is not http(s)", { company_website: "javascript:alert(1)" }, /company_website/],
    ["negative years_experience", { years_experience: -1 }, /years_experience/],
  ])("refuses %s with 422 and creates nothing", async (_label, change, detail) => {
    const body = recruiterBody(uniqueUsername("ok"));
    const answer = await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", {
      ip: testClientIp(),
      body: { ...body, recruiter_profile: { ...body.recruiter_profile, ...change } },
    });
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toMatch(detail);
    expect(await countUsers(body.email)).toBe(0);
  });
});

describe("login, refresh, me, logout", () => {
  test("login answers the seed's shape with a Supabase session and updates last_login", async () => {
    const account = await registerCandidate(stack, { fullName: "Lola Login" });
    const login = await callFacade(stack, "POST", "/api/v1/auth/login", { ip: testClientIp(), body: { email: account.email, password: testPassword } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      success: true,
      access_token: expect.stringMatching(/^eyJ/),
      token_type: "bearer",
      expires_in: 1800,
      expires_at: expect.any(Number),
      refresh_token: expect.any(String),
      user: { id: account.id, email: account.email, full_name: "Lola Login", user_type: "candidate" },
    });
    const header = JSON.parse(Buffer.from(login.body.access_token.split(".")[0], "base64url").toString());
    expect(header).toMatchObject({ alg: "ES256", kid: expect.any(String) });
    const [profile] = await db`select last_login from public.profiles where id = ${account.id}`;
    expect(Date.now() - (profile!.last_login as Date).getTime()).toBeLessThan(60_000);
  });

  test("a wrong password and an unknown email are the same 401", async () => {
    const account = await registerCandidate(stack);
    for (const body of [{ email: account.email, password: "WrongPassword1" }, { email: uniqueEmail("nobody"), password: testPassword }]) {
      const answer = await callFacade(stack, "POST", "/api/v1/auth/login", { ip: testClientIp(), body });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ success: false, detail: "Incorrect email or password" });
    }
  });

  test("an inactive account gets 403, and every session it had is ended", async () => {
    const account = await registerCandidate(stack);
    await db`update public.profiles set is_active = false where id = ${account.id}`;
    const answer = await callFacade(stack, "POST", "/api/v1/auth/login", { ip: testClientIp(), body: { email: account.email, password: testPassword } });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ success: false, detail: "Account is inactive" });
    const [sessions] = await db`select count(*)::int as n from auth.sessions where user_id = ${account.id}`;
    expect(sessions!.n).toBe(0);
    const refresh = await callFacade(stack, "POST", "/api/v1/auth/refresh", { ip: testClientIp(), body: { refresh_token: account.refreshToken } });
    expect(refresh.status).toBe(401);
  });

  test("refresh rotates the session; logout ends it", async () => {
    const account = await registerCandidate(stack);
    const refreshed = await callFacade(stack, "POST", "/api/v1/auth/refresh", { ip: testClientIp(), body: { refresh_token: account.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(account.refreshToken);
    expect(refreshed.body.user.id).toBe(account.id);

    const out = await callFacade(stack, "POST", "/api/v1/auth/logout", { ip: testClientIp(), token: refreshed.body.access_token });
    expect(out.status).toBe(200);
    const after = await callFacade(stack, "POST", "/api/v1/auth/refresh", { ip: testClientIp(), body: { refresh_token: refreshed.body.refresh_token } });
    expect(after.status).toBe(401);
  });

  test("me returns the caller's profile", async () => {
    const recruiter = await registerRecruiter(stack);
    const me = await callFacade(stack, "GET", "/api/v1/auth/me", { token: recruiter.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: recruiter.id, email: recruiter.email, user_type: "recruiter", is_active: true, is_verified: false });
  });
});

describe("bad tokens are 401 with WWW-Authenticate: Bearer", () => {
  let account: Awaited<ReturnType<typeof registerCandidate>>;
  let signingKey: JWK;
  let publicJwk: JWK;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    account = await registerCandidate(stack);
    // key_ops lists verify too, which WebCrypto refuses on a private key: drop it.
    const { key_ops: _keyOps, ...stored } = stack.signingKey;
    signingKey = stored;
    publicJwk = stack.publicJwk;
  });

  const userClaims = (overrides: Record<string, unknown> = {}) => ({
    iss: stack.issuer,
    sub: account.id,
    aud: "authenticated",
    role: "authenticated",
    email: account.email,
    iat: now(),
    exp: now() + 600,
    // The account's real session (from its login): the database refuses a token whose
    // session does not exist, as Supabase Auth does.
    session_id: JSON.parse(Buffer.from(account.token.split(".")[1]!, "base64url").toString("utf8")).session_id,
    ...overrides,
  });
  const es256 = async (claims: Record<string, unknown>, kid = signingKey.kid!) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).sign(await importJWK(signingKey, "ES256"));
  const hs256 = async (claims: Record<string, unknown>, secret = stack.jwtSecret) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

  test("control: a well-formed token of each kind is accepted", async () => {
    for (const token of [await es256(userClaims()), await hs256(userClaims())]) {
      expect((await callFacade(stack, "GET", "/api/v1/auth/me", { token })).status).toBe(200);
    }
  });

  const badTokens: [string, () => Promise<string>][] = [
    ["no token at all", async () => ""],
    ["garbage", async () => "not-a-jwt"],
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(userClaims())}.`],
    ["HS256 signed with the ES256 public key (algorithm confusion)", async () => hs256(userClaims(), JSON.stringify(publicJwk))],
    ["HS256 with the wrong secret", async () => hs256(userClaims(), "another-secret-that-is-at-least-32-characters")],
    ["expired", async () => es256(userClaims({ iat: now() - 7200, exp: now() - 3600 }))],
    ["not yet valid", async () => es256(userClaims({ nbf: now() + 3600, iat: now() + 3600, exp: now() + 7200 }))],
    ["another audience", async () => es256(userClaims({ aud: "some-other-app" }))],
    ["another issuer (the same key, another project's Auth URL)", async () => es256(userClaims({ iss: "https://another-project.supabase.co/auth/v1" }))],
    ["no issuer", async () => es256(userClaims({ iss: undefined }))],
    ["the legacy secret, another issuer", async () => hs256(userClaims({ iss: "https://another-project.supabase.co/auth/v1" }))],
    ["the anon key", async () => stack.anonKey],
    ["the service_role key", async () => stack.serviceRoleKey],
    ["an unknown kid", async () => es256(userClaims(), "00000000-0000-0000-0000-000000000000")],
    ["a tampered payload", async () => {
      const [header, , signature] = (await es256(userClaims())).split(".");
      return `${header}.${b64(userClaims({ sub: crypto.randomUUID() }))}.${signature}`;
    }],
    ["a subject that is not a uuid", async () => es256(userClaims({ sub: "admin" }))],
  ];

  test.each(badTokens)("%s", async (_label, makeToken) => {
    const token = await makeToken();
    const answer = await callFacade(stack, "GET", "/api/v1/auth/me", { token: token || undefined });
    expect(answer.status).toBe(401);
    expect(answer.body.success).toBe(false);
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });
});

describe("rate limits", () => {
  test("registration per IP: 429 with Retry-After past the limit", async () => {
    const ip = testClientIp();
    const limit = authRateLimits.registerPerIp.maxHits;
    const statuses: number[] = [];
    for (let i = 0; i <= limit; i++) {
      // Invalid-by-database but valid-by-schema bodies would still create users; use fresh emails.
      const answer = await callFacade(stack, "POST", "/api/v1/auth/register", { ip, body: { email: uniqueEmail("flood"), password: testPassword, full_name: "F" } });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(answer.body).toMatchObject({ success: false, retry_after: expect.any(Number) });
      }
    }
    expect(statuses.slice(0, limit).every((s) => s === 200)).toBe(true);
    expect(statuses[limit]).toBe(429);
  });

  // Replaces "login per email, from many IPs: 429 past the limit", which asserted the
  // lock-out hole 4 of issue 11 is about: ten wrong passwords from anyone made the
  // owner's correct login a 429.
  const pairLimit = authRateLimits.loginFailuresPerEmailAndIp.maxHits;
  const emailCeiling = authRateLimits.loginFailuresPerEmail.maxHits;
  const logInAs = (ip: string, email: string, password: string) => callFacade(stack, "POST", "/api/v1/auth/login", { ip, body: { email, password } });

  test("a stranger's wrong passwords from other IPs do not lock the owner out", async () => {
    const account = await registerCandidate(stack);
    const ownerIp = testClientIp();
    const statuses: number[] = [];
    // Three strangers, each until their own pair limit refuses them.
    for (const strangerIp of [testClientIp(), testClientIp(), testClientIp()]) {
      for (let i = 0; i <= pairLimit; i++) statuses.push((await logInAs(strangerIp, account.email, "Wrong-Password-1")).status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(3 * pairLimit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);

    const owner = await logInAs(ownerIp, account.email, testPassword);
    expect(owner.status).toBe(200);
    expect(owner.body.user.id).toBe(account.id);
  });

  test("wrong passwords from one IP for one email: 429 with Retry-After past the pair limit; that IP's other accounts still log in", async () => {
    const account = await registerCandidate(stack);
    const other = await registerCandidate(stack);
    const ip = testClientIp();
    const statuses: number[] = [];
    for (let i = 0; i < pairLimit; i++) statuses.push((await logInAs(ip, account.email, "Wrong-Password-1")).status);
    expect(new Set(statuses)).toEqual(new Set([401]));

    // Past it, even the right password from that IP waits: it is refused before it is checked.
    for (const password of ["Wrong-Password-1", testPassword]) {
      const refused = await logInAs(ip, account.email, password);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeWithin(1, authRateLimits.loginFailuresPerEmailAndIp.windowSeconds + 1);
      expect(refused.body).toEqual({ success: false, detail: "Too many requests, try again later", retry_after: retryAfter });
    }
    expect((await logInAs(ip, other.email, testPassword)).status).toBe(200);
    expect((await logInAs(testClientIp(), account.email, testPassword)).status).toBe(200);
  });

  test("a successful login uses up nothing: the owner logs in past the failure limits", async () => {
    const account = await registerCandidate(stack);
    const ip = testClientIp();
    for (let i = 0; i < pairLimit - 1; i++) expect((await logInAs(ip, account.email, "Wrong-Password-1")).status).toBe(401);
    for (let i = 0; i < pairLimit + 2; i++) expect((await logInAs(ip, account.email, testPassword)).status).toBe(200);
    // Still one wrong password left before the pair limit.
    expect((await logInAs(ip, account.email, "Wrong-Password-1")).status).toBe(401);
    expect((await logInAs(ip, account.email, "Wrong-Password-1")).status).toBe(429);
  });

  test("the per-email ceiling holds across IPs: past it every IP waits, the owner's too", async () => {
    const account = await registerCandidate(stack);
    const strangers = Math.ceil(emailCeiling / pairLimit);
    const statuses: number[] = [];
    for (let s = 0; s < strangers; s++) {
      const ip = testClientIp();
      const answers = await Promise.all(Array.from({ length: pairLimit }, () => logInAs(ip, account.email, "Wrong-Password-1")));
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(emailCeiling);

    for (const password of ["Wrong-Password-1", testPassword]) {
      const refused = await logInAs(testClientIp(), account.email, password);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeWithin(1, authRateLimits.loginFailuresPerEmail.windowSeconds + 1);
    }
  });

});
