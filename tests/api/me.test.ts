// /api/v1/me, in process: the export (everything stored about the caller, with signed
// links that open their files) and the erasure in one request (fresh authentication or
// the password; others keep their records without the person; asked twice: 200 or 404,
// never 500). The storage failing mid-erasure, with the worker finishing, is
// tests/e2e/privacy.test.ts (it needs the Bunny stand-in and a worker process).
import { beforeAll, describe, expect, test } from "bun:test";
import { importJWK, SignJWT, type JWK } from "jose";
import { registerCandidate, registerRecruiter, testPassword, type Account } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { uploadForm } from "../support/faces.ts";
import { createJob } from "../support/job-board.ts";
import { jwtClaims } from "../support/jwt.ts";
import { buildPdf } from "../support/pdf.ts";
import { answerOf, facadeCaller, openSignedUrl, sendToFacade, testClientIp } from "../support/stack.ts";

const stack = useInProcessFacade();
const ip = testClientIp();
const call = facadeCaller(stack, ip);
const now = () => Math.floor(Date.now() / 1000);

async function uploadResume(owner: Account, name: string, bytes = buildPdf({ text: name })): Promise<{ id: number; token: string; key: string }> {
  const answer = await answerOf(
    await sendToFacade(stack, "/api/v1/resumes/upload", {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "x-forwarded-for": ip },
      body: uploadForm({ file: { bytes }, resume_name: name }),
    }),
  );
  expect(answer.status).toBe(200);
  const [row] = await stack.superuser`select pdf_filename from public.resumes where id = ${answer.body.resume_id}`;
  return { id: answer.body.resume_id, token: answer.body.permanent_token, key: row!.pdf_filename };
}

const posting = { title: "Archivist", company_name: "Quill Studio", description: "Keep the archive.", location: "Remote", job_type: "full-time", experience_level: "mid" };

/** A token of the account's live session, signed as Supabase Auth signs them, with the claims given. */
async function tokenWith(account: Account, claims: Record<string, unknown>): Promise<string> {
  const { key_ops: _keyOps, ...signingKey } = stack.signingKey as JWK & { key_ops?: unknown };
  const real = jwtClaims(account.token);
  return new SignJWT({ ...real, ...claims })
    .setProtectedHeader({ alg: "ES256", kid: signingKey.kid!, typ: "JWT" })
    .sign(await importJWK(signingKey, "ES256"));
}

/** A token of the account's live session from a sign-in ten minutes ago. */
const staleToken = (account: Account) =>
  tokenWith(account, { iat: now() - 600, exp: now() + 1200, amr: [{ method: "password", timestamp: now() - 600 }] });

