// Recruiter profiles, in process (the facade's controllers over the real database):
// the seed's public profile (any letter case, never the phone, with the recruiter's open
// postings) and the owner's update.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Sql } from "../../src/db/client.ts";
import { logIn, registerCandidate, registerRecruiter, techCorpProfile, testPassword, type Account } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { createJob as createPosting } from "../support/job-board.ts";
import { uniqueEmail, uniqueUsername } from "../support/personas.ts";
import { facadeCaller, sendToFacade, testClientIp } from "../support/stack.ts";

const stack = useInProcessFacade();
let db: Sql;
const ip = testClientIp();
const phone = "+1 (555) 123-4567";

const call = facadeCaller(stack, ip);

beforeAll(() => {
  db = stack.superuser;
});

const createJob = (owner: Account, overrides: Record<string, unknown> = {}) =>
  createPosting(
    stack,
    owner,
    { title: "Data Engineer", company_name: "TechCorp Inc.", location: "Berlin", job_type: "contract", experience_level: "mid", description: "Pipelines.", ...overrides },
    ip,
  );

describe("GET /api/v1/recruiters/profile/{username}", () => {
  let recruiter: Account & { username: string };
  let username: string;
  let jobs: { open: number; newer: number; closed: number; expired: number };

  beforeAll(async () => {
    username = uniqueUsername("TechCorp");
    recruiter = await registerRecruiter(stack, { ...techCorpProfile, username, phone });
    const open = await createJob(recruiter, { title: "Open role" });
    const newer = await createJob(recruiter, { title: "Newer role", job_type: "full-time" });
    const closed = await createJob(recruiter, { title: "Closed role" });
    const expired = await createJob(recruiter, { title: "Expired role" });
    await call("DELETE", `/api/v1/jobs/${closed}`, { token: recruiter.token });
    await db`update public.job_postings set expires_at = now() - interval '1 second' where id = ${expired}`;
    jobs = { open, newer, closed, expired };
  });

  test("the seed's public profile, with the other public details and the open postings newest first", async () => {
    const answer = await call("GET", `/api/v1/recruiters/profile/${username}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      profile: {
        username,
        recruiter_type: "company",
        company_name: "TechCorp Inc.",
        full_name: null,
        bio: "Leading technology company...",
        location: "San Francisco, CA",
        company_website: "https://techcorp.com",
        linkedin_url: "https://linkedin.com/company/techcorp",
        is_verified: false,
        created_at: expect.stringMatching(/Z$/),
        company_size: "201-500",
        industry: "Technology",
        specialization: null,
        years_experience: null,
        logo_url: null,
        active_jobs: [
          { id: jobs.newer, title: "Newer role", company_name: "TechCorp Inc.", location: "Berlin", job_type: "full-time", experience_level: "mid", salary_range: null, created_at: expect.any(String) },
          { id: jobs.open, title: "Open role", company_name: "TechCorp Inc.", location: "Berlin", job_type: "contract", experience_level: "mid", salary_range: null, created_at: expect.any(String) },
        ],
      },
    });
  });

  test("never shows the phone, to anyone", async () => {
    for (const token of [undefined, recruiter.token]) {
      const response = await sendToFacade(stack, `/api/v1/recruiters/profile/${username}`, {
        headers: { "x-forwarded-for": ip, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      // The username is unique per run and may hold any digits: look past it for the phone's.
      const text = (await response.text()).replaceAll(username, "");
      expect(response.status).toBe(200);
      expect(text).not.toContain("phone");
      expect(text).not.toContain("555");
    }
    // It is stored, for the owner.
    const [row] = await db`select phone from public.recruiter_profiles where username = ${username}`;
    expect(row!.phone).toBe(phone);
  });

  test("usernames match in any letter case", async () => {
    for (const spelling of [username.toLowerCase(), username.toUpperCase(), username]) {
      const answer = await call("GET", `/api/v1/recruiters/profile/${spelling}`);
      expect(answer.status).toBe(200);
      expect(answer.body.profile.username).toBe(username);
    }
  });

  test("unknown or impossible usernames are the seed's 404", async () => {
    for (const name of ["nobody-here-xyz", "ab", "x".repeat(101), "bad%20name", "%E2%9C%93-unicode", "a.b.c"]) {
      const answer = await call("GET", `/api/v1/recruiters/profile/${name}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Recruiter profile not found" });
    }
  });

  test("an individual recruiter's profile carries their name and specialization", async () => {
    const individual = await registerRecruiter(stack, {
      username: uniqueUsername("jane"),
      recruiter_type: "individual",
      company_name: undefined,
      full_name: "Jane Headhunter",
      specialization: "Engineering leaders",
      years_experience: 12,
    });
    const answer = await call("GET", `/api/v1/recruiters/profile/${individual.username}`);
    expect(answer.body.profile).toMatchObject({
      recruiter_type: "individual",
      full_name: "Jane Headhunter",
      specialization: "Engineering leaders",
      years_experience: 12,
      active_jobs: [],
    });
  });
});

