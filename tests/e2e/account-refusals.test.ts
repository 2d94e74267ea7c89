// A token that may no longer act is refused on both faces, on every authenticated route,
// with the JSON error shape, and nothing changes (issue 11, holes 1, 2 and 11):
//   * a deactivated account (switched off as the dashboard's Table Editor does, by
//     writing profiles.is_active = false): 403 "Account is inactive";
//   * a signed-out token (POST /api/v1/auth/logout): 401 with WWW-Authenticate;
//   * a token of another issuer (iss): 401, however well signed.
// Until now the database refused such tokens by showing nothing: the routes answered
// 200 with empty lists or 404, the upload stored the file before the database refused
// the row, and a token of any issuer was taken.
import { beforeAll, describe, expect, test } from "bun:test";
import path from "node:path";
import { SignJWT } from "jose";
import postgres from "postgres";
import { routeAuthentication } from "../../src/api/plugins/caller.ts";
import { importSigningKey, loadOrCreateSigningKey } from "../../src/local/auth/index.ts";
import { logIn, registerCandidate, registerRecruiter, testPassword, type Account } from "../support/accounts.ts";
import { edgeFunction, facade, faces, fetchPublicResume, localStoredFiles, upload } from "../support/faces.ts";
import { inProcessFacade } from "../support/facade.ts";
import { jwtClaims } from "../support/jwt.ts";
import { callFacade, testClientIp, useTestStack, type HttpAnswer } from "../support/stack.ts";

const stack = useTestStack();
let db: postgres.Sql;

beforeAll(() => {
  db = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  return () => db.end();
});

/** A candidate and a recruiter with one of everything the authenticated routes touch. */
interface Pair {
  candidate: Account;
  recruiter: Account;
  resumeId: number;
  linkId: number;
  jobId: number;
  applicationId: number;
  endpointId: number;
  deliveryId: number;
}

async function pairWithEverything(): Promise<Pair> {
  const [candidate, recruiter] = await Promise.all([registerCandidate(stack), registerRecruiter(stack)]);
  const uploaded = await upload(facade, stack, { token: candidate.token, ip: testClientIp() });
  expect(uploaded.status).toBe(200);
  const resumeId = uploaded.body.resume_id as number;
  const link = await callFacade(stack, "POST", `/api/v1/resumes/${resumeId}/links`, { token: candidate.token, body: { label: "For recruiters" } });
  expect(link.status).toBe(200);
  const job = await callFacade(stack, "POST", "/api/v1/jobs/create", {
    token: recruiter.token,
    body: { title: "Refusal tester", company_name: "TechCorp Inc.", description: "Hiring.", location: "Remote", job_type: "full-time", experience_level: "mid" },
  });
  expect(job.status).toBe(200);
  const applied = await callFacade(stack, "POST", `/api/v1/jobs/${job.body.job_id}/apply`, { token: candidate.token, body: { resume_id: resumeId } });
  expect(applied.status).toBe(200);
  const endpoint = await callFacade(stack, "POST", "/api/v1/webhooks", {
    token: recruiter.token,
    body: { url: "https://127.0.0.1:8443/hooks", event_types: ["application.created"] },
  });
  expect(endpoint.status).toBe(201);
  // A notification and a failed delivery, as the worker would have left them.
  await db`insert into public.notifications (user_id, type, title, body, data)
           values (${recruiter.id}, 'application.created', 'New applicant', 'Someone applied', '{}')`;
  const [delivery] = await db`
    insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, status)
    values (${endpoint.body.webhook.id}, ${recruiter.id}, 'application.created', '{"type": "application.created"}', 'failed') returning id`;
  return {
    candidate,
    recruiter,
    resumeId,
    linkId: link.body.link.id,
    jobId: job.body.job_id,
    applicationId: applied.body.application_id,
    endpointId: endpoint.body.webhook.id,
    deliveryId: Number(delivery!.id),
  };
}

