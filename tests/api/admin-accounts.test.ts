// `npm run admin -- account ...` and `... recruiter ...` (scripts/admin.ts) end to end:
// a deactivated account is banned by Supabase Auth (sign-in and refresh refused), its
// old token is refused by the database, its postings and profile leave the public
// pages; reactivation undoes it; verifying shows on the public profile. Each change is
// in the audit log with who made it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { asPostgrestCaller, type AccessTokenClaims } from "../../src/db/client.ts";
import { runAdminScript } from "../support/admin-script.ts";
import { logIn, registerRecruiter, testPassword, type Account } from "../support/accounts.ts";
import { asAuthenticatorUrl } from "../support/database.ts";
import { jwtClaims } from "../support/jwt.ts";
import { callFacade, testClientIp, testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let superuser: postgres.Sql;
let recruiter: Account & { username: string };
let jobId: number;

const admin = (...args: string[]) => runAdminScript(stack.superuserUrl, args);

/** Supabase Auth's own endpoints, through the local gateway, as supabase-js calls them. */
function authCall(pathname: string, body: unknown) {
  return fetch(`${stack.gatewayUrl}/auth/v1${pathname}`, {
    method: "POST",
    headers: { apikey: stack.anonKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
    body: JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, body: await response.json() }));
}

/** What the public sees of the recruiter: the profile page, the posting, the listing. */
async function publicView() {
  const profile = await callFacade(stack, "GET", `/api/v1/recruiters/profile/${recruiter.username}`);
  const detail = await callFacade(stack, "GET", `/api/v1/jobs/${jobId}`);
  const listed = await callFacade(stack, "GET", `/api/v1/jobs/list?location=${encodeURIComponent(`Admin ${recruiter.username}`)}`);
  return { profile: profile.status, detail: detail.status, listed: listed.body.total as number };
}

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 1, onnotice: () => {} });
  recruiter = await registerRecruiter(stack);
  const created = await callFacade(stack, "POST", "/api/v1/jobs/create", {
    token: recruiter.token,
    body: { title: "Admin test role", company_name: "TechCorp Inc.", description: "Hiring.", location: `Admin ${recruiter.username}`, job_type: "full-time", experience_level: "mid" },
  });
  expect(created.status).toBe(200);
  jobId = created.body.job_id;
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => superuser.end());

describe("admin account commands", () => {
  test("deactivate: sign-in and refresh refused, the old token refused, unlisted, recorded; reactivate undoes it", async () => {
    expect(await publicView()).toEqual({ profile: 200, detail: 200, listed: 1 });

    const deactivated = admin("account", "deactivate", recruiter.id, "--reason", "fake company", "--by", "ops@example.test", "--json");
    expect([deactivated.status, deactivated.stderr]).toEqual([0, ""]);
    expect(JSON.parse(deactivated.stdout)).toEqual({ user_id: recruiter.id, was_active: true, sessions_ended: 1, banned_until: expect.any(String) });

    // Supabase Auth refuses the password and the refresh token.
    const signIn = await authCall("/token?grant_type=password", { email: recruiter.email, password: testPassword });
    expect(signIn).toEqual({ status: 400, body: { code: "user_banned", message: "User is banned" } });
    const refresh = await authCall("/token?grant_type=refresh_token", { refresh_token: recruiter.refreshToken });
    expect(refresh.status).toBe(400);
    // So does the facade's login (the seed's message for an inactive account).
    const login = await callFacade(stack, "POST", "/api/v1/auth/login", { ip: testClientIp(), body: { email: recruiter.email, password: testPassword } });
    expect([login.status, login.body.detail]).toEqual([403, "Account is inactive"]);

    // The access token still verifies, but the database lets it do nothing.
    const api = postgres(asAuthenticatorUrl(stack.superuserUrl), { max: 1, onnotice: () => {} });
    try {
      const seen = await asPostgrestCaller(api, { role: "authenticated", claims: jwtClaims(recruiter.token) as AccessTokenClaims }, async (tx) => ({
        state: (await tx`select private.caller_state() as s`)[0]!.s,
        profile: (await tx`select id from public.profiles`).length,
        postings: (await tx`update public.job_postings set title = 'Still mine?' where id = ${jobId} returning id`).length,
        applicants: (await tx`select * from public.job_applicants(${jobId})`).length,
      }));
      expect(seen).toEqual({ state: "deactivated", profile: 0, postings: 0, applicants: 0 });
    } finally {
      await api.end();
    }

    expect(await publicView()).toEqual({ profile: 404, detail: 404, listed: 0 });
    const [audit] = await superuser`select action, reason, actor, db_role from private.account_audit_log where user_id = ${recruiter.id} order by id desc limit 1`;
    expect(audit).toEqual({ action: "deactivate", reason: "fake company", actor: "ops@example.test", db_role: "postgres" } as never);

    const reactivated = admin("account", "reactivate", recruiter.id, "--by", "ops@example.test");
    expect([reactivated.status, reactivated.stdout.trim()]).toEqual([0, `Reactivated account ${recruiter.id}: it may sign in again.`]);
    expect(await publicView()).toEqual({ profile: 200, detail: 200, listed: 1 });
    const again = await logIn(stack, recruiter.email, "recruiter");
    expect(again.id).toBe(recruiter.id);
  });

  test("recruiter verify and unverify show on the public profile", async () => {
    const verified = admin("recruiter", "verify", recruiter.id, "--by", "ops", "--json");
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual({ user_id: recruiter.id, username: recruiter.username, is_verified: true, was_verified: false });
    const shown = await callFacade(stack, "GET", `/api/v1/recruiters/profile/${recruiter.username}`);
    expect(shown.body.profile.is_verified).toBe(true);

    const unverified = admin("recruiter", "unverify", recruiter.id, "--reason", "documents expired");
    expect([unverified.status, unverified.stdout.trim()]).toEqual([0, `Recruiter ${recruiter.username} (${recruiter.id}) is no longer verified.`]);
    expect((await callFacade(stack, "GET", `/api/v1/recruiters/profile/${recruiter.username}`)).body.profile.is_verified).toBe(false);
    const actions = await superuser`select action, actor from private.account_audit_log where user_id = ${recruiter.id} and action like '%verify%' order by id`;
    expect(actions.map((row) => [row.action, row.actor])).toEqual([["verify_recruiter", "ops"], ["unverify_recruiter", null]]);
  });

  test("mistakes are usage errors (exit 2) or clear failures (exit 1)", () => {
    for (const args of [
      ["account"],
      ["account", "deactivate"],
      ["account", "deactivate", recruiter.id],
      ["account", "deactivate", "not-a-uuid", "--reason", "x"],
      ["account", "deactivate", recruiter.id, "--reason", "x", "--bogus", "1"],
      ["account", "suspend", recruiter.id],
      ["recruiter", "verify"],
    ]) {
      const result = admin(...args);
      expect([args, result.status]).toEqual([args, 2]);
      expect(result.stderr + result.stdout).toContain("Usage:");
    }
    const nobody = crypto.randomUUID();
    const missing = admin("account", "deactivate", nobody, "--reason", "x");
    expect([missing.status, missing.stderr.trim()]).toEqual([1, `No account has id ${nobody}.`]);
    const notRecruiter = admin("recruiter", "verify", nobody);
    expect([notRecruiter.status, notRecruiter.stderr.trim()]).toEqual([1, `No recruiter profile belongs to account ${nobody}.`]);
  });
});
