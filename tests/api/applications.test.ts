// Applications, in process (the facade's controllers over the real database): the
// seed's apply and its messages, the candidate's list and withdrawal, the recruiter's
// applicants with a resume link that opens, the status pipeline with its history, and
// exact counts under concurrent applies.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Sql } from "../../src/db/client.ts";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { uploadForm } from "../support/faces.ts";
import { createJob as createPosting, insertResume as insertResumeRow } from "../support/job-board.ts";
import { buildPdf } from "../support/pdf.ts";
import { answerOf, facadeCaller, openSignedUrl, sendToFacade, testClientIp } from "../support/stack.ts";

const stack = useInProcessFacade();
let db: Sql;
let recruiter: Account & { username: string };
let otherRecruiter: Account & { username: string };
let alice: Account;
let bob: Account;
let aliceResume: number;
let bobResume: number;
const ip = testClientIp();

const call = facadeCaller(stack, ip);

/** A resume row for `owner`, as the upload would leave it (the file itself is not needed here). */
const insertResume = (owner: Account, options: { active?: boolean; name?: string } = {}) => insertResumeRow(db, owner.id, options);

const createJob = (owner: Account, overrides: Record<string, unknown> = {}) =>
  createPosting(
    stack,
    owner,
    { title: "Platform Engineer", company_name: "Tech Corp", location: "Remote", job_type: "full-time", experience_level: "mid", description: "Run the platform.", ...overrides },
    ip,
  );

async function applyOk(candidate: Account, jobId: number, resumeId: number, coverLetter?: string): Promise<number> {
  const answer = await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, body: { resume_id: resumeId, cover_letter: coverLetter } });
  expect(answer.status).toBe(200);
  return answer.body.application_id as number;
}

const countOf = async (jobId: number) => {
  const [row] = await db`
    select j.applications_count, (select count(*)::int from public.job_applications a where a.job_id = j.id) as rows
      from public.job_postings j where j.id = ${jobId}`;
  return { counter: row!.applications_count as number, rows: row!.rows as number };
};

beforeAll(async () => {
  db = stack.superuser;
  [recruiter, otherRecruiter, alice, bob] = await Promise.all([
    registerRecruiter(stack),
    registerRecruiter(stack),
    registerCandidate(stack, { fullName: "Alice Applicant" }),
    registerCandidate(stack, { fullName: "Bob Applicant" }),
  ]);
  aliceResume = await insertResume(alice, { name: "Alice CV" });
  bobResume = await insertResume(bob, { name: "Bob CV" });
});

