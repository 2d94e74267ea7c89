// Share links through the facade, in process (issue 13): the owner's routes under
// /api/v1/resumes/{id}/links and their refusals, the public fetch of a link with its
// gates and preview fields, the forwarded viewer headers, clean counts in the analytics,
// and the recruiter's "opened → reviewed".
import { beforeAll, describe, expect, test } from "bun:test";
import type { Sql } from "../../src/db/client.ts";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { seedApiToken, uploadForm } from "../support/faces.ts";
import { createJob } from "../support/job-board.ts";
import { buildPdf } from "../support/pdf.ts";
import { answerOf, facadeCaller, openSignedUrl, sendToFacade, testClientIp, type HttpAnswer } from "../support/stack.ts";

const stack = useInProcessFacade();
let db: Sql;
let owner: Account;
let stranger: Account;
let resumeId: number;
let permanentToken: string;
const ip = testClientIp();
const call = facadeCaller(stack, ip);
const links = (path = "") => `/api/v1/resumes/${resumeId}/links${path}`;

async function uploaded(account: Account, name: string): Promise<{ resume_id: number; permanent_token: string }> {
  const response = await sendToFacade(stack, "/api/v1/resumes/upload", {
    method: "POST",
    headers: { authorization: `Bearer ${account.token}`, "x-forwarded-for": ip },
    body: uploadForm({ file: { bytes: buildPdf({ text: name }) }, resume_name: name }),
  });
  const answer = await answerOf(response);
  expect(answer.status).toBe(200);
  return answer.body;
}

/** The public fetch as previewcv.com makes it: its API token, and its viewer's headers. */
async function publicFetch(token: string, options: { headers?: Record<string, string>; query?: string; apiToken?: string | null } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { "x-forwarded-for": ip, ...options.headers };
  if (options.apiToken !== null) headers["x-api-token"] = options.apiToken ?? seedApiToken;
  return answerOf(await sendToFacade(stack, `/api/v1/shared/public/resume/${token}${options.query ?? ""}`, { headers }));
}

let viewers = 0;
const viewer = () => `2001:db8:13::${(++viewers).toString(16)}`;
const browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

beforeAll(async () => {
  db = stack.superuser;
  [owner, stranger] = await Promise.all([registerCandidate(stack, { fullName: "Lena Linker" }), registerCandidate(stack, { fullName: "Sid Stranger" })]);
  ({ resume_id: resumeId, permanent_token: permanentToken } = await uploaded(owner, "Linked resume"));
});