/** Everything the pair owns, as the database holds it: what a refused request must leave as it was. */
async function snapshot(pair: Pair) {
  const users = [pair.candidate.id, pair.recruiter.id];
  const [row] = await db`
    select
      (select json_agg(r order by r.id) from public.resumes r where r.user_id = any(${users}::uuid[])) as resumes,
      (select json_agg(l order by l.id) from public.resume_share_links l where l.resume_id = ${pair.resumeId}) as links,
      (select json_agg(j order by j.id) from public.job_postings j where j.recruiter_id = any(${users}::uuid[])) as jobs,
      (select json_agg(a order by a.id) from public.job_applications a where a.id = ${pair.applicationId}) as applications,
      (select json_agg(h order by h.id) from public.job_application_status_history h where h.application_id = ${pair.applicationId}) as history,
      (select json_agg(p order by p.id) from public.profiles p where p.id = any(${users}::uuid[])) as profiles,
      (select json_agg(p order by p.id) from public.recruiter_profiles p where p.user_id = any(${users}::uuid[])) as recruiter_profiles,
      (select json_agg(n order by n.id) from public.notifications n where n.user_id = any(${users}::uuid[])) as notifications,
      (select json_agg(e order by e.id) from public.webhook_endpoints e where e.user_id = any(${users}::uuid[])) as endpoints,
      (select json_agg(d order by d.id) from public.webhook_deliveries d where d.user_id = any(${users}::uuid[])) as deliveries,
      (select count(*)::int from private.account_erasures e where e.user_id = any(${users}::uuid[])) as erasures,
      (select count(*)::int from auth.users u where u.id = any(${users}::uuid[])) as auth_users`;
  return { ...row, stored_files: localStoredFiles(stack).length };
}

type Route = { as: "candidate" | "recruiter"; method: string; path: string; body?: unknown };