describe("POST /api/v1/jobs/{job_id}/apply", () => {
  test("the seed's answer; the application is the caller's, pending, counted once, its submission in the history", async () => {
    const jobId = await createJob(recruiter);
    const answer = await call("POST", `/api/v1/jobs/${jobId}/apply`, {
      token: alice.token,
      body: { resume_id: aliceResume, cover_letter: "I am very interested..." },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, application_id: expect.any(Number), message: "Application submitted successfully" });
    const [row] = await db`select * from public.job_applications where id = ${answer.body.application_id}`;
    expect(row).toMatchObject({ job_id: String(jobId), candidate_id: alice.id, resume_id: String(aliceResume), status: "pending", cover_letter: "I am very interested...", reviewed_at: null });
    expect(await countOf(jobId)).toEqual({ counter: 1, rows: 1 });
    const history = await db`select from_status, to_status, changed_by from public.job_application_status_history where application_id = ${answer.body.application_id}`;
    expect([...history]).toEqual([{ from_status: null, to_status: "pending", changed_by: alice.id }]);
  });

  test("a second application to the same job is the seed's 400, whatever resume", async () => {
    const jobId = await createJob(recruiter);
    await applyOk(alice, jobId, aliceResume);
    const second = await insertResume(alice, { name: "Another CV" });
    for (const resumeId of [aliceResume, second]) {
      const again = await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: alice.token, body: { resume_id: resumeId } });
      expect(again.status).toBe(400);
      expect(again.body).toEqual({ success: false, detail: "Already applied to this job" });
    }
    expect(await countOf(jobId)).toEqual({ counter: 1, rows: 1 });
  });

  test("unknown, closed and expired jobs are the seed's 404 Job not found", async () => {
    const closed = await createJob(recruiter);
    await call("DELETE", `/api/v1/jobs/${closed}`, { token: recruiter.token });
    const expired = await createJob(recruiter);
    await db`update public.job_postings set expires_at = now() - interval '1 second' where id = ${expired}`;
    for (const jobId of [999_999_999, closed, expired]) {
      const answer = await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: alice.token, body: { resume_id: aliceResume } });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Job not found" });
    }
    expect((await countOf(closed)).rows + (await countOf(expired)).rows).toBe(0);
  });

  test("someone else's resume, an inactive one or an unknown one is the seed's 404 Resume not found", async () => {
    const jobId = await createJob(recruiter);
    const inactive = await insertResume(alice, { active: false });
    for (const resumeId of [bobResume, inactive, 999_999_999]) {
      const answer = await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: alice.token, body: { resume_id: resumeId } });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Resume not found" });
    }
    expect(await countOf(jobId)).toEqual({ counter: 0, rows: 0 });
  });

  test("a recruiter cannot apply to their own posting", async () => {
    const jobId = await createJob(recruiter);
    const ownResume = await insertResume(recruiter);
    const answer = await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: recruiter.token, body: { resume_id: ownResume } });
    expect(answer.status).toBe(403);
    expect(await countOf(jobId)).toEqual({ counter: 0, rows: 0 });
  });

  test("needs a valid token", async () => {
    const jobId = await createJob(recruiter);
    expect((await call("POST", `/api/v1/jobs/${jobId}/apply`, { body: { resume_id: aliceResume } })).status).toBe(401);
    expect((await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: "x.y.z", body: { resume_id: aliceResume } })).status).toBe(401);
  });

  const badBodies: [string, unknown, string][] = [
    ["resume_id missing", { cover_letter: "Hi" }, "resume_id"],
    ["resume_id a string", { resume_id: "12" }, "resume_id"],
    ["resume_id fractional", { resume_id: 1.5 }, "resume_id"],
    ["resume_id zero", { resume_id: 0 }, "resume_id"],
    ["resume_id negative", { resume_id: -3 }, "resume_id"],
    ["resume_id beyond 2^53", { resume_id: 2 ** 60 }, "resume_id"],
    ["cover_letter too long", { resume_id: 1, cover_letter: "x".repeat(10_001) }, "cover_letter"],
    ["cover_letter wrong type", { resume_id: 1, cover_letter: ["Hi"] }, "cover_letter"],
    ["cover_letter with NUL", { resume_id: 1, cover_letter: "a\u0000b" }, "cover_letter"],
  ];
  for (const [name, body, field] of badBodies) {
    test(`422 for ${name}`, async () => {
      const answer = await call("POST", "/api/v1/jobs/1/apply", { token: alice.token, body });
      expect(answer.status).toBe(422);
      expect(answer.body.errors.map((e: { loc: string[] }) => e.loc.join("."))).toContain(`body.${field}`);
    });
  }

  test("a unicode cover letter with line breaks is kept; an empty one is none", async () => {
    const jobId = await createJob(recruiter);
    const letter = "Bonjour 👋\nJ'ai 10 ans d'expérience — 日本語も話せます。";
    const id = await applyOk(alice, jobId, aliceResume, letter);
    const other = await createJob(recruiter);
    const empty = await applyOk(bob, other, bobResume, "   ");
    const rows = await db`select id, cover_letter from public.job_applications where id in ${db([id, empty])} order by id`;
    expect(rows.map((row) => row.cover_letter)).toEqual([letter, null]);
  });
});

describe("concurrent applies", () => {
  test("50 concurrent applies by one candidate to one job: exactly one succeeds and the count is 1", async () => {
    const jobId = await createJob(recruiter);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call("POST", `/api/v1/jobs/${jobId}/apply`, { token: bob.token, body: { resume_id: bobResume } })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(49);
    for (const answer of answers.filter((a) => a.status === 400)) expect(answer.body.detail).toBe("Already applied to this job");
    expect(await countOf(jobId)).toEqual({ counter: 1, rows: 1 });
    const detail = await call("GET", `/api/v1/jobs/${jobId}`);
    expect(detail.body.job.applications_count).toBe(1);
  });

  test("50 different candidates applying concurrently: all succeed and the count is exactly 50", async () => {
    const candidates: Account[] = [];
    for (let batch = 0; batch < 5; batch++) {
      candidates.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => registerCandidate(stack, { fullName: `Crowd ${batch * 10 + i}` })))));
    }
    const resumes = await Promise.all(candidates.map((candidate) => insertResume(candidate)));
    const jobId = await createJob(recruiter);
    const answers = await Promise.all(
      candidates.map((candidate, i) => call("POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, body: { resume_id: resumes[i] } })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((answer) => answer.body.application_id)).size).toBe(50);
    expect(await countOf(jobId)).toEqual({ counter: 50, rows: 50 });
    const applicants = await call("GET", `/api/v1/jobs/${jobId}/applications?limit=100`, { token: recruiter.token });
    expect(applicants.body.total).toBe(50);
    expect(applicants.body.applications).toHaveLength(50);
  });
});

