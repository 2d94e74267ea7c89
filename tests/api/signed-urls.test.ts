// Signed download links live SIGNED_URL_TTL_SECONDS (default 5 minutes: hole 8 of issue
// 11, a rotated or deactivated share link's PDF kept downloading for an hour): the
// owner's read, the public fetch (PDF and thumbnail) and a recruiter's applicant list
// all sign with the setting, in process over the real database.
import { beforeAll, describe, expect, test } from "bun:test";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { seedApiToken, uploadForm } from "../support/faces.ts";
import { createJob } from "../support/job-board.ts";
import { buildPdf } from "../support/pdf.ts";
import { answerOf, callFacade, sendToFacade, testClientIp, type FacadeTarget } from "../support/stack.ts";

const stack = useInProcessFacade();
let candidate: Account;
let recruiter: Account;
let resume: { id: number; token: string };
let jobId: number;

beforeAll(async () => {
  [candidate, recruiter] = await Promise.all([registerCandidate(stack), registerRecruiter(stack)]);
  const uploaded = await answerOf(
    await sendToFacade(stack, "/api/v1/resumes/upload", {
      method: "POST",
      headers: { authorization: `Bearer ${candidate.token}`, "x-forwarded-for": testClientIp() },
      body: uploadForm({ file: { bytes: buildPdf({ text: "Short-lived links" }) }, resume_name: "Signed", is_public: "true" }),
    }),
  );
  expect(uploaded.status).toBe(200);
  resume = { id: uploaded.body.resume_id, token: uploaded.body.permanent_token };
  jobId = await createJob(stack, recruiter, {
    title: "Link Checker", company_name: "Tech Corp", location: "Remote", job_type: "full-time", experience_level: "mid", description: "Check links.",
  });
  const applied = await callFacade(stack, "POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, ip: testClientIp(), body: { resume_id: resume.id } });
  expect(applied.status).toBe(200);
});

/** Every signed link the facade gives out for the resume, each with its expiry (Unix seconds). */
async function signedLinks(target: FacadeTarget): Promise<Record<string, number>> {
  const ip = testClientIp();
  const own = await callFacade(target, "GET", `/api/v1/resumes/${resume.id}`, { token: candidate.token, ip });
  const shared = await callFacade(target, "GET", `/api/v1/shared/public/resume/${resume.token}?include=preview`, { ip, headers: { "x-api-token": seedApiToken } });
  const applicants = await callFacade(target, "GET", `/api/v1/jobs/${jobId}/applications`, { token: recruiter.token, ip });
  expect([own.status, shared.status, applicants.status]).toEqual([200, 200, 200]);
  const expiryOf = (url: string) => Number(new URL(url).searchParams.get("expires"));
  return {
    "the owner's read": expiryOf(own.body.resume.pdf_signed_url),
    "the public fetch's PDF": expiryOf(shared.body.pdf_signed_url),
    "the public fetch's thumbnail": expiryOf(shared.body.preview.thumbnail_url),
    "a recruiter's applicant list": expiryOf(applicants.body.applications[0].resume.url),
  };
}

/** The links whose lifetime is not `ttl` seconds (give or take the test's own seconds). */
async function linksNotLasting(target: FacadeTarget, ttl: number): Promise<[string, number][]> {
  const now = Math.floor(Date.now() / 1000);
  const links = await signedLinks(target);
  return Object.entries(links)
    .map(([link, expires]): [string, number] => [link, expires - now])
    .filter(([, lifetime]) => lifetime < ttl || lifetime > ttl + 3);
}

describe("signed URLs expire after SIGNED_URL_TTL_SECONDS", () => {
  test("by default 5 minutes", async () => {
    // The in-process facade runs with the settings' defaults.
    expect(await linksNotLasting(stack, 300)).toEqual([]);
  });

  test("a facade set to 2 minutes signs every link for 2 minutes", async () => {
    const short = stack.variant({ signedUrlTtlSeconds: 120 });
    expect(await linksNotLasting({ facadeUrl: stack.facadeUrl, handle: (request) => short.handle(request) }, 120)).toEqual([]);
  });
});