/** A request to every authenticated route of the facade, keyed as the app names it, each on the pair's own rows. */
function everyRoute(pair: Pair): Record<string, Route> {
  const { resumeId: r, linkId: l, jobId: j, applicationId: a, endpointId: e, deliveryId: d } = pair;
  const candidate = (method: string, path: string, body?: unknown): Route => ({ as: "candidate", method, path, body });
  const recruiter = (method: string, path: string, body?: unknown): Route => ({ as: "recruiter", method, path, body });
  return {
    "GET /api/v1/auth/me": candidate("GET", "/api/v1/auth/me"),
    "GET /api/v1/resumes/my-resumes": candidate("GET", "/api/v1/resumes/my-resumes"),
    "GET /api/v1/resumes/:id": candidate("GET", `/api/v1/resumes/${r}`),
    "PATCH /api/v1/resumes/:id": candidate("PATCH", `/api/v1/resumes/${r}`, { resume_name: "Renamed by a refused token" }),
    "DELETE /api/v1/resumes/:id": candidate("DELETE", `/api/v1/resumes/${r}`),
    "POST /api/v1/resumes/:id/rotate-token": candidate("POST", `/api/v1/resumes/${r}/rotate-token`),
    "GET /api/v1/resumes/:id/analytics": candidate("GET", `/api/v1/resumes/${r}/analytics`),
    "GET /api/v1/resumes/:id/links": candidate("GET", `/api/v1/resumes/${r}/links`),
    "POST /api/v1/resumes/:id/links": candidate("POST", `/api/v1/resumes/${r}/links`, { label: "Another" }),
    "GET /api/v1/resumes/:id/links/:link_id": candidate("GET", `/api/v1/resumes/${r}/links/${l}`),
    "PATCH /api/v1/resumes/:id/links/:link_id": candidate("PATCH", `/api/v1/resumes/${r}/links/${l}`, { label: "Relabelled" }),
    "POST /api/v1/resumes/:id/links/:link_id/rotate": candidate("POST", `/api/v1/resumes/${r}/links/${l}/rotate`),
    "POST /api/v1/resumes/:id/links/:link_id/revoke": candidate("POST", `/api/v1/resumes/${r}/links/${l}/revoke`),
    "POST /api/v1/jobs/create": recruiter("POST", "/api/v1/jobs/create", {
      title: "Posted by a refused token", company_name: "TechCorp Inc.", description: "No.", location: "Remote", job_type: "full-time", experience_level: "mid",
    }),
    "GET /api/v1/jobs/list": candidate("GET", "/api/v1/jobs/list"),
    "GET /api/v1/jobs/:job_id": recruiter("GET", `/api/v1/jobs/${j}`),
    "PATCH /api/v1/jobs/:job_id": recruiter("PATCH", `/api/v1/jobs/${j}`, { title: "Edited by a refused token" }),
    "DELETE /api/v1/jobs/:job_id": recruiter("DELETE", `/api/v1/jobs/${j}`),
    "POST /api/v1/jobs/:job_id/apply": candidate("POST", `/api/v1/jobs/${j}/apply`, { resume_id: r }),
    "GET /api/v1/jobs/:job_id/applications": recruiter("GET", `/api/v1/jobs/${j}/applications`),
    "GET /api/v1/applications/mine": candidate("GET", "/api/v1/applications/mine"),
    "POST /api/v1/applications/:application_id/withdraw": candidate("POST", `/api/v1/applications/${a}/withdraw`),
    "PATCH /api/v1/applications/:application_id/status": recruiter("PATCH", `/api/v1/applications/${a}/status`, { status: "shortlisted" }),
    "GET /api/v1/applications/:application_id/resume": recruiter("GET", `/api/v1/applications/${a}/resume`),
    "GET /api/v1/applications/:application_id/history": recruiter("GET", `/api/v1/applications/${a}/history`),
    "PUT /api/v1/recruiters/profile": recruiter("PUT", "/api/v1/recruiters/profile", { bio: "Rewritten by a refused token" }),
    "GET /api/v1/notifications/": recruiter("GET", "/api/v1/notifications"),
    "POST /api/v1/notifications/read-all": recruiter("POST", "/api/v1/notifications/read-all"),
    "POST /api/v1/notifications/:id/read": recruiter("POST", "/api/v1/notifications/1/read"),
    "POST /api/v1/webhooks/": recruiter("POST", "/api/v1/webhooks", { url: "https://127.0.0.1:8443/other", event_types: ["application.created"] }),
    "GET /api/v1/webhooks/": recruiter("GET", "/api/v1/webhooks"),
    "GET /api/v1/webhooks/:id": recruiter("GET", `/api/v1/webhooks/${e}`),
    "PATCH /api/v1/webhooks/:id": recruiter("PATCH", `/api/v1/webhooks/${e}`, { description: "Edited by a refused token" }),
    "DELETE /api/v1/webhooks/:id": recruiter("DELETE", `/api/v1/webhooks/${e}`),
    "POST /api/v1/webhooks/:id/rotate-secret": recruiter("POST", `/api/v1/webhooks/${e}/rotate-secret`),
    "GET /api/v1/webhooks/:id/deliveries": recruiter("GET", `/api/v1/webhooks/${e}/deliveries`),
    "GET /api/v1/webhooks/:id/deliveries/:delivery_id": recruiter("GET", `/api/v1/webhooks/${e}/deliveries/${d}`),
    "POST /api/v1/webhooks/:id/deliveries/:delivery_id/redeliver": recruiter("POST", `/api/v1/webhooks/${e}/deliveries/${d}/redeliver`),
    "GET /api/v1/me/export": candidate("GET", "/api/v1/me/export"),
    "DELETE /api/v1/me": candidate("DELETE", "/api/v1/me", { password: testPassword }),
  };
}

/**
 * Routes that take a bearer token but are not in everyRoute: the upload (multipart, run
 * on both faces below) and logout, which ends the token's session and so answers 200 for
 * a session already ended, as supabase-js's signOut treats Supabase Auth's refusal.
 */
const coveredElsewhere = ["POST /api/v1/resumes/upload", "POST /api/v1/auth/logout"];

const expected = {
  deactivated: { status: 403, detail: "Account is inactive" },
  "signed out": { status: 401, detail: "The session has ended: sign in again" },
} as const;

function expectRefusal(answer: HttpAnswer, kind: keyof typeof expected, what: string) {
  expect([what, answer.status, answer.body]).toEqual([what, expected[kind].status, { success: false, detail: expected[kind].detail }]);
  expect(answer.headers.get("content-type")).toContain("application/json");
  if (kind === "signed out") expect([what, answer.headers.get("www-authenticate")]).toEqual([what, expect.stringMatching(/^Bearer error="invalid_token"/)]);
}

/** The pair switched off the way each kind is: the dashboard's write of is_active, or logging out. */
async function refuse(pair: Pair, kind: keyof typeof expected) {
  for (const account of [pair.candidate, pair.recruiter]) {
    if (kind === "deactivated") {
      await db`update public.profiles set is_active = false where id = ${account.id}`;
    } else {
      const out = await callFacade(stack, "POST", "/api/v1/auth/logout", { token: account.token, ip: testClientIp() });
      expect(out.status).toBe(200);
    }
  }
}