describe("GET /api/v1/applications/mine", () => {
  test("the candidate's applications, newest first, keeping jobs that closed since (title, company, status)", async () => {
    const carol = await registerCandidate(stack, { fullName: "Carol" });
    const resume = await insertResume(carol, { name: "Carol CV" });
    const first = await createJob(recruiter, { title: "First role", company_name: "Alpha" });
    const second = await createJob(otherRecruiter, { title: "Second role", company_name: "Beta" });
    const firstApplication = await applyOk(carol, first, resume, "Hello");
    const secondApplication = await applyOk(carol, second, resume);
    await call("DELETE", `/api/v1/jobs/${first}`, { token: recruiter.token });
    await call("PATCH", `/api/v1/applications/${firstApplication}/status`, { token: recruiter.token, body: { status: "reviewed" } });

    const answer = await call("GET", "/api/v1/applications/mine", { token: carol.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      total: 2,
      applications: [
        {
          application_id: secondApplication,
          status: "pending",
          cover_letter: null,
          applied_at: expect.any(String),
          reviewed_at: null,
          updated_at: expect.any(String),
          job: { id: second, title: "Second role", company_name: "Beta", location: "Remote", is_open: true },
          resume: { id: resume, resume_name: "Carol CV" },
        },
        {
          application_id: firstApplication,
          status: "reviewed",
          cover_letter: "Hello",
          applied_at: expect.any(String),
          reviewed_at: expect.any(String),
          updated_at: expect.any(String),
          job: { id: first, title: "First role", company_name: "Alpha", location: "Remote", is_open: false },
          resume: { id: resume, resume_name: "Carol CV" },
        },
      ],
    });
    const paged = await call("GET", "/api/v1/applications/mine?limit=1&offset=1", { token: carol.token });
    expect(paged.body.applications.map((a: { application_id: number }) => a.application_id)).toEqual([firstApplication]);
    expect(paged.body.total).toBe(2);
    // The candidate still reads the closed posting they applied to.
    const closedJob = await call("GET", `/api/v1/jobs/${first}`, { token: carol.token });
    expect(closedJob.status).toBe(200);
    expect(closedJob.body.job).toMatchObject({ id: first, is_open: false, is_owner: false });
    expect((await call("GET", `/api/v1/jobs/${first}`, { token: bob.token })).status).toBe(404);
  });

  test("someone with no applications gets an empty list; anon 401; bad paging 422", async () => {
    const answer = await call("GET", "/api/v1/applications/mine", { token: otherRecruiter.token });
    expect(answer.body).toEqual({ success: true, total: 0, applications: [] });
    expect((await call("GET", "/api/v1/applications/mine")).status).toBe(401);
    expect((await call("GET", "/api/v1/applications/mine?limit=0", { token: alice.token })).status).toBe(422);
    expect((await call("GET", "/api/v1/applications/mine?offset=x", { token: alice.token })).status).toBe(422);
  });
});