describe("GET /api/v1/me/export", () => {
  let candidate: Account;
  let recruiter: Account & { username: string };
  let resume: { id: number; token: string; key: string };
  let jobId: number;
  const pdf = buildPdf({ text: "Exported resume" });

  beforeAll(async () => {
    [candidate, recruiter] = await Promise.all([registerCandidate(stack, { fullName: "Exporting Ellis" }), registerRecruiter(stack)]);
    resume = await uploadResume(candidate, "Ellis CV", pdf);
    jobId = await createJob(stack, recruiter, posting, ip);
    expect((await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, body: { resume_id: resume.id, cover_letter: "Hi" } })).status).toBe(200);
  });

  test("everything stored about the caller, with signed links that open their files", async () => {
    const answer = await call("GET", "/api/v1/me/export", { token: candidate.token });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.body).toMatchObject({ success: true, format: "previewcv-export/1", user_id: candidate.id });
    expect(answer.body.data.profile).toEqual([expect.objectContaining({ id: candidate.id, email: candidate.email, full_name: "Exporting Ellis" })]);
    expect(answer.body.data.resumes.map((row: { id: number }) => row.id)).toEqual([resume.id]);
    expect(answer.body.data.job_applications).toEqual([expect.objectContaining({ job_id: jobId, resume_id: resume.id, cover_letter: "Hi", status: "pending" })]);
    expect(answer.body.data.job_application_status_history).toEqual([expect.objectContaining({ to_status: "pending", changed_by_role: "candidate" })]);
    expect(answer.body.data.sessions.length).toBeGreaterThan(0);
    expect(typeof answer.body.about.resumes).toBe("string");
    expect(answer.body.resume_analytics).toEqual([
      expect.objectContaining({ resume_id: resume.id, total_views: 0, unique_visitors: 0, last_accessed_at: null, views_per_day: [], top_referrers: [] }),
    ]);
    // The owner's analytics, by kind of view and per link (link_id null: the permanent token).
    expect(answer.body.resume_analytics[0].breakdown).toMatchObject({ human_views: 0, bot_previews: 0, links: [expect.objectContaining({ link_id: null })] });
    const [file] = answer.body.files;
    expect(file).toMatchObject({ source: "resumes", row_id: resume.id, column: "pdf_filename", storage_key: resume.key });
    expect(Date.parse(file.expires_at)).toBeGreaterThan(Date.now());
    const download = await openSignedUrl(stack, file.signed_url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(pdf);
    // Nothing of the recruiter's own data; never a secret.
    expect(JSON.stringify(answer.body)).not.toContain(recruiter.email);
    expect(JSON.stringify(answer.body)).not.toContain("encrypted_password");
  });

  test("a recruiter's export holds their profile and postings", async () => {
    const answer = await call("GET", `/api/v1/me/export?user_id=${recruiter.id.toUpperCase()}`, { token: recruiter.token });
    expect(answer.status).toBe(200);
    expect(answer.body.data.recruiter_profile).toEqual([expect.objectContaining({ username: recruiter.username })]);
    expect(answer.body.data.job_postings.map((row: { id: number }) => row.id)).toContain(jobId);
    expect(answer.body.data.job_applications).toEqual([]);
  });

  test("another account's: 404; not a user id: 422; no token: 401; a deactivated account: 403", async () => {
    expect(await call("GET", `/api/v1/me/export?user_id=${recruiter.id}`, { token: candidate.token })).toMatchObject({ status: 404, body: { success: false, detail: "Account not found" } });
    expect((await call("GET", "/api/v1/me/export?user_id=me", { token: candidate.token })).status).toBe(422);
    expect((await call("GET", "/api/v1/me/export")).status).toBe(401);
    const other = await registerCandidate(stack);
    await stack.superuser`select private.deactivate_account(${other.id}, 'test', 'me suite')`;
    expect(await call("GET", "/api/v1/me/export", { token: other.token })).toMatchObject({ status: 403, body: { detail: "Account is inactive" } });
    // Nor may it erase itself (an administrator decides about a deactivated account).
    expect(await call("DELETE", "/api/v1/me", { token: other.token })).toMatchObject({ status: 403, body: { detail: "Account is inactive" } });
  });
});