describe.each(Object.keys(expected) as (keyof typeof expected)[])("a %s account's token", (kind) => {
  let pair: Pair;
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    pair = await pairWithEverything();
    await refuse(pair, kind);
    before = await snapshot(pair);
  });

  test("every authenticated route of the facade refuses it, and nothing changes", async () => {
    const routes = everyRoute(pair);
    // Every route that takes a token is here: a new one must be added to the table.
    const app = (await inProcessFacade()).app;
    const authenticated = (app.routes as { method: string; path: string; hooks?: unknown }[])
      .filter((route) => routeAuthentication(route) !== "none")
      .map((route) => `${route.method} ${route.path}`);
    expect([...Object.keys(routes), ...coveredElsewhere].sort()).toEqual(authenticated.sort());

    for (const [name, route] of Object.entries(routes)) {
      const answer = await callFacade(stack, route.method, route.path, { token: pair[route.as].token, body: route.body, ip: testClientIp() });
      expectRefusal(answer, kind, name);
    }
    expect(await snapshot(pair)).toEqual(before);
  });

  for (const face of faces) {
    test(`the upload through the ${face.name} is refused before the form is read, so before anything is stored`, async () => {
      const answer = await upload(face, stack, { token: pair.candidate.token, ip: testClientIp() });
      expectRefusal(answer, kind, `upload through the ${face.name}`);
      // A form without its file is refused for the token too, not as a 422: the form
      // was never read (the file used to be stored, then deleted when the row was refused).
      const malformed = await upload(face, stack, { token: pair.candidate.token, ip: testClientIp(), fields: { file: null } });
      expectRefusal(malformed, kind, `malformed upload through the ${face.name}`);
      expect(await snapshot(pair)).toEqual(before);
    });
  }

  test("logout answers 200 and changes nothing (the session is already ended)", async () => {
    const out = await callFacade(stack, "POST", "/api/v1/auth/logout", { token: pair.candidate.token, ip: testClientIp() });
    expect(out).toMatchObject({ status: 200, body: { success: true } });
    expect(await snapshot(pair)).toEqual(before);
  });

  for (const face of faces) {
    const what = kind === "deactivated" ? "does not serve a deactivated owner's resume at all (404)" : "does not take it for the owner's (the view is counted)";
    test(`the public fetch through the ${face.name} ${what}`, async () => {
      const [share] = await db`select permanent_token from public.resumes where id = ${pair.resumeId}`;
      const answer = await fetchPublicResume(face, stack, share!.permanent_token, { ip: testClientIp(), headers: { authorization: `Bearer ${pair.candidate.token}` } });
      if (kind === "deactivated") {
        expect([answer.status, answer.body.detail]).toEqual([404, "Resume not found"]);
        return;
      }
      expect(answer.status).toBe(200);
      const [view] = await db`select kind from public.resume_access_logs where resume_id = ${pair.resumeId} order by id desc limit 1`;
      expect(view!.kind).not.toBe("owner");
    });
  }
});

describe("after POST /api/v1/auth/logout the same bearer is refused", () => {
  test("401 on /auth/me, my-resumes and the resume-upload function; the owner's views count again", async () => {
    const account = await registerCandidate(stack);
    const uploaded = await upload(facade, stack, { token: account.token, ip: testClientIp() });
    const shareToken = uploaded.body.permanent_token as string;
    const viewKind = async () => {
      await fetchPublicResume(edgeFunction, stack, shareToken, { ip: testClientIp(), headers: { authorization: `Bearer ${account.token}` } });
      const [view] = await db`select kind from public.resume_access_logs where resume_id = ${uploaded.body.resume_id} order by id desc limit 1`;
      return view!.kind as string;
    };
    expect((await callFacade(stack, "GET", "/api/v1/auth/me", { token: account.token })).status).toBe(200);
    expect((await callFacade(stack, "GET", "/api/v1/resumes/my-resumes", { token: account.token })).body.resumes).toHaveLength(1);
    expect(await viewKind()).toBe("owner");

    expect((await callFacade(stack, "POST", "/api/v1/auth/logout", { token: account.token, ip: testClientIp() })).status).toBe(200);
    const files = localStoredFiles(stack).length;
    expectRefusal(await callFacade(stack, "GET", "/api/v1/auth/me", { token: account.token }), "signed out", "/auth/me");
    expectRefusal(await callFacade(stack, "GET", "/api/v1/resumes/my-resumes", { token: account.token }), "signed out", "my-resumes");
    expectRefusal(await upload(edgeFunction, stack, { token: account.token, ip: testClientIp() }), "signed out", "resume-upload");
    expect(localStoredFiles(stack).length).toBe(files);
    expect(await viewKind()).not.toBe("owner");
    const [rows] = await db`select count(*)::int as n from public.resumes where user_id = ${account.id}`;
    expect(rows!.n).toBe(1);
  });
});