describe("the owner's links", () => {
  test("create, list, read, change, rotate, revoke", async () => {
    const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const created = await call("POST", links(), {
      token: owner.token,
      body: { label: "  Acme Corp, backend role  ", expires_at: expires, view_limit: 3, password: "open sesame", require_viewer_email: true },
    });
    expect(created.status).toBe(200);
    const link = created.body.link;
    expect(link).toMatchObject({
      resume_id: resumeId,
      label: "Acme Corp, backend role",
      view_limit: 3,
      views_used: 0,
      has_password: true,
      require_viewer_email: true,
      revoked_at: null,
      state: "active",
    });
    expect(Date.parse(link.expires_at)).toBe(Date.parse(expires));
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.token).not.toBe(permanentToken);
    expect(link.preview_url).toBe(`https://previewcv.com/r/${link.token}`);
    expect(JSON.stringify(created.body)).not.toContain("password_hash");
    expect(JSON.stringify(created.body)).not.toContain("open sesame");

    const listed = await call("GET", links(), { token: owner.token });
    expect(listed.status).toBe(200);
    expect(listed.body.links.map((l: { id: number }) => l.id)).toContain(link.id);
    expect((await call("GET", links(`/${link.id}`), { token: owner.token })).body.link).toEqual(link);

    const changed = await call("PATCH", links(`/${link.id}`), { token: owner.token, body: { label: "Acme, round 2", view_limit: null, password: null, expires_at: null } });
    expect(changed.status).toBe(200);
    expect(changed.body.link).toMatchObject({ label: "Acme, round 2", view_limit: null, has_password: false, expires_at: null, require_viewer_email: true });

    const rotated = await call("POST", links(`/${link.id}/rotate`), { token: owner.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.link.token).not.toBe(link.token);
    expect((await publicFetch(link.token, { headers: { "x-viewer-email": "hr@acme.example" } })).status).toBe(404);
    expect((await publicFetch(rotated.body.link.token, { headers: { "x-viewer-email": "hr@acme.example" } })).status).toBe(200);

    const revoked = await call("POST", links(`/${link.id}/revoke`), { token: owner.token });
    expect(revoked.body.link).toMatchObject({ state: "revoked", revoked_at: expect.stringMatching(/Z$/) });
    expect(await publicFetch(rotated.body.link.token, { headers: { "x-viewer-email": "hr@acme.example" } }).then((a) => [a.status, a.body])).toEqual([
      404,
      { success: false, detail: "Resume not found" },
    ]);
    // Revoked is final.
    for (const [method, path, body] of [["PATCH", `/${link.id}`, { label: "again" }], ["POST", `/${link.id}/rotate`, undefined]] as const) {
      const refused = await call(method, links(path), { token: owner.token, body });
      expect([method, refused.status, refused.body.detail]).toEqual([method, 409, "The link is revoked and can no longer change"]);
    }
    expect((await call("POST", links(`/${link.id}/revoke`), { token: owner.token })).status).toBe(200);
  });

  test("bad input is a 422 naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ label: "x".repeat(201) }, "label"],
      [{ label: "tab\there" }, "label"],
      [{ label: "   " }, "label"],
      [{}, "label"],
      [{ label: "ok", expires_at: new Date(Date.now() - 60_000).toISOString() }, "expires_at"],
      [{ label: "ok", expires_at: "next tuesday" }, "expires_at"],
      [{ label: "ok", view_limit: 0 }, "view_limit"],
      [{ label: "ok", view_limit: -1 }, "view_limit"],
      [{ label: "ok", view_limit: 1.5 }, "view_limit"],
      [{ label: "ok", password: "abc" }, "password"],
      [{ label: "ok", password: "x".repeat(73) }, "password"],
      [{ label: "ok", require_viewer_email: "yes" }, "require_viewer_email"],
      [{ label: "ok", token: "chosen" }, ""],
    ];
    for (const [body, field] of cases) {
      const refused = await call("POST", links(), { token: owner.token, body });
      expect([body, refused.status]).toEqual([body, 422]);
      if (field) expect([body, refused.body.errors[0].loc]).toEqual([body, ["body", field]]);
    }
    const [row] = await call("GET", links(), { token: owner.token }).then((a) => a.body.links);
    const patched = await call("PATCH", links(`/${row?.id ?? 1}`), { token: owner.token, body: {} });
    expect(patched.status).toBe(422);
  });

  test("someone else's resume or link is a 404, and nothing changes", async () => {
    const made = await call("POST", links(), { token: owner.token, body: { label: "Owner's" } });
    const linkId = made.body.link.id as number;
    const attempts = [
      ["GET", links(), undefined, "Resume not found"],
      ["POST", links(), { label: "Mine now" }, "Resume not found"],
      ["GET", links(`/${linkId}`), undefined, "Share link not found"],
      ["PATCH", links(`/${linkId}`), { label: "Hacked" }, "Share link not found"],
      ["POST", links(`/${linkId}/rotate`), undefined, "Share link not found"],
      ["POST", links(`/${linkId}/revoke`), undefined, "Share link not found"],
    ] as const;
    for (const [method, path, body, detail] of attempts) {
      const answer = await call(method, path, { token: stranger.token, body });
      expect([method, path, answer.status, answer.body]).toEqual([method, path, 404, { success: false, detail }]);
    }
    // A link id under another resume of the owner's is not found either.
    const other = await uploaded(owner, "Other resume");
    expect((await call("GET", `/api/v1/resumes/${other.resume_id}/links/${linkId}`, { token: owner.token })).status).toBe(404);
    const [row] = await db`select label, token, revoked_at from public.resume_share_links where id = ${linkId}`;
    expect(row).toMatchObject({ label: "Owner's", token: made.body.link.token, revoked_at: null });
    expect((await call("GET", links(), {})).status).toBe(401);
  });
});