describe("DELETE /api/v1/me", () => {
  test("needs a fresh sign-in or the password: a stale or refreshed token alone is 401, a wrong password 401", async () => {
    const account = await registerCandidate(stack);
    expect((await call("DELETE", "/api/v1/me")).status).toBe(401);
    const stale = await staleToken(account);
    const refused = await call("DELETE", "/api/v1/me", { token: stale });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toContain("password");
    // A refresh gives a new iat, not a new sign-in: its amr still says when that was.
    const refreshed = await tokenWith(account, { iat: now(), exp: now() + 1800, amr: [{ method: "password", timestamp: now() - 3600 }] });
    expect((await call("DELETE", "/api/v1/me", { token: refreshed })).status).toBe(401);
    expect(await call("DELETE", "/api/v1/me", { token: stale, body: { password: "not-the-password-1" } })).toMatchObject({
      status: 401,
      body: { success: false, detail: "Incorrect password" },
    });
    // Nothing happened.
    expect((await call("GET", "/api/v1/auth/me", { token: account.token })).status).toBe(200);
  });

  test("another account's id: 404; a body that is not { password?, user_id? }: 422", async () => {
    const [account, other] = await Promise.all([registerCandidate(stack), registerCandidate(stack)]);
    expect(await call("DELETE", "/api/v1/me", { token: account.token, body: { user_id: other.id } })).toMatchObject({ status: 404, body: { detail: "Account not found" } });
    for (const body of [{ password: 12345678 }, { passwort: testPassword }, [], "erase me"]) {
      expect([body, (await call("DELETE", "/api/v1/me", { token: account.token, body })).status]).toEqual([body, 422]);
    }
    const answer = await answerOf(
      await sendToFacade(stack, "/api/v1/me", { method: "DELETE", headers: { authorization: `Bearer ${account.token}`, "content-type": "application/json" }, body: "{nope" }),
    );
    expect(answer.status).toBe(400);
    expect((await call("GET", "/api/v1/auth/me", { token: other.token })).status).toBe(200);
    expect((await call("GET", "/api/v1/auth/me", { token: account.token })).status).toBe(200);
  });

  test("with a fresh sign-in: the account, its rows and its files are gone in one request; asked again: 404", async () => {
    const account = await registerCandidate(stack, { fullName: "Erased Erin" });
    const resume = await uploadResume(account, "Erin CV");
    const before = await call("GET", `/api/v1/resumes/${resume.id}`, { token: account.token });
    const fileUrl = before.body.resume.pdf_signed_url as string;
    expect((await openSignedUrl(stack, fileUrl)).status).toBe(200);

    const erased = await call("DELETE", "/api/v1/me", { token: account.token });
    expect(erased).toMatchObject({
      status: 200,
      body: { success: true, user_id: account.id, status: "completed", pending_files: 0, message: "The account and all its data are deleted" },
    });
    expect((await openSignedUrl(stack, fileUrl)).status).toBe(404);
    const db = stack.superuser;
    expect(await db`select id from auth.users where id = ${account.id}`).toEqual([] as never);
    expect(await db`select id from public.resumes where id = ${resume.id}`).toEqual([] as never);
    expect(await db`select storage_key from private.stored_file_deletions where storage_key = ${resume.key}`).toEqual([] as never);
    const [erasure] = await db`select user_id, completed_at is not null as completed from private.account_erasures order by id desc limit 1`;
    expect(erasure).toEqual({ user_id: null, completed: true } as never);

    // The token still verifies (it is a signed JWT until it expires); the account is gone.
    expect(await call("DELETE", "/api/v1/me", { token: account.token })).toMatchObject({ status: 404, body: { detail: "Account not found" } });
    expect((await call("GET", "/api/v1/me/export", { token: account.token })).status).toBe(404);
    expect((await call("POST", "/api/v1/auth/login", { body: { email: account.email, password: testPassword } })).status).toBe(401);
  });

  test("two erasures of one account at once: one erasure; each answered 200, or 404 if the other had already finished", async () => {
    const account = await registerCandidate(stack);
    await uploadResume(account, "Raced CV");
    const [before] = await stack.superuser`select count(*)::int as n from private.account_erasures`;
    const answers = await Promise.all([1, 2].map(() => call("DELETE", "/api/v1/me", { token: account.token })));
    expect(answers.map((answer) => answer.status).sort()).toEqual(expect.arrayContaining([200]));
    for (const answer of answers) expect([200, 404]).toContain(answer.status);
    const [after] = await stack.superuser`select count(*)::int as n from private.account_erasures`;
    expect(after!.n - before!.n).toBe(1);
    expect((await call("DELETE", "/api/v1/me", { token: account.token })).status).toBe(404);
  });

  test("with the password and an older token: the same", async () => {
    const account = await registerCandidate(stack);
    const erased = await call("DELETE", "/api/v1/me", { token: await staleToken(account), body: { password: testPassword, user_id: account.id } });
    expect(erased).toMatchObject({ status: 200, body: { status: "completed", user_id: account.id } });
    expect(await stack.superuser`select id from public.profiles where id = ${account.id}`).toEqual([] as never);
  });

  test("a candidate's erasure: the recruiter keeps the application, its status and history, without the person or the resume", async () => {
    const [candidate, recruiter] = await Promise.all([registerCandidate(stack, { fullName: "Gone Gwen" }), registerRecruiter(stack)]);
    const resume = await uploadResume(candidate, "Gwen CV");
    const [openJob, closedJob] = [await createJob(stack, recruiter, posting, ip), await createJob(stack, recruiter, posting, ip)];
    const apply = async (jobId: number) =>
      (await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, body: { resume_id: resume.id, cover_letter: "Gwen here" } })).body.application_id as number;
    const [open, accepted] = [await apply(openJob), await apply(closedJob)];
    for (const status of ["reviewed", "shortlisted", "accepted"]) {
      expect((await call("PATCH", `/api/v1/applications/${accepted}/status`, { token: recruiter.token, body: { status } })).status).toBe(200);
    }

    expect((await call("DELETE", "/api/v1/me", { token: candidate.token })).body.status).toBe("completed");

    const listed = await call("GET", `/api/v1/jobs/${closedJob}/applications`, { token: recruiter.token });
    expect(listed.body.applications).toEqual([
      {
        application_id: accepted,
        status: "accepted",
        cover_letter: null,
        applied_at: expect.any(String),
        reviewed_at: expect.any(String),
        candidate: { id: null, full_name: null, email: null, erased_at: expect.any(String) },
        resume: { id: null, resume_name: null, is_active: false, url: null, deleted_at: expect.any(String) },
      },
    ]);
    const withdrawn = await call("GET", `/api/v1/jobs/${openJob}/applications`, { token: recruiter.token });
    expect(withdrawn.body.applications).toEqual([expect.objectContaining({ application_id: open, status: "withdrawn", candidate: expect.objectContaining({ id: null }) })]);
    const history = await call("GET", `/api/v1/applications/${accepted}/history`, { token: recruiter.token });
    expect(history.body.history.map((entry: { to_status: string; changed_by: string | null; changed_by_role: string }) => [entry.to_status, entry.changed_by, entry.changed_by_role])).toEqual([
      ["pending", null, "candidate"],
      ["reviewed", recruiter.id, "recruiter"],
      ["shortlisted", recruiter.id, "recruiter"],
      ["accepted", recruiter.id, "recruiter"],
    ]);
    const openHistory = await call("GET", `/api/v1/applications/${open}/history`, { token: recruiter.token });
    expect(openHistory.body.history.at(-1)).toMatchObject({ from_status: "pending", to_status: "withdrawn", changed_by: null, changed_by_role: "candidate" });
  });

  test("a recruiter's erasure: candidates keep their applications and the postings they applied to, closed", async () => {
    const [candidate, recruiter] = await Promise.all([registerCandidate(stack), registerRecruiter(stack)]);
    const resume = await uploadResume(candidate, "Kept CV");
    const applied = await createJob(stack, recruiter, { ...posting, title: "Applied role" }, ip);
    const untouched = await createJob(stack, recruiter, { ...posting, title: "Nobody applied" }, ip);
    const application = (await call("POST", `/api/v1/jobs/${applied}/apply`, { token: candidate.token, body: { resume_id: resume.id } })).body.application_id;

    expect((await call("DELETE", "/api/v1/me", { token: recruiter.token })).body.status).toBe("completed");

    const mine = await call("GET", "/api/v1/applications/mine", { token: candidate.token });
    expect(mine.body.applications).toEqual([
      expect.objectContaining({
        application_id: application,
        status: "pending",
        job: { id: applied, title: "Applied role", company_name: "Quill Studio", location: "Remote", is_open: false },
        resume: { id: resume.id, resume_name: "Kept CV" },
      }),
    ]);
    expect((await call("GET", `/api/v1/jobs/${untouched}`)).status).toBe(404);
    expect((await call("GET", `/api/v1/recruiters/profile/${recruiter.username}`)).status).toBe(404);
    // The candidate may still withdraw it.
    expect((await call("POST", `/api/v1/applications/${application}/withdraw`, { token: candidate.token })).status).toBe(200);
  });
});