describe("GET /api/v1/jobs/{job_id}/applications", () => {
  test("the recruiter sees each applicant with the resume's name and a signed link that opens the PDF", async () => {
    const dana = await registerCandidate(stack, { fullName: "Dana Developer" });
    const pdf = buildPdf({ text: "Dana's resume" });
    const uploaded = await answerOf(
      await sendToFacade(stack, "/api/v1/resumes/upload", {
        method: "POST",
        headers: { authorization: `Bearer ${dana.token}`, "x-forwarded-for": ip },
        body: uploadForm({ file: { bytes: pdf, name: "dana.pdf" }, resume_name: "Dana — Résumé 2026" }),
      }),
    );
    expect(uploaded.status).toBe(200);
    const jobId = await createJob(recruiter);
    const applicationId = await applyOk(dana, jobId, uploaded.body.resume_id, "Please consider me");
    await applyOk(alice, jobId, aliceResume);

    const answer = await call("GET", `/api/v1/jobs/${jobId}/applications`, { token: recruiter.token });
    expect(answer.status).toBe(200);
    expect(answer.body.success).toBe(true);
    expect(answer.body.job_id).toBe(jobId);
    expect(answer.body.total).toBe(2);
    const entry = answer.body.applications.find((a: { application_id: number }) => a.application_id === applicationId);
    expect(entry).toEqual({
      application_id: applicationId,
      status: "pending",
      cover_letter: "Please consider me",
      applied_at: expect.any(String),
      reviewed_at: null,
      candidate: { id: dana.id, full_name: "Dana Developer", email: dana.email },
      resume: { id: uploaded.body.resume_id, resume_name: "Dana — Résumé 2026", is_active: true, url: expect.stringContaining("token=") },
    });
    const download = await openSignedUrl(stack, entry.resume.url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(pdf);
    // Newest first.
    expect(answer.body.applications[0].candidate.id).toBe(alice.id);
  });

  test("filters by status and pages", async () => {
    const jobId = await createJob(recruiter);
    const a = await applyOk(alice, jobId, aliceResume);
    await applyOk(bob, jobId, bobResume);
    await call("PATCH", `/api/v1/applications/${a}/status`, { token: recruiter.token, body: { status: "reviewed" } });
    const reviewed = await call("GET", `/api/v1/jobs/${jobId}/applications?status=reviewed`, { token: recruiter.token });
    expect(reviewed.body.total).toBe(1);
    expect(reviewed.body.applications.map((x: { application_id: number }) => x.application_id)).toEqual([a]);
    const page = await call("GET", `/api/v1/jobs/${jobId}/applications?limit=1&offset=1`, { token: recruiter.token });
    expect(page.body.applications).toHaveLength(1);
    expect(page.body.total).toBe(2);
    expect((await call("GET", `/api/v1/jobs/${jobId}/applications?status=hired`, { token: recruiter.token })).status).toBe(422);
  });

  test("someone else's job is 404 for a recruiter and a candidate; anon 401", async () => {
    const jobId = await createJob(recruiter);
    await applyOk(alice, jobId, aliceResume);
    for (const token of [otherRecruiter.token, alice.token]) {
      const answer = await call("GET", `/api/v1/jobs/${jobId}/applications`, { token });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Job not found" });
    }
    expect((await call("GET", `/api/v1/jobs/${jobId}/applications`)).status).toBe(401);
  });
});

describe("the status pipeline through HTTP", () => {
  test("pending → reviewed → shortlisted → accepted, reviewed_at stamped once, every change in the history; accepted is final", async () => {
    const jobId = await createJob(recruiter);
    const id = await applyOk(alice, jobId, aliceResume);
    const move = (status: string, token = recruiter.token) => call("PATCH", `/api/v1/applications/${id}/status`, { token, body: { status } });

    const reviewed = await move("reviewed");
    expect(reviewed.status).toBe(200);
    expect(reviewed.body).toEqual({ success: true, application_id: id, status: "reviewed", reviewed_at: expect.any(String), message: "Application status updated" });
    const reviewedAt = reviewed.body.reviewed_at;

    // Skipping a step, going back, or a status that is not one are refused.
    const skip = await move("accepted");
    expect(skip.status).toBe(409);
    expect(skip.body).toEqual({ success: false, detail: "cannot move an application from reviewed to accepted" });
    expect((await move("pending")).status).toBe(409);
    expect((await move("hired")).status).toBe(422);
    expect((await call("PATCH", `/api/v1/applications/${id}/status`, { token: recruiter.token, body: {} })).status).toBe(422);

    expect((await move("shortlisted")).body.status).toBe("shortlisted");
    const accepted = await move("accepted");
    expect(accepted.body).toMatchObject({ status: "accepted", reviewed_at: reviewedAt });

    const final = await move("rejected");
    expect(final.status).toBe(409);
    expect(final.body.detail).toBe("application is accepted and can no longer change");
    const withdraw = await call("POST", `/api/v1/applications/${id}/withdraw`, { token: alice.token });
    expect(withdraw.status).toBe(409);

    for (const token of [recruiter.token, alice.token]) {
      const history = await call("GET", `/api/v1/applications/${id}/history`, { token });
      expect(history.status).toBe(200);
      expect(history.body).toEqual({
        success: true,
        application_id: id,
        status: "accepted",
        history: [
          { from_status: null, to_status: "pending", changed_at: expect.any(String), changed_by: alice.id, changed_by_role: "candidate" },
          { from_status: "pending", to_status: "reviewed", changed_at: expect.any(String), changed_by: recruiter.id, changed_by_role: "recruiter" },
          { from_status: "reviewed", to_status: "shortlisted", changed_at: expect.any(String), changed_by: recruiter.id, changed_by_role: "recruiter" },
          { from_status: "shortlisted", to_status: "accepted", changed_at: expect.any(String), changed_by: recruiter.id, changed_by_role: "recruiter" },
        ],
      });
    }
  });

  test("rejection straight from pending is final too", async () => {
    const jobId = await createJob(recruiter);
    const id = await applyOk(bob, jobId, bobResume);
    const rejected = await call("PATCH", `/api/v1/applications/${id}/status`, { token: recruiter.token, body: { status: "rejected" } });
    expect(rejected.body).toMatchObject({ status: "rejected", reviewed_at: expect.any(String) });
    expect((await call("PATCH", `/api/v1/applications/${id}/status`, { token: recruiter.token, body: { status: "reviewed" } })).status).toBe(409);
  });

  test("the candidate cannot move their own application (403); another recruiter or candidate cannot see it (404); nothing changes", async () => {
    const jobId = await createJob(recruiter);
    const id = await applyOk(alice, jobId, aliceResume);
    const own = await call("PATCH", `/api/v1/applications/${id}/status`, { token: alice.token, body: { status: "shortlisted" } });
    expect(own.status).toBe(403);
    expect(own.body).toEqual({ success: false, detail: "a candidate can only withdraw an application" });
    for (const token of [otherRecruiter.token, bob.token]) {
      const answer = await call("PATCH", `/api/v1/applications/${id}/status`, { token, body: { status: "reviewed" } });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Application not found" });
      expect((await call("GET", `/api/v1/applications/${id}/history`, { token })).status).toBe(404);
    }
    expect((await call("PATCH", `/api/v1/applications/${id}/status`, { body: { status: "reviewed" } })).status).toBe(401);
    const [row] = await db`select status from public.job_applications where id = ${id}`;
    expect(row!.status).toBe("pending");
    expect((await call("GET", "/api/v1/applications/999999999/history", { token: alice.token })).status).toBe(404);
    expect((await call("GET", "/api/v1/applications/abc/history", { token: alice.token })).status).toBe(422);
  });
});

describe("POST /api/v1/applications/{id}/withdraw", () => {
  test("the candidate withdraws; the history says so; the recruiter no longer gets the resume link", async () => {
    const jobId = await createJob(recruiter);
    const id = await applyOk(alice, jobId, aliceResume);
    await call("PATCH", `/api/v1/applications/${id}/status`, { token: recruiter.token, body: { status: "reviewed" } });

    const answer = await call("POST", `/api/v1/applications/${id}/withdraw`, { token: alice.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, application_id: id, status: "withdrawn", reviewed_at: expect.any(String), message: "Application withdrawn" });

    const history = await call("GET", `/api/v1/applications/${id}/history`, { token: recruiter.token });
    expect(history.body.history.at(-1)).toMatchObject({ from_status: "reviewed", to_status: "withdrawn", changed_by: alice.id, changed_by_role: "candidate" });
    const applicants = await call("GET", `/api/v1/jobs/${jobId}/applications`, { token: recruiter.token });
    expect(applicants.body.applications[0]).toMatchObject({ application_id: id, status: "withdrawn", resume: { url: null } });
    // Withdrawn is final for everyone, and the application still counts as the one application to this job.
    expect((await call("PATCH", `/api/v1/applications/${id}/status`, { token: recruiter.token, body: { status: "shortlisted" } })).status).toBe(409);
    expect((await call("POST", `/api/v1/jobs/${jobId}/apply`, { token: alice.token, body: { resume_id: aliceResume } })).status).toBe(400);
    expect(await countOf(jobId)).toEqual({ counter: 1, rows: 1 });
  });

  test("only the candidate withdraws: the recruiter gets 403, others 404", async () => {
    const jobId = await createJob(recruiter);
    const id = await applyOk(bob, jobId, bobResume);
    const byRecruiter = await call("POST", `/api/v1/applications/${id}/withdraw`, { token: recruiter.token });
    expect(byRecruiter.status).toBe(403);
    expect(byRecruiter.body.detail).toBe("only the candidate can withdraw an application");
    for (const token of [alice.token, otherRecruiter.token]) {
      expect((await call("POST", `/api/v1/applications/${id}/withdraw`, { token })).status).toBe(404);
    }
    expect((await call("POST", `/api/v1/applications/${id}/withdraw`)).status).toBe(401);
    const [row] = await db`select status from public.job_applications where id = ${id}`;
    expect(row!.status).toBe("pending");
  });
});