describe("fetching a link", () => {
  test("a password: 401 with a reason previewcv.com can show, then the resume", async () => {
    const { link } = (await call("POST", links(), { token: owner.token, body: { label: "Locked", password: "open sesame" } })).body;
    const who = viewer();
    const none = await publicFetch(link.token, { headers: { "x-viewer-ip": who } });
    expect([none.status, none.body]).toEqual([401, { success: false, detail: "Password required", reason: "password_required" }]);
    const wrong = await publicFetch(link.token, { headers: { "x-viewer-ip": who, "x-link-password": "nope" } });
    expect([wrong.status, wrong.body]).toEqual([401, { success: false, detail: "Wrong password", reason: "password_invalid" }]);
    const right = await publicFetch(link.token, { headers: { "x-viewer-ip": who, "x-link-password": "open sesame" } });
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ resume_id: resumeId, permanent_token: link.token, qr_code_base64: null });
  });

  test("an email: 401 email_required without, 422 naming the header when malformed, kept with the view", async () => {
    const { link } = (await call("POST", links(), { token: owner.token, body: { label: "Who are you", require_viewer_email: true } })).body;
    const missing = await publicFetch(link.token);
    expect([missing.status, missing.body.reason]).toEqual([401, "email_required"]);
    for (const malformed of ["not-an-email", "a@", "two@@ats.example"]) {
      const refused = await publicFetch(link.token, { headers: { "x-viewer-email": malformed } });
      expect([malformed, refused.status, refused.body.errors?.[0]?.loc]).toEqual([malformed, 422, ["header", "x-viewer-email"]]);
    }
    expect((await publicFetch(link.token, { headers: { "x-viewer-email": "HR@Acme.example" } })).status).toBe(200);
    const [log] = await db`select viewer_email from public.resume_access_logs where link_id = ${link.id}`;
    expect(log!.viewer_email).toBe("hr@acme.example");
  });

  test("include=preview: title, a signed thumbnail that opens as a PNG; no owner email or ids", async () => {
    const answer = await publicFetch(permanentToken, { query: "?include=preview" });
    expect(answer.status).toBe(200);
    expect(answer.body.preview).toEqual({ title: "Linked resume", thumbnail_url: expect.stringContaining("/thumbnails/"), page_count: 1 });
    const png = await openSignedUrl(stack, answer.body.preview.thumbnail_url);
    expect(png.status).toBe(200);
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain(owner.email);
    expect(text).not.toContain(owner.id);
    // Without include the answer is the seed's, key for key.
    const seed = await publicFetch(permanentToken);
    expect(Object.keys(seed.body).sort()).toEqual(
      ["access_count", "created_at", "last_accessed_at", "pdf_signed_url", "permanent_token", "qr_code_base64", "resume_id", "resume_name", "success"].sort(),
    );
    expect((await publicFetch(permanentToken, { query: "?include=everything" })).status).toBe(422);
  });

  test("a preview bot (X-Viewer-User-Agent) is logged as a preview and counts nothing; the owner's own view neither", async () => {
    const before = (await publicFetch(permanentToken, { headers: { "x-viewer-ip": viewer(), "x-viewer-user-agent": browser } })).body.access_count as number;
    for (const bot of ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "facebookexternalhit/1.1", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "WhatsApp/2.23.20.0", "Twitterbot/1.0"]) {
      const answer = await publicFetch(permanentToken, { headers: { "x-viewer-ip": viewer(), "x-viewer-user-agent": bot } });
      expect([bot, answer.status, answer.body.access_count]).toEqual([bot, 200, before]);
    }
    const own = await publicFetch(permanentToken, { headers: { "x-viewer-ip": viewer(), "x-viewer-user-agent": browser, authorization: `Bearer ${owner.token}` } });
    expect([own.status, own.body.access_count]).toEqual([200, before]);
    // A token that does not verify is ignored: the view is a person's.
    const forged = await publicFetch(permanentToken, { headers: { "x-viewer-ip": viewer(), "x-viewer-user-agent": browser, authorization: `Bearer ${owner.token.slice(0, -4)}AAAA` } });
    expect([forged.status, forged.body.access_count]).toEqual([200, before + 1]);
    const kinds = await db`select kind, count(*)::int as n from public.resume_access_logs where resume_id = ${resumeId} and kind in ('bot', 'owner') group by 1 order by 1`;
    expect(kinds.map((k) => [k.kind, k.n])).toEqual([["bot", 5], ["owner", 1]]);
  });

  test("a bot's fetch of a one-time link gets the preview, not the document, and leaves the link to its person", async () => {
    const { link } = (await call("POST", links(), { token: owner.token, body: { label: "Once", view_limit: 1 } })).body;
    const bot = await publicFetch(link.token, { query: "?include=preview", headers: { "x-viewer-user-agent": "Slackbot-LinkExpanding 1.0" } });
    expect(bot.status).toBe(200);
    expect(bot.body.pdf_signed_url).toBeNull();
    expect(bot.body.preview.thumbnail_url).toEqual(expect.any(String));
    const person = await publicFetch(link.token, { headers: { "x-viewer-user-agent": browser } });
    expect([person.status, typeof person.body.pdf_signed_url]).toEqual([200, "string"]);
    expect((await publicFetch(link.token, { headers: { "x-viewer-user-agent": browser } })).status).toBe(404);
    expect((await call("GET", links(`/${link.id}`), { token: owner.token })).body.link).toMatchObject({ views_used: 1, state: "exhausted" });
  });

  test("forwarded headers count only with a valid API token; a malformed X-Viewer-IP is a 422", async () => {
    const forwarded = viewer();
    expect((await publicFetch(permanentToken, { apiToken: "pcv_wrong", headers: { "x-viewer-ip": forwarded } })).status).toBe(401);
    const [bucket] = await db`select count(*)::int as n from private.rate_limit_counters where bucket = ${`api-token-failure:${forwarded}`}`;
    expect(bucket!.n).toBe(0);
    await db`delete from private.rate_limit_counters where bucket = ${`api-token-failure:${ip}`}`;
    expect((await publicFetch(permanentToken, { headers: { "x-viewer-ip": "999.1.1.1" } })).body.errors?.[0]?.loc).toEqual(["header", "x-viewer-ip"]);
    await publicFetch(permanentToken, { headers: { "x-viewer-ip": forwarded, "x-viewer-user-agent": browser, "x-viewer-referer": "https://mail.example/inbox" } });
    const [log] = await db`select host(ip_address) as ip, user_agent, referer from public.resume_access_logs where resume_id = ${resumeId} order by id desc limit 1`;
    expect(log).toEqual({ ip: forwarded, user_agent: browser, referer: "https://mail.example/inbox" } as never);
  });

  test("analytics: the seed's fields, and include=breakdown per day and per link", async () => {
    const fresh = await uploaded(owner, "Counted resume");
    const { link } = (await call("POST", `/api/v1/resumes/${fresh.resume_id}/links`, { token: owner.token, body: { label: "Beta Inc" } })).body;
    const person = viewer();
    await publicFetch(fresh.permanent_token, { headers: { "x-viewer-ip": person, "x-viewer-user-agent": browser } });
    await publicFetch(fresh.permanent_token, { headers: { "x-viewer-ip": person, "x-viewer-user-agent": browser } });
    await publicFetch(link.token, { headers: { "x-viewer-ip": viewer(), "x-viewer-user-agent": browser, "x-viewer-referer": "https://linkedin.com/feed" } });
    await publicFetch(link.token, { headers: { "x-viewer-ip": viewer(), "x-viewer-user-agent": "Twitterbot/1.0" } });
    await publicFetch(link.token, { headers: { authorization: `Bearer ${owner.token}` } });
    // The worker tells a first view of the day from a repeat (within a second, when it runs).
    await db`select private.worker_classify_resume_views(10000)`;
    const plain = await call("GET", `/api/v1/resumes/${fresh.resume_id}/analytics?days=7`, { token: owner.token });
    expect(Object.keys(plain.body).sort()).toEqual(["days", "last_accessed_at", "resume_id", "success", "top_referrers", "total_views", "unique_visitors", "views_per_day"]);
    expect(plain.body).toMatchObject({ total_views: 3, unique_visitors: 2, top_referrers: [{ referer: "https://linkedin.com/feed", views: 1 }] });
    const detailed = await call("GET", `/api/v1/resumes/${fresh.resume_id}/analytics?days=7&include=breakdown`, { token: owner.token });
    expect(detailed.status).toBe(200);
    expect(detailed.body.breakdown).toMatchObject({ human_views: 3, unique_visitors: 2, repeat_views: 1, bot_previews: 1, owner_views: 1 });
    expect(detailed.body.breakdown.links).toEqual([
      expect.objectContaining({ link_id: null, human_views: 2, unique_visitors: 1, bot_previews: 0, owner_views: 0 }),
      expect.objectContaining({ link_id: link.id, label: "Beta Inc", human_views: 1, unique_visitors: 1, bot_previews: 1, owner_views: 1 }),
    ]);
    expect(detailed.body.breakdown.per_day).toHaveLength(1);
    expect((await call("GET", `/api/v1/resumes/${fresh.resume_id}/analytics?include=nope`, { token: owner.token })).status).toBe(422);
  });

  test("nothing of a token, email or IP reaches the facade's logs", async () => {
    const text = JSON.stringify(stack.logged);
    expect(text).not.toContain(permanentToken);
    expect(text).not.toContain("hr@acme.example");
    expect(text).not.toContain("2001:db8:13::");
  });
});