describe("DELETE /api/v1/resumes/{id} keeps the applications made with the resume", () => {
  test("the recruiter's list and the candidate's say the resume is gone; the file's queue entry is cleared", async () => {
    const [candidate, recruiter] = await Promise.all([registerCandidate(stack, { fullName: "Deleting Dana" }), registerRecruiter(stack)]);
    const resume = await uploadResume(candidate, "Dana CV");
    const jobId = await createJob(stack, recruiter, posting, ip);
    const application = (await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, body: { resume_id: resume.id } })).body.application_id;

    expect((await call("DELETE", `/api/v1/resumes/${resume.id}`, { token: candidate.token })).status).toBe(200);

    const listed = await call("GET", `/api/v1/jobs/${jobId}/applications`, { token: recruiter.token });
    expect(listed.body.applications).toEqual([
      expect.objectContaining({
        application_id: application,
        status: "withdrawn",
        candidate: { id: candidate.id, full_name: "Deleting Dana", email: candidate.email },
        resume: { id: null, resume_name: null, is_active: false, url: null, deleted_at: expect.any(String) },
      }),
    ]);
    const mine = await call("GET", "/api/v1/applications/mine", { token: candidate.token });
    expect(mine.body.applications[0]).toMatchObject({ application_id: application, status: "withdrawn", resume: { id: null, resume_name: null, deleted_at: expect.any(String) } });
    expect(await stack.superuser`select storage_key from private.stored_file_deletions where storage_key = ${resume.key}`).toEqual([] as never);
  });
});