describe("a direct write of profiles.is_active, as the dashboard's Table Editor makes it", () => {
  /** Supabase Auth's own password grant, through the local gateway, as supabase-js calls it. */
  const signIn = (email: string) =>
    fetch(`${stack.gatewayUrl}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: stack.anonKey, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ email, password: testPassword }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));

  test("false bans the account in Supabase Auth and ends its sessions; true lifts the ban", async () => {
    const account = await registerCandidate(stack);
    await db`update public.profiles set is_active = false where id = ${account.id}`;
    expect(await signIn(account.email)).toEqual({ status: 400, body: { code: "user_banned", message: "User is banned" } });
    const refreshed = await callFacade(stack, "POST", "/api/v1/auth/refresh", { ip: testClientIp(), body: { refresh_token: account.refreshToken } });
    expect(refreshed.status).toBe(401);
    expectRefusal(await callFacade(stack, "GET", "/api/v1/auth/me", { token: account.token }), "deactivated", "/auth/me");

    await db`update public.profiles set is_active = true where id = ${account.id}`;
    expect((await signIn(account.email)).status).toBe(200);
    const again = await logIn(stack, account.email, "candidate");
    expect((await callFacade(stack, "GET", "/api/v1/auth/me", { token: again.token })).status).toBe(200);
    // The session the deactivation ended stays ended.
    expectRefusal(await callFacade(stack, "GET", "/api/v1/auth/me", { token: account.token }), "signed out", "the old token");
  });
});

describe("a token of another issuer (iss) is refused, however well signed", () => {
  let account: Account;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  beforeAll(async () => {
    account = await registerCandidate(stack);
    // The stand-in's own signing key: only the issuer differs from a token it issued.
    const { key_ops: _keyOps, ...key } = await loadOrCreateSigningKey(path.join(stack.stateDir, "auth-signing-key.json"));
    const privateKey = await importSigningKey(key);
    sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: key.kid!, typ: "JWT" }).sign(privateKey);
  });

  // Another project's Auth URL, and another local stack's.
  const wrongIssuers = ["https://another-project.supabase.co/auth/v1", "http://127.0.0.1:1/auth/v1"];

  test("the facade: 401 on /auth/me and my-resumes; the same claims with the right iss are taken", async () => {
    const claims = jwtClaims(account.token);
    expect(claims.iss).toBe(`${stack.gatewayUrl}/auth/v1`);
    expect((await callFacade(stack, "GET", "/api/v1/auth/me", { token: await sign(claims) })).status).toBe(200);
    for (const iss of [...wrongIssuers, undefined]) {
      const token = await sign({ ...claims, iss });
      for (const pathname of ["/api/v1/auth/me", "/api/v1/resumes/my-resumes"]) {
        const answer = await callFacade(stack, "GET", pathname, { token });
        expect([iss, pathname, answer.status, answer.body.success]).toEqual([iss, pathname, 401, false]);
        expect(answer.headers.get("www-authenticate")).toContain('error="invalid_token"');
      }
    }
  });

  test("the resume-upload function: 401 and nothing stored; the right iss uploads", async () => {
    const claims = jwtClaims(account.token);
    const files = localStoredFiles(stack).length;
    for (const iss of [...wrongIssuers, undefined]) {
      const answer = await upload(edgeFunction, stack, { token: await sign({ ...claims, iss }), ip: testClientIp() });
      expect([iss, answer.status, answer.body.success]).toEqual([iss, 401, false]);
      expect(answer.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    expect(localStoredFiles(stack).length).toBe(files);
    expect((await upload(edgeFunction, stack, { token: await sign(claims), ip: testClientIp() })).status).toBe(200);
  });
});