describe("a recruiter opens an applicant's resume", () => {
  test("a fresh signed link; pending becomes reviewed, once; the candidate sees when", async () => {
    const recruiter = await registerRecruiter(stack);
    const candidate = await registerCandidate(stack, { fullName: "Ada Applicant" });
    const cv = await uploaded(candidate, "Ada's CV");
    const jobId = await createJob(stack, recruiter, { title: "Backend Engineer", company_name: "Tech Corp", location: "Remote", job_type: "full-time", experience_level: "mid", description: "APIs." }, ip);
    const applied = await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, body: { resume_id: cv.resume_id } });
    const applicationId = applied.body.application_id as number;

    // Only the job's recruiter: the candidate and a stranger get the same 404, and nothing moves.
    for (const other of [candidate, stranger]) {
      const refused = await call("GET", `/api/v1/applications/${applicationId}/resume`, { token: other.token });
      expect([refused.status, refused.body]).toEqual([404, { success: false, detail: "Application not found" }]);
    }
    const opened = await call("GET", `/api/v1/applications/${applicationId}/resume`, { token: recruiter.token });
    expect(opened.status).toBe(200);
    expect(opened.headers.get("cache-control")).toBe("no-store");
    expect(opened.body).toMatchObject({ success: true, application_id: applicationId, status: "reviewed", reviewed_at: expect.stringMatching(/Z$/), resume: { id: cv.resume_id, resume_name: "Ada's CV", is_active: true } });
    const pdf = await openSignedUrl(stack, opened.body.resume.url);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");

    const again = await call("GET", `/api/v1/applications/${applicationId}/resume`, { token: recruiter.token });
    expect(again.body).toMatchObject({ status: "reviewed", reviewed_at: opened.body.reviewed_at });
    const history = await call("GET", `/api/v1/applications/${applicationId}/history`, { token: candidate.token });
    expect(history.body.history.map((h: { from_status: string | null; to_status: string; changed_by_role: string }) => [h.from_status, h.to_status, h.changed_by_role])).toEqual([
      [null, "pending", "candidate"],
      ["pending", "reviewed", "recruiter"],
    ]);
    const mine = await call("GET", "/api/v1/applications/mine", { token: candidate.token });
    expect(mine.body.applications.find((a: { application_id: number }) => a.application_id === applicationId)).toMatchObject({ status: "reviewed", reviewed_at: opened.body.reviewed_at });

    // Withdrawn: the resume is no longer shared.
    await call("POST", `/api/v1/applications/${applicationId}/withdraw`, { token: candidate.token });
    expect((await call("GET", `/api/v1/applications/${applicationId}/resume`, { token: recruiter.token })).status).toBe(404);
  });
});