describe("PUT /api/v1/recruiters/profile", () => {
  test("updates only the fields sent: the seed's answer, the phone stored but still private", async () => {
    const recruiter = await registerRecruiter(stack, { bio: "Old bio", location: "Austin, TX", industry: "Retail" });
    const answer = await call("PUT", "/api/v1/recruiters/profile", {
      token: recruiter.token,
      body: { bio: "Updated bio text... 🚀", phone: "+1 (555) 999-8888", location: "New York, NY" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      message: "Profile updated successfully",
      username: recruiter.username,
      public_profile_url: `https://previewcv.com/recruiter/profile/${recruiter.username}`,
    });
    const [row] = await db`select bio, phone, location, industry, updated_at > created_at as touched from public.recruiter_profiles where user_id = ${recruiter.id}`;
    expect(row).toEqual({ bio: "Updated bio text... 🚀", phone: "+1 (555) 999-8888", location: "New York, NY", industry: "Retail", touched: true });
    const publicView = await call("GET", `/api/v1/recruiters/profile/${recruiter.username}`);
    expect(publicView.body.profile).toMatchObject({ bio: "Updated bio text... 🚀", location: "New York, NY" });
    expect(JSON.stringify(publicView.body)).not.toContain("999-8888");
  });

  test("null clears an optional detail; an empty body changes nothing", async () => {
    const recruiter = await registerRecruiter(stack, { bio: "To be cleared", industry: "Retail" });
    expect((await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: { bio: null } })).status).toBe(200);
    expect((await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: {} })).status).toBe(200);
    const [row] = await db`select bio, industry from public.recruiter_profiles where user_id = ${recruiter.id}`;
    expect(row).toEqual({ bio: null, industry: "Retail" });
  });

  test("a new username keeps uniqueness whatever its case; changing one's own username's case is fine", async () => {
    const first = await registerRecruiter(stack);
    const second = await registerRecruiter(stack);
    const taken = await call("PUT", "/api/v1/recruiters/profile", { token: second.token, body: { username: first.username.toUpperCase() } });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ success: false, detail: "Username already taken" });

    const recased = await call("PUT", "/api/v1/recruiters/profile", { token: first.token, body: { username: first.username.toUpperCase() } });
    expect(recased.status).toBe(200);
    expect(recased.body.username).toBe(first.username.toUpperCase());

    const renamed = uniqueUsername("renamed");
    const moved = await call("PUT", "/api/v1/recruiters/profile", { token: second.token, body: { username: renamed } });
    expect(moved.body.public_profile_url).toBe(`https://previewcv.com/recruiter/profile/${renamed}`);
    expect((await call("GET", `/api/v1/recruiters/profile/${renamed}`)).status).toBe(200);
    expect((await call("GET", `/api/v1/recruiters/profile/${second.username}`)).status).toBe(404);
  });

  test("two recruiters racing for one username: one gets it, the other the seed's 400", async () => {
    const [a, b] = await Promise.all([registerRecruiter(stack), registerRecruiter(stack)]);
    const wanted = uniqueUsername("race");
    const answers = await Promise.all([a, b].map((r) => call("PUT", "/api/v1/recruiters/profile", { token: r.token, body: { username: wanted } })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    expect(await db`select user_id from public.recruiter_profiles where lower(username) = lower(${wanted})`).toHaveLength(1);
  });

  test("nobody sets their own is_verified", async () => {
    const recruiter = await registerRecruiter(stack);
    const answer = await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: { bio: "Trust me", is_verified: true } });
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { loc: string[] }) => e.loc.join("."))).toEqual(["body.is_verified"]);
    const [row] = await db`select is_verified, bio from public.recruiter_profiles where user_id = ${recruiter.id}`;
    expect(row).toEqual({ is_verified: false, bio: null });
  });

  test("a candidate gets the seed's 403; a recruiter without a profile the seed's 404; anon 401", async () => {
    const candidate = await registerCandidate(stack);
    const asCandidate = await call("PUT", "/api/v1/recruiters/profile", { token: candidate.token, body: { bio: "x" } });
    expect(asCandidate.status).toBe(403);
    expect(asCandidate.body).toEqual({ success: false, detail: "Only recruiters can update recruiter profiles" });

    const email = uniqueEmail("bare-recruiter");
    const registered = await call("POST", "/api/v1/auth/register", { body: { email, password: testPassword, full_name: "No Profile", user_type: "recruiter" } });
    expect(registered.status).toBe(200);
    const bare = await logIn(stack, email, "recruiter");
    const missing = await call("PUT", "/api/v1/recruiters/profile", { token: bare.token, body: { bio: "x" } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, detail: "Recruiter profile not found" });

    expect((await call("PUT", "/api/v1/recruiters/profile", { body: { bio: "x" } })).status).toBe(401);
  });

  test("a profile must still name its recruiter: company without company_name, individual without full_name", async () => {
    const recruiter = await registerRecruiter(stack);
    const noCompany = await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: { company_name: null } });
    expect(noCompany.status).toBe(400);
    expect(noCompany.body.detail).toBe("A company profile needs company_name, an individual profile needs full_name");
    const noName = await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: { recruiter_type: "individual" } });
    expect(noName.status).toBe(400);
    const ok = await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: { recruiter_type: "individual", full_name: "Riley Recruiter" } });
    expect(ok.status).toBe(200);
  });

  const badBodies: [string, Record<string, unknown>, string][] = [
    ["username too short", { username: "ab" }, "username"],
    ["username with spaces", { username: "tech corp" }, "username"],
    ["username too long", { username: "a".repeat(101) }, "username"],
    ["username unicode", { username: "tëchcorp" }, "username"],
    ["username null", { username: null }, "username"],
    ["recruiter_type unknown", { recruiter_type: "agency" }, "recruiter_type"],
    ["company_website not http", { company_website: "ftp://techcorp.com" }, "company_website"],
    ["linkedin_url not a URL", { linkedin_url: "linkedin" }, "linkedin_url"],
    ["logo_url too long", { logo_url: `https://x.com/${"a".repeat(1000)}` }, "logo_url"],
    ["bio too long", { bio: "x".repeat(5001) }, "bio"],
    ["bio wrong type", { bio: 5 }, "bio"],
    ["phone with letters", { phone: "call me" }, "phone"],
    ["phone too long", { phone: "1".repeat(51) }, "phone"],
    ["years_experience negative", { years_experience: -1 }, "years_experience"],
    ["years_experience too many", { years_experience: 81 }, "years_experience"],
    ["years_experience fractional", { years_experience: 2.5 }, "years_experience"],
    ["years_experience a string", { years_experience: "5" }, "years_experience"],
    ["company_name too long", { company_name: "x".repeat(256) }, "company_name"],
    ["location with a control character", { location: "Berlin\u0007" }, "location"],
  ];
  let validator: Account;
  beforeAll(async () => {
    validator = await registerRecruiter(stack, { bio: "Unchanged" });
  });
  for (const [name, body, field] of badBodies) {
    test(`422 for ${name}, and nothing changes`, async () => {
      const answer = await call("PUT", "/api/v1/recruiters/profile", { token: validator.token, body: { ...body, bio: body.bio ?? "Changed" } });
      expect(answer.status).toBe(422);
      expect(answer.body.errors.map((e: { loc: string[] }) => e.loc.join("."))).toContain(`body.${field}`);
      const [row] = await db`select bio from public.recruiter_profiles where user_id = ${validator.id}`;
      expect(row!.bio).toBe("Unchanged");
    });
  }

  test("fields that are not the profile's are ignored (user_id cannot move a profile)", async () => {
    const recruiter = await registerRecruiter(stack);
    const other = await registerRecruiter(stack);
    const answer = await call("PUT", "/api/v1/recruiters/profile", { token: recruiter.token, body: { bio: "Mine", user_id: other.id, id: 1 } });
    expect(answer.status).toBe(200);
    const rows = await db`select user_id, bio from public.recruiter_profiles where user_id in ${db([recruiter.id, other.id])} order by bio nulls last`;
    expect(rows.map((row) => [row.user_id, row.bio])).toEqual([
      [recruiter.id, "Mine"],
      [other.id, null],
    ]);
  });
});
