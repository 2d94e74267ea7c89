// Job postings, in process (the facade's controllers over the real database): the
// seed's create and list, one posting's read, edit and deactivation, filters, offset
// and keyset paging, expiry without a cron job, and every way a request can be wrong.
import { beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { JOB_LIST_CURSOR } from "../../src/core/jobs/model.ts";
import { encodeKeysetCursor } from "../../src/core/keyset.ts";
import { asPostgrestCaller, createDatabasePool, type AccessTokenClaims, type Caller, type Sql } from "../../src/db/client.ts";
import { jwtClaims } from "../support/jwt.ts";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { asAuthenticatorUrl } from "../support/database.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { createJob as createPosting, insertResume } from "../support/job-board.ts";
import { claimsFor } from "../support/personas.ts";
import { tracesOf } from "../support/personal-data.ts";
import { callFacade, facadeCaller, sendToFacade, testClientIp } from "../support/stack.ts";

const stack = useInProcessFacade();
let db: Sql;
let recruiter: Account & { username: string };
let otherRecruiter: Account & { username: string };
let candidate: Account;
const ip = testClientIp();

beforeAll(async () => {
  db = stack.superuser;
  [recruiter, otherRecruiter, candidate] = await Promise.all([registerRecruiter(stack), registerRecruiter(stack), registerCandidate(stack)]);
});

/** A location no other test uses: filtering on it isolates a test's postings in the shared database. */
const uniquePlace = (label = "Place") => `${label} ${Math.random().toString(36).slice(2, 10)}`;

const validPosting = (overrides: Record<string, unknown> = {}) => ({
  title: "Senior Software Engineer",
  company_name: "Tech Corp",
  location: "San Francisco, CA",
  job_type: "full-time",
  experience_level: "senior",
  description: "We are looking for...",
  requirements: "5+ years experience...",
  salary_range: "$120k - $180k",
  ...overrides,
});

const call = facadeCaller(stack, ip);
const createJob = (owner: Account, overrides: Record<string, unknown> = {}) => createPosting(stack, owner, validPosting(overrides), ip);

interface ListAnswer {
  success: true;
  total: number;
  total_relation: "eq" | "gte";
  jobs: ({ id: number } & Record<string, any>)[];
  next_cursor: string | null;
}

const listOf = async (query: string, token?: string): Promise<ListAnswer> => {
  const answer = await call("GET", `/api/v1/jobs/list?${query}`, { token });
  expect(answer.status).toBe(200);
  return answer.body as ListAnswer;
};

describe("POST /api/v1/jobs/create", () => {
  test("a recruiter creates a posting: the seed's answer, the row owned by them", async () => {
    const answer = await call("POST", "/api/v1/jobs/create", { token: recruiter.token, body: validPosting() });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, job_id: expect.any(Number), message: "Job posting created successfully" });
    const [row] = await db`select * from public.job_postings where id = ${answer.body.job_id}`;
    expect(row).toMatchObject({
      recruiter_id: recruiter.id,
      title: "Senior Software Engineer",
      company_name: "Tech Corp",
      location: "San Francisco, CA",
      job_type: "full-time",
      experience_level: "senior",
      description: "We are looking for...",
      requirements: "5+ years experience...",
      salary_range: "$120k - $180k",
      is_active: true,
      views_count: "0",
      applications_count: 0,
      expires_at: null,
    });
  });

  test("a candidate gets the seed's 403 and nothing is created", async () => {
    const title = `Candidate posting ${Math.random()}`;
    const answer = await call("POST", "/api/v1/jobs/create", { token: candidate.token, body: validPosting({ title }) });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ success: false, detail: "Only recruiters can create job postings" });
    expect(await db`select id from public.job_postings where title = ${title}`).toHaveLength(0);
  });

  test("without a token 401 with WWW-Authenticate; with a bad token 401", async () => {
    const none = await call("POST", "/api/v1/jobs/create", { body: validPosting() });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(none.body).toEqual({ success: false, detail: "Not authenticated" });
    const forged = await call("POST", "/api/v1/jobs/create", { token: `${recruiter.token.slice(0, -4)}AAAA`, body: validPosting() });
    expect(forged.status).toBe(401);
    expect(forged.body.detail).toBe("Could not validate credentials");
    const garbage = await call("POST", "/api/v1/jobs/create", { token: "not-a-jwt", body: validPosting() });
    expect(garbage.status).toBe(401);
  });

  test("unicode is kept as sent; lengths count characters, as Postgres does", async () => {
    const title = "Ingénieur logiciel 🚀 日本語 — Zürich";
    const id = await createJob(recruiter, { title, company_name: "Ærø Ünïcode AB", location: "Zürich 🇨🇭", description: "Línea uno\nLínea dos\tcon tab" });
    const [row] = await db`select title, company_name, location, description from public.job_postings where id = ${id}`;
    expect(row).toEqual({ title, company_name: "Ærø Ünïcode AB", location: "Zürich 🇨🇭", description: "Línea uno\nLínea dos\tcon tab" });
    // 255 emoji are 255 characters (510 UTF-16 units): allowed, like varchar(255).
    expect(await createJob(recruiter, { title: "🚀".repeat(255) })).toBeGreaterThan(0);
  });

  test("surrounding whitespace is trimmed; empty optional fields are stored as null", async () => {
    const id = await createJob(recruiter, { title: "  Padded  ", requirements: "   ", salary_range: "" });
    const [row] = await db`select title, requirements, salary_range from public.job_postings where id = ${id}`;
    expect(row).toEqual({ title: "Padded", requirements: null, salary_range: null });
  });

  test("optional fields may be left out, as in the seed", async () => {
    const { requirements: _r, salary_range: _s, ...required } = validPosting();
    const answer = await call("POST", "/api/v1/jobs/create", { token: recruiter.token, body: required });
    expect(answer.status).toBe(200);
  });

  // Each case: one field made wrong; the answer is 422 naming that field, nothing is created.
  const tooLong = (n: number) => "x".repeat(n + 1);
  const badFields: [string, Record<string, unknown>, string][] = [
    ["title missing", { title: undefined }, "title"],
    ["title wrong type", { title: 42 }, "title"],
    ["title blank", { title: "   " }, "title"],
    ["title too long", { title: tooLong(255) }, "title"],
    ["title 256 emoji", { title: "🚀".repeat(256) }, "title"],
    ["title with a control character", { title: "Bad\u0000title" }, "title"],
    ["title with a newline", { title: "Two\nlines" }, "title"],
    ["company_name missing", { company_name: undefined }, "company_name"],
    ["company_name null", { company_name: null }, "company_name"],
    ["company_name too long", { company_name: tooLong(255) }, "company_name"],
    ["location missing", { location: undefined }, "location"],
    ["location too long", { location: tooLong(255) }, "location"],
    ["location wrong type", { location: ["Berlin"] }, "location"],
    ["job_type missing", { job_type: undefined }, "job_type"],
    ["job_type unknown", { job_type: "freelance" }, "job_type"],
    ["job_type wrong case", { job_type: "Full-Time" }, "job_type"],
    ["experience_level missing", { experience_level: undefined }, "experience_level"],
    ["experience_level unknown", { experience_level: "guru" }, "experience_level"],
    ["experience_level wrong type", { experience_level: 3 }, "experience_level"],
    ["description missing", { description: undefined }, "description"],
    ["description blank", { description: "\n\t " }, "description"],
    ["description too long", { description: tooLong(20_000) }, "description"],
    ["description with NUL", { description: "a\u0000b" }, "description"],
    ["requirements too long", { requirements: tooLong(20_000) }, "requirements"],
    ["requirements wrong type", { requirements: { text: "x" } }, "requirements"],
    ["salary_range too long", { salary_range: tooLong(100) }, "salary_range"],
    ["salary_range wrong type", { salary_range: 120000 }, "salary_range"],
    ["expires_at in the past", { expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
    ["expires_at not a date", { expires_at: "next tuesday" }, "expires_at"],
    ["expires_at without a time zone", { expires_at: "2099-01-01T00:00:00" }, "expires_at"],
    ["expires_at a number", { expires_at: 4102444800 }, "expires_at"],
  ];
  for (const [name, change, field] of badFields) {
    test(`422 for ${name}`, async () => {
      const marker = `bad-${Math.random().toString(36).slice(2)}`;
      const body: Record<string, unknown> = { ...validPosting({ salary_range: marker.slice(0, 20) }), ...change };
      for (const key of Object.keys(change)) if (change[key] === undefined) delete body[key];
      const answer = await call("POST", "/api/v1/jobs/create", { token: recruiter.token, body });
      expect(answer.status).toBe(422);
      expect(answer.body.success).toBe(false);
      expect(answer.body.errors.map((e: { loc: string[] }) => e.loc.join("."))).toContain(`body.${field}`);
      expect(await db`select id from public.job_postings where salary_range = ${marker.slice(0, 20)}`).toHaveLength(0);
    });
  }

  test("a body that is not JSON is 400; no body at all is 422", async () => {
    const response = await sendToFacade(stack, "/api/v1/jobs/create", {
      method: "POST",
      headers: { authorization: `Bearer ${recruiter.token}`, "content-type": "application/json", "x-forwarded-for": ip },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    const empty = await call("POST", "/api/v1/jobs/create", { token: recruiter.token, body: {} });
    expect(empty.status).toBe(422);
  });
});

describe("GET /api/v1/jobs/list", () => {
  let place: string;
  const ids = {} as Record<"fullSenior" | "fullEntry" | "contractSenior" | "internship" | "inactive" | "expired", number>;

  beforeAll(async () => {
    place = uniquePlace("Listville");
    ids.fullSenior = await createJob(recruiter, { location: `${place}, North`, title: "Backend Engineer", job_type: "full-time", experience_level: "senior", description: "Kubernetes and Postgres all day." });
    ids.fullEntry = await createJob(recruiter, { location: `${place}, South`, title: "Junior Analyst", company_name: "Numbers GmbH", job_type: "full-time", experience_level: "entry", description: "Spreadsheets." });
    ids.contractSenior = await createJob(otherRecruiter, { location: `${place.toUpperCase()} (remote ok)`, title: "Designer", job_type: "contract", experience_level: "senior", description: "Figma wizardry, engineering mindset." });
    ids.internship = await createJob(otherRecruiter, { location: `${place}, East`, title: "Intern", job_type: "internship", experience_level: "entry", description: "Learn a lot." });
    ids.inactive = await createJob(recruiter, { location: `${place}, West`, title: "Closed role", job_type: "full-time", experience_level: "senior" });
    ids.expired = await createJob(recruiter, { location: `${place}, West`, title: "Expired role", job_type: "full-time", experience_level: "senior" });
    await db`update public.job_postings set is_active = false where id = ${ids.inactive}`;
    await db`update public.job_postings set expires_at = now() - interval '1 minute' where id = ${ids.expired}`;
  });

  const inPlace = (extra = "") => `location=${encodeURIComponent(place)}${extra}`;
  const idsOf = (list: { jobs: { id: number }[] }) => list.jobs.map((job) => job.id);

  test("the seed's shape: open postings only, newest first, with total (and whether it is exact)", async () => {
    const list = await listOf(inPlace());
    expect(Object.keys(list).sort()).toEqual(["jobs", "next_cursor", "success", "total", "total_relation"]);
    expect(list.success).toBe(true);
    expect(idsOf(list)).toEqual([ids.internship, ids.contractSenior, ids.fullEntry, ids.fullSenior]);
    expect(list.total).toBe(4);
    expect(list.total_relation).toBe("eq");
    expect(list.next_cursor).toBeNull();
    const job = list.jobs.find((j) => j.id === ids.fullSenior)!;
    expect(job).toEqual({
      id: ids.fullSenior,
      title: "Backend Engineer",
      company_name: "Tech Corp",
      location: `${place}, North`,
      job_type: "full-time",
      experience_level: "senior",
      salary_range: "$120k - $180k",
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  test("needs no token; a recruiter's own closed postings stay out of the list for them too", async () => {
    const anon = await listOf(inPlace());
    const asOwner = await listOf(inPlace(), recruiter.token);
    expect(idsOf(asOwner)).toEqual(idsOf(anon));
    expect(idsOf(asOwner)).not.toContain(ids.inactive);
    expect(idsOf(asOwner)).not.toContain(ids.expired);
  });

  test("a token that is sent must be valid", async () => {
    const answer = await call("GET", `/api/v1/jobs/list?${inPlace()}`, { token: "not-a-jwt" });
    expect(answer.status).toBe(401);
  });

  test("job_type and experience_level filter as in the seed, alone and together", async () => {
    expect(idsOf(await listOf(inPlace("&job_type=full-time")))).toEqual([ids.fullEntry, ids.fullSenior]);
    expect(idsOf(await listOf(inPlace("&experience_level=senior")))).toEqual([ids.contractSenior, ids.fullSenior]);
    const both = await listOf(inPlace("&job_type=full-time&experience_level=senior"));
    expect(idsOf(both)).toEqual([ids.fullSenior]);
    expect(both.total).toBe(1);
    expect((await listOf(inPlace("&job_type=part-time"))).total).toBe(0);
  });

  test("an empty filter is no filter, as in the seed", async () => {
    expect((await listOf(inPlace("&job_type=&experience_level=&q="))).total).toBe(4);
  });

  test("location matches a substring in any letter case (commas included); % and _ in it are literal", async () => {
    expect(idsOf(await listOf(`location=${encodeURIComponent(`${place.toLowerCase()}, s`)}`))).toEqual([ids.fullEntry]);
    expect(idsOf(await listOf(`location=${encodeURIComponent(`${place.toUpperCase()} (REMOTE`)}`))).toEqual([ids.contractSenior]);
    expect((await listOf(`location=${encodeURIComponent(`${place}%`)}`)).total).toBe(0);
    expect((await listOf(`location=${encodeURIComponent(`${place.slice(0, -1)}_`)}`)).total).toBe(0);
  });

  test("q searches title, company and description, with English stemming and websearch syntax", async () => {
    expect(idsOf(await listOf(inPlace("&q=backend")))).toEqual([ids.fullSenior]);
    expect(idsOf(await listOf(inPlace("&q=numbers")))).toEqual([ids.fullEntry]); // company
    expect(idsOf(await listOf(inPlace("&q=kubernetes")))).toEqual([ids.fullSenior]); // description
    expect(idsOf(await listOf(inPlace("&q=engineers")))).toEqual([ids.contractSenior, ids.fullSenior]); // stems to engin
    expect(idsOf(await listOf(inPlace(`&q=${encodeURIComponent("engineering -figma")}`)))).toEqual([ids.fullSenior]);
    expect(idsOf(await listOf(inPlace(`&q=${encodeURIComponent('"all day"')}`)))).toEqual([ids.fullSenior]);
    expect((await listOf(inPlace("&q=zeppelin"))).total).toBe(0);
    // Commas, brackets and braces are text, not lists or JSON (see src/api/query.ts).
    expect(idsOf(await listOf(inPlace(`&q=${encodeURIComponent("backend, kubernetes")}`)))).toEqual([ids.fullSenior]);
    expect(idsOf(await listOf(inPlace(`&q=${encodeURIComponent("[backend]")}`)))).toEqual([ids.fullSenior]);
    expect(idsOf(await listOf(inPlace(`&q=${encodeURIComponent("{backend}")}`)))).toEqual([ids.fullSenior]);
    // Only stop words: nothing to search for, so no text filter.
    expect((await listOf(inPlace("&q=the"))).total).toBe(4);
    // Unicode and punctuation are just text.
    expect((await listOf(inPlace(`&q=${encodeURIComponent("日本語 ' \" & | ! :* (")}`))).total).toBe(0);
  });

  test("limit and offset page as in the seed; limit above 100 is served as 100", async () => {
    const first = await listOf(inPlace("&limit=2"));
    expect(first.jobs).toHaveLength(2);
    expect(first.total).toBe(4);
    const second = await listOf(inPlace("&limit=2&offset=2"));
    expect([...idsOf(first), ...idsOf(second)]).toEqual([ids.internship, ids.contractSenior, ids.fullEntry, ids.fullSenior]);
    expect((await listOf(inPlace("&offset=4"))).jobs).toEqual([]);
    expect((await listOf(inPlace("&limit=1000"))).jobs).toHaveLength(4);
  });

  test("the default page is 20 and at most 100 postings come back", async () => {
    const many = await listOf("limit=1000");
    expect(many.jobs.length).toBeLessThanOrEqual(100);
    const normal = await listOf("");
    expect(normal.jobs.length).toBeLessThanOrEqual(20);
  });

  const badQueries: [string, string][] = [
    ["job_type unknown", "job_type=freelance"],
    ["experience_level unknown", "experience_level=guru"],
    ["limit zero", "limit=0"],
    ["limit negative", "limit=-5"],
    ["limit not a number", "limit=ten"],
    ["limit fractional", "limit=2.5"],
    ["offset negative", "offset=-1"],
    ["offset too deep", "offset=10001"],
    ["offset not a number", "offset=abc"],
    ["q too long", `q=${"a".repeat(201)}`],
    ["location too long", `location=${"a".repeat(256)}`],
    ["q with a control character", "q=a%00b"],
    ["cursor garbage", "cursor=garbage"],
    ["cursor forged", `cursor=${Buffer.from("v1|yesterday|1").toString("base64url")}`],
    ["cursor with offset", `cursor=${Buffer.from("v1|2026-01-01T00:00:00.000000Z|1").toString("base64url")}&offset=20`],
  ];
  for (const [name, query] of badQueries) {
    test(`422 for ${name}`, async () => {
      const answer = await call("GET", `/api/v1/jobs/list?${query}`);
      expect(answer.status).toBe(422);
      expect(answer.body.success).toBe(false);
      expect(answer.body.errors[0].loc[0]).toBe("query");
    });
  }
});

describe("keyset paging", () => {
  test("walking every page with next_cursor returns each posting exactly once, in order, even with equal created_at and inserts meanwhile", async () => {
    const place = uniquePlace("Keyset");
    // 45 postings on 6 instants (several share one created_at to the microsecond),
    // written by the superuser to control the timestamps.
    const base = new Date(Date.now() - 3_600_000);
    const rows = await db`
      insert into public.job_postings (recruiter_id, title, company_name, location, job_type, experience_level, description, created_at)
      select ${recruiter.id}, 'Keyset role ' || g, 'Corp', ${place}, 'full-time', 'mid', 'Paging test.',
             ${base}::timestamptz + ((g % 6) * interval '1.000001 second')
        from generate_series(1, 45) g
      returning id, created_at`;
    const expected = await db`
      select id from public.job_postings where location = ${place} order by created_at desc, id desc`;
    expect(rows).toHaveLength(45);

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const list: ListAnswer = await listOf(
        `location=${encodeURIComponent(place)}&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(list.total).toBe(45 + (pages > 0 ? 1 : 0));
      seen.push(...list.jobs.map((job) => job.id));
      cursor = list.next_cursor;
      if (pages === 0) {
        // A posting created after the first page is newer than every cursor: it never shows up further on.
        await createJob(recruiter, { location: place, title: "Created while paging" });
      }
      pages += 1;
    } while (cursor && pages < 20);

    expect(pages).toBe(7); // 45 = 6 pages of 7 and one of 3
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected.map((row) => Number(row.id)));
  });

  test("the last full page has no next_cursor when nothing follows", async () => {
    const place = uniquePlace("Exact");
    for (let i = 0; i < 4; i++) await createJob(recruiter, { location: place });
    const first = await listOf(`location=${encodeURIComponent(place)}&limit=2`);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await listOf(`location=${encodeURIComponent(place)}&limit=2&cursor=${first.next_cursor}`);
    expect(second.jobs).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
  });
});

describe("the total is counted up to JOB_LIST_TOTAL_CAP", () => {
  /** GET /jobs/list of a facade whose total cap is `cap` (the same database and parts). */
  const listCapped = (cap: number) => {
    const app = stack.variant({ jobListTotalCap: cap });
    const capped = facadeCaller({ facadeUrl: stack.facadeUrl, handle: (request) => app.handle(request) }, ip);
    return async (query: string): Promise<ListAnswer> => {
      const answer = await capped("GET", `/api/v1/jobs/list?${query}`);
      expect(answer.status).toBe(200);
      return answer.body as ListAnswer;
    };
  };

  test("past the cap, total is the cap with total_relation gte; up to it, the exact total with eq", async () => {
    const place = uniquePlace("Capped");
    const created: number[] = [];
    for (const job_type of ["full-time", "full-time", "contract"]) created.push(await createJob(recruiter, { location: place, job_type }));
    const inPlace = `location=${encodeURIComponent(place)}`;

    // A broad list: every open posting of the shared database, far more than 2.
    expect(await listCapped(2)("")).toMatchObject({ total: 2, total_relation: "gte" });
    // Narrow ones: exact below the cap and at it.
    expect(await listCapped(2)(`${inPlace}&job_type=contract`)).toMatchObject({ total: 1, total_relation: "eq" });
    expect(await listCapped(3)(inPlace)).toMatchObject({ total: 3, total_relation: "eq" });
    expect(await listCapped(2)(`${inPlace}&job_type=full-time`)).toMatchObject({ total: 2, total_relation: "eq" });

    // One more than the cap: the lower bound, on every page, while paging still reaches every posting.
    const list = listCapped(2);
    const first = await list(`${inPlace}&limit=1`);
    expect(first).toMatchObject({ total: 2, total_relation: "gte" });
    const second = await list(`${inPlace}&limit=1&cursor=${first.next_cursor}`);
    const third = await list(`${inPlace}&limit=1&offset=2`);
    expect([second, third].map((page) => [page.total, page.total_relation])).toEqual([[2, "gte"], [2, "gte"]]);
    expect([...first.jobs, ...second.jobs, ...third.jobs].map((job) => job.id)).toEqual(created.toReversed());
  });
});

describe("the search cap (JOB_LIST_SEARCH_TOTAL_CAP)", () => {
  const listCapped = (caps: { jobListTotalCap?: number; jobListSearchTotalCap?: number }) => {
    const app = stack.variant(caps);
    const capped = facadeCaller({ facadeUrl: stack.facadeUrl, handle: (request) => app.handle(request) }, ip);
    return async (query: string): Promise<ListAnswer> => {
      const answer = await capped("GET", `/api/v1/jobs/list?${query}`);
      expect(answer.status).toBe(200);
      return answer.body as ListAnswer;
    };
  };

  test("a location or text search counts to the search cap; the other lists to JOB_LIST_TOTAL_CAP", async () => {
    const place = uniquePlace("SearchCap");
    for (let i = 0; i < 3; i++) await createJob(recruiter, { location: place, description: "Searchcapword in every one." });
    const list = listCapped({ jobListTotalCap: 1000, jobListSearchTotalCap: 2 });
    expect(await list(`location=${encodeURIComponent(place)}`)).toMatchObject({ total: 2, total_relation: "gte" });
    expect(await list(`q=searchcapword`)).toMatchObject({ total: 2, total_relation: "gte" });
    expect(await list(`location=${encodeURIComponent(place)}&job_type=full-time`)).toMatchObject({ total: 2, total_relation: "gte" });
    // No search: the whole board (every open posting of the shared database), not cut at 2.
    const board = await list("");
    const [open] = await db`select count(*)::int as n from public.job_postings j where private.job_posting_is_open(j)`;
    expect(board).toMatchObject({ total: Math.min(open!.n, 1000), total_relation: open!.n > 1000 ? "gte" : "eq" });
    expect(board.total).toBeGreaterThan(2);
    // Up to the search cap the total is exact.
    expect(await listCapped({ jobListSearchTotalCap: 3 })(`location=${encodeURIComponent(place)}`)).toMatchObject({ total: 3, total_relation: "eq" });
  });
});

describe("one statement per list", () => {
  /** The facade over a pool that records every statement it sends. */
  const recordingFacade = () => {
    const sent: string[] = [];
    const sql = createDatabasePool(asAuthenticatorUrl(stack.superuserUrl), { max: 2, debug: (_connection, statement) => sent.push(statement) });
    const app = stack.variant({ sql });
    const caller = facadeCaller({ facadeUrl: stack.facadeUrl, handle: (request) => app.handle(request) }, ip);
    return {
      /** The answer, and the statements it sent that read postings (not the transaction's own). */
      async list(query: string) {
        sent.length = 0;
        const answer = await caller("GET", `/api/v1/jobs/list?${query}`);
        expect(answer.status).toBe(200);
        const reads = sent.filter((statement) => /open_job_postings/.test(statement)).map((statement) => /public\.(\w+)\(/.exec(statement)?.[1]);
        return { body: answer.body as ListAnswer, reads };
      },
      end: () => sql.end({ timeout: 5 }),
    };
  };

  test("the page carries its total: one statement on every page that has rows", async () => {
    const facade = recordingFacade();
    try {
      const place = uniquePlace("OneStatement");
      for (let i = 0; i < 3; i++) await createJob(recruiter, { location: place, job_type: "contract" });
      const inPlace = `location=${encodeURIComponent(place)}`;
      const first = await facade.list(`${inPlace}&limit=2`);
      expect([first.body.total, first.body.total_relation, first.body.jobs.length, first.reads]).toEqual([3, "eq", 2, ["list_open_job_postings_with_total"]]);
      const second = await facade.list(`${inPlace}&limit=2&cursor=${first.body.next_cursor}`);
      expect([second.body.total, second.body.jobs.length, second.reads]).toEqual([3, 1, ["list_open_job_postings_with_total"]]);
      const byOffset = await facade.list(`${inPlace}&limit=2&offset=2`);
      expect([byOffset.body.total, byOffset.body.jobs.length, byOffset.reads]).toEqual([3, 1, ["list_open_job_postings_with_total"]]);
      // The lists the ordered indexes answer, and an empty first page (nothing matches: total 0).
      expect((await facade.list("job_type=internship&limit=1")).reads).toEqual(["list_open_job_postings_with_total"]);
      expect((await facade.list("")).reads).toEqual(["list_open_job_postings_with_total"]);
      const none = await facade.list(`location=${encodeURIComponent(uniquePlace("Nowhere"))}`);
      expect([none.body.total, none.body.total_relation, none.reads]).toEqual([0, "eq", ["list_open_job_postings_with_total"]]);
    } finally {
      await facade.end();
    }
  });

  test("past the last page there is no row to carry the total: it is counted on its own, and right", async () => {
    const facade = recordingFacade();
    try {
      const place = uniquePlace("PastTheEnd");
      const created: number[] = [];
      for (let i = 0; i < 3; i++) created.push(await createJob(recruiter, { location: place }));
      const inPlace = `location=${encodeURIComponent(place)}`;
      const byOffset = await facade.list(`${inPlace}&offset=3`);
      expect([byOffset.body.jobs, byOffset.body.total, byOffset.body.total_relation, byOffset.body.next_cursor]).toEqual([[], 3, "eq", null]);
      expect(byOffset.reads).toEqual(["list_open_job_postings_with_total", "count_open_job_postings"]);
      // A cursor at the oldest of them: nothing after it, and still the total of the list.
      const [oldest] = await db`
        select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
          from public.job_postings where id = ${created[0]!}`;
      const cursor = encodeKeysetCursor(JOB_LIST_CURSOR, { createdAt: oldest!.created_at as string, id: Number(oldest!.id) });
      const afterTheLast = await facade.list(`${inPlace}&cursor=${cursor}`);
      expect([afterTheLast.body.jobs, afterTheLast.body.total, afterTheLast.body.total_relation]).toEqual([[], 3, "eq"]);
    } finally {
      await facade.end();
    }
  });
});

describe("expiry", () => {
  test("a posting past expires_at leaves the list, the detail read and apply without any job running", async () => {
    const place = uniquePlace("Expiring");
    const expiresAt = new Date(Date.now() + 1_500);
    const id = await createJob(recruiter, { location: place, expires_at: expiresAt.toISOString() });
    const before = await listOf(`location=${encodeURIComponent(place)}`);
    expect(before.jobs.map((job) => job.id)).toEqual([id]);
    expect((await call("GET", `/api/v1/jobs/${id}`)).status).toBe(200);

    await Bun.sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 300);

    const after = await listOf(`location=${encodeURIComponent(place)}`);
    expect(after).toEqual({ success: true, total: 0, total_relation: "eq", jobs: [], next_cursor: null });
    const anon = await call("GET", `/api/v1/jobs/${id}`);
    expect(anon.status).toBe(404);
    expect(anon.body).toEqual({ success: false, detail: "Job not found" });
    // Its recruiter still sees it, as expired.
    const owner = await call("GET", `/api/v1/jobs/${id}`, { token: recruiter.token });
    expect(owner.status).toBe(200);
    expect(owner.body.job).toMatchObject({ id, is_active: true, is_open: false, is_owner: true, expires_at: expiresAt.toISOString() });
    // The row is untouched: expiry is read, not written.
    const [row] = await db`select is_active from public.job_postings where id = ${id}`;
    expect(row!.is_active).toBe(true);
  });
});

describe("GET /api/v1/jobs/{id}", () => {
  test("anyone reads an open posting, each viewer counting one view a day", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const first = await call("GET", `/api/v1/jobs/${id}`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      success: true,
      job: {
        id,
        title: "Senior Software Engineer",
        company_name: "Tech Corp",
        location: expect.any(String),
        job_type: "full-time",
        experience_level: "senior",
        salary_range: "$120k - $180k",
        description: "We are looking for...",
        requirements: "5+ years experience...",
        is_active: true,
        is_open: true,
        views_count: 1,
        applications_count: 0,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        expires_at: null,
        is_owner: false,
        recruiter: { username: recruiter.username, recruiter_type: "company", company_name: "TechCorp Inc.", full_name: null, is_verified: false },
      },
    });
    // Was "each read counting one view" (10 after these 9 more): anyone could inflate the
    // count (issue 11, hole 9). The candidate is one viewer however often they read.
    await Promise.all(Array.from({ length: 9 }, () => call("GET", `/api/v1/jobs/${id}`, { token: candidate.token })));
    const [row] = await db`select private.job_posting_views(j) as views from public.job_postings j where j.id = ${id}`;
    expect(Number(row!.views)).toBe(2);
    const again = await call("GET", `/api/v1/jobs/${id}`, { token: otherRecruiter.token });
    expect(again.body.job.views_count).toBe(3);
  });

  test("50 anonymous reads from one client count one view, and never write the posting's row", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const [before] = await db`select xmin::text as version from public.job_postings where id = ${id}`;
    for (let i = 0; i < 50; i++) expect((await call("GET", `/api/v1/jobs/${id}`)).status).toBe(200);
    const last = await call("GET", `/api/v1/jobs/${id}`);
    expect(last.body.job.views_count).toBe(1);
    const [after] = await db`select xmin::text as version from public.job_postings where id = ${id}`;
    expect(after!.version).toBe(before!.version);
  });

  test("anonymous viewers are told apart by IP and User-Agent: 12 from 12 IPs count 12, one IP with two browsers counts 2", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0";
    const viewers = Array.from({ length: 12 }, () => testClientIp());
    for (const viewer of viewers) {
      expect((await callFacade(stack, "GET", `/api/v1/jobs/${id}`, { ip: viewer, headers: { "user-agent": browser } })).status).toBe(200);
    }
    const shared = testClientIp();
    for (const userAgent of [browser, "Mozilla/5.0 (Macintosh) Safari/605.1", browser]) {
      expect((await callFacade(stack, "GET", `/api/v1/jobs/${id}`, { ip: shared, headers: { "user-agent": userAgent } })).status).toBe(200);
    }
    const [row] = await db`select private.job_posting_views(j) as views from public.job_postings j where j.id = ${id}`;
    expect(Number(row!.views)).toBe(14);
    // Counted as keyed hashes: no address of theirs is stored anywhere.
    expect(await tracesOf(db, [...viewers, shared])).toEqual([]);
  });

  test("without TRUST_PROXY, X-Forwarded-For is not believed: 5 forwarded 'IPs' are one viewer", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const direct = stack.variant({ trustProxy: false });
    const target = { facadeUrl: stack.facadeUrl, handle: (request: Request) => direct.handle(request) };
    for (let i = 0; i < 5; i++) expect((await callFacade(target, "GET", `/api/v1/jobs/${id}`, { ip: testClientIp() })).status).toBe(200);
    const [row] = await db`select private.job_posting_views(j) as views from public.job_postings j where j.id = ${id}`;
    expect(Number(row!.views)).toBe(1);
  });

  test("behind our proxy, a client cannot pose as many viewers by sending its own X-Forwarded-For entries", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const viewer = testClientIp();
    // Our balancer appends the address it saw (viewer); whatever the client put before it is its own word.
    for (let i = 0; i < 5; i++) {
      const answer = await callFacade(stack, "GET", `/api/v1/jobs/${id}`, { headers: { "x-forwarded-for": `${testClientIp()}, ${viewer}` } });
      expect(answer.status).toBe(200);
    }
    const [row] = await db`select private.job_posting_views(j) as views from public.job_postings j where j.id = ${id}`;
    expect(Number(row!.views)).toBe(1);
  });

  test("one anonymous viewer (the same IP and User-Agent) counts once a day, however often they read", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const viewer = testClientIp();
    for (let i = 0; i < 5; i++) {
      await callFacade(stack, "GET", `/api/v1/jobs/${id}`, { ip: viewer, headers: { "user-agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0" } });
    }
    const last = await callFacade(stack, "GET", `/api/v1/jobs/${id}`, { ip: viewer, headers: { "user-agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0" } });
    expect(last.body.job.views_count).toBe(1);
  });

  test("a closed posting is 404 to others and readable by its recruiter", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    expect((await call("DELETE", `/api/v1/jobs/${id}`, { token: recruiter.token })).status).toBe(200);
    for (const token of [undefined, candidate.token, otherRecruiter.token]) {
      const answer = await call("GET", `/api/v1/jobs/${id}`, { token });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Job not found" });
    }
    const own = await call("GET", `/api/v1/jobs/${id}`, { token: recruiter.token });
    expect(own.status).toBe(200);
    expect(own.body.job).toMatchObject({ is_active: false, is_open: false, is_owner: true });
  });

  test("unknown ids are 404; ids that are not ids are 422", async () => {
    expect((await call("GET", "/api/v1/jobs/999999999")).status).toBe(404);
    for (const bad of ["abc", "0", "-1", "1.5", "99999999999999999999", "1e3"]) {
      const answer = await call("GET", `/api/v1/jobs/${bad}`);
      expect(answer.status).toBe(422);
      expect(answer.body.errors[0].loc).toEqual(["params", "job_id"]);
    }
  });
});

describe("PATCH /api/v1/jobs/{id}", () => {
  test("the recruiter changes only the fields sent", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const answer = await call("PATCH", `/api/v1/jobs/${id}`, {
      token: recruiter.token,
      body: { title: "Staff Engineer", salary_range: null, experience_level: "lead", expires_at: expiresAt },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.success).toBe(true);
    expect(answer.body.message).toBe("Job posting updated successfully");
    expect(answer.body.job).toMatchObject({ id, title: "Staff Engineer", salary_range: null, experience_level: "lead", expires_at: expiresAt, company_name: "Tech Corp", job_type: "full-time" });
    const [row] = await db`select title, salary_range, experience_level, description, updated_at > created_at as touched from public.job_postings where id = ${id}`;
    expect(row).toEqual({ title: "Staff Engineer", salary_range: null, experience_level: "lead", description: "We are looking for...", touched: true });
  });

  test("is_active closes and reopens a posting; expires_at null removes the expiry", async () => {
    const place = uniquePlace();
    const id = await createJob(recruiter, { location: place, expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    expect((await call("PATCH", `/api/v1/jobs/${id}`, { token: recruiter.token, body: { is_active: false } })).status).toBe(200);
    expect((await listOf(`location=${encodeURIComponent(place)}`)).total).toBe(0);
    const reopened = await call("PATCH", `/api/v1/jobs/${id}`, { token: recruiter.token, body: { is_active: true, expires_at: null } });
    expect(reopened.body.job).toMatchObject({ is_active: true, is_open: true, expires_at: null });
    expect((await listOf(`location=${encodeURIComponent(place)}`)).total).toBe(1);
  });

  test("another recruiter's open posting is 403, a closed one 404, and nothing changes", async () => {
    const open = await createJob(otherRecruiter, { location: uniquePlace() });
    const closed = await createJob(otherRecruiter, { location: uniquePlace() });
    await db`update public.job_postings set is_active = false where id = ${closed}`;
    const forbidden = await call("PATCH", `/api/v1/jobs/${open}`, { token: recruiter.token, body: { title: "Hijacked" } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ success: false, detail: "You can only change your own job postings" });
    const hidden = await call("PATCH", `/api/v1/jobs/${closed}`, { token: recruiter.token, body: { title: "Hijacked" } });
    expect(hidden.status).toBe(404);
    const asCandidate = await call("PATCH", `/api/v1/jobs/${open}`, { token: candidate.token, body: { title: "Hijacked" } });
    expect(asCandidate.status).toBe(403);
    expect(await db`select id from public.job_postings where id in ${db([open, closed])} and title = 'Hijacked'`).toHaveLength(0);
    expect((await call("PATCH", `/api/v1/jobs/${open}`, { body: { title: "Hijacked" } })).status).toBe(401);
  });

  test("bad edits are 422 and change nothing; counters and owner cannot be written", async () => {
    const id = await createJob(recruiter, { location: uniquePlace() });
    for (const body of [{}, { title: "" }, { title: null }, { job_type: "gig" }, { is_active: "yes" }, { expires_at: "2001-01-01T00:00:00Z" }, { description: "x".repeat(20_001) }]) {
      const answer = await call("PATCH", `/api/v1/jobs/${id}`, { token: recruiter.token, body });
      expect(answer.status).toBe(422);
    }
    // Fields the API does not take are ignored, never written.
    const sneaky = await call("PATCH", `/api/v1/jobs/${id}`, {
      token: recruiter.token,
      body: { title: "Honest", views_count: 1_000_000, applications_count: 99, recruiter_id: otherRecruiter.id },
    });
    expect(sneaky.status).toBe(200);
    const [row] = await db`select title, views_count, applications_count, recruiter_id from public.job_postings where id = ${id}`;
    expect(row).toEqual({ title: "Honest", views_count: "0", applications_count: 0, recruiter_id: recruiter.id });
  });
});

describe("DELETE /api/v1/jobs/{id}", () => {
  test("deactivates the recruiter's own posting (the row stays) and is idempotent", async () => {
    const place = uniquePlace();
    const id = await createJob(recruiter, { location: place });
    const answer = await call("DELETE", `/api/v1/jobs/${id}`, { token: recruiter.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, job_id: id, message: "Job posting deactivated" });
    expect((await listOf(`location=${encodeURIComponent(place)}`)).total).toBe(0);
    const [row] = await db`select is_active from public.job_postings where id = ${id}`;
    expect(row!.is_active).toBe(false);
    expect((await call("DELETE", `/api/v1/jobs/${id}`, { token: recruiter.token })).status).toBe(200);
  });

  test("someone else's posting is 403 (404 when they cannot see it), an unknown one 404, anon 401", async () => {
    const id = await createJob(otherRecruiter, { location: uniquePlace() });
    expect((await call("DELETE", `/api/v1/jobs/${id}`, { token: recruiter.token })).status).toBe(403);
    expect((await call("DELETE", `/api/v1/jobs/${id}`, { token: candidate.token })).status).toBe(403);
    expect((await call("DELETE", `/api/v1/jobs/${id}`)).status).toBe(401);
    expect((await call("DELETE", "/api/v1/jobs/999999999", { token: recruiter.token })).status).toBe(404);
    const [row] = await db`select is_active from public.job_postings where id = ${id}`;
    expect(row!.is_active).toBe(true);
  });
});

describe("the listing functions show what the policy \"visitors read open postings\" shows", () => {
  test("for anon, a candidate who applied to a closed posting and its recruiter alike", async () => {
    const api = postgres(asAuthenticatorUrl(stack.superuserUrl), { max: 2, onnotice: () => {} });
    try {
      const place = uniquePlace("Policy");
      const open = await createJob(recruiter, { location: place });
      const closed = await createJob(recruiter, { location: place });
      const expired = await createJob(recruiter, { location: place });
      const resume = await insertResume(db, candidate.id, { name: "CV" });
      await db`insert into public.job_applications (job_id, candidate_id, resume_id) values (${closed}, ${candidate.id}, ${resume})`;
      await db`update public.job_postings set is_active = false where id = ${closed}`;
      await db`update public.job_postings set expires_at = now() - interval '1 second' where id = ${expired}`;

      const callers: Record<string, Caller> = {
        anon: { role: "anon" },
        // The claims of their real access tokens (a live session each), as PostgREST sets them.
        candidate: { role: "authenticated", claims: jwtClaims(candidate.token) as AccessTokenClaims },
        recruiter: { role: "authenticated", claims: jwtClaims(recruiter.token) as AccessTokenClaims },
      };
      const seenThroughTable: Record<string, number[]> = {};
      for (const [name, caller] of Object.entries(callers)) {
        const [listed, counted, policyOpen, table] = await asPostgrestCaller(api, caller, (tx) =>
          Promise.all([
            tx`select id from public.list_open_job_postings(filter_location => ${place})`,
            tx`select public.count_open_job_postings(filter_location => ${place}) as total`,
            // The policy's own condition, through RLS.
            tx`select id from public.job_postings where location = ${place} and is_active and (expires_at is null or expires_at > now()) order by created_at desc, id desc`,
            tx`select id from public.job_postings where location = ${place} order by id`,
          ]),
        );
        expect(listed.map((row) => Number(row.id))).toEqual([open]);
        expect(policyOpen.map((row) => Number(row.id))).toEqual([open]);
        expect(Number(counted[0]!.total)).toBe(1);
        seenThroughTable[name] = table.map((row) => Number(row.id));
      }
      // What the other policies add for some callers stays out of the functions.
      expect(seenThroughTable).toEqual({ anon: [open], candidate: [open, closed], recruiter: [open, closed, expired] });
    } finally {
      await api.end();
    }
  });

  test("bad arguments from a supabase-js rpc call are refused by the functions themselves", async () => {
    const api = postgres(asAuthenticatorUrl(stack.superuserUrl), { max: 1, onnotice: () => {} });
    try {
      for (const call of [
        (tx: postgres.TransactionSql) => tx`select * from public.list_open_job_postings(page_limit => 0)`,
        (tx: postgres.TransactionSql) => tx`select * from public.list_open_job_postings(page_limit => 1001)`,
        (tx: postgres.TransactionSql) => tx`select * from public.list_open_job_postings(page_offset => 10001)`,
        (tx: postgres.TransactionSql) => tx`select * from public.list_open_job_postings(after_id => 5)`,
        (tx: postgres.TransactionSql) => tx`select * from public.list_open_job_postings(search_text => ${"a".repeat(201)})`,
        (tx: postgres.TransactionSql) => tx`select public.count_open_job_postings(filter_location => ${"a".repeat(256)})`,
        // An unbounded count is no option either: count_limit is 1 to 100000.
        (tx: postgres.TransactionSql) => tx`select public.count_open_job_postings(count_limit => 0)`,
        (tx: postgres.TransactionSql) => tx`select public.count_open_job_postings(count_limit => 100001)`,
        (tx: postgres.TransactionSql) => tx`select public.count_open_job_postings(count_limit => ${null}::integer)`,
      ]) {
        const error = await asPostgrestCaller(api, { role: "anon" }, call).then(() => undefined, (e: { code?: string }) => e);
        expect(error?.code).toBe("22023");
      }
    } finally {
      await api.end();
    }
  });

  test("a page that starts at the top and ends early tells its total: the count is not run", async () => {
    // What Postgres ran, as auto_explain logs the statements inside the function.
    const plans: string[] = [];
    const explainer = postgres(stack.superuserUrl, { max: 1, onnotice: (notice) => plans.push(String(notice.message ?? "")) });
    try {
      await explainer`load 'auto_explain'`;
      for (const setting of ["log_min_duration = 0", "log_analyze = on", "log_timing = off", "log_nested_statements = on"]) {
        await explainer.unsafe(`set auto_explain.${setting}`);
      }
      await explainer`set client_min_messages = log`;
      const place = uniquePlace("Told");
      for (let i = 0; i < 3; i++) await createJob(recruiter, { location: place, job_type: "internship" });
      const list = async (args: string, parameters: string[] = []) => {
        plans.length = 0;
        const rows = await explainer.begin(async (tx) => {
          await tx`set local role anon`;
          return tx.unsafe(`select id, total from public.list_open_job_postings_with_total(${args})`, parameters);
        });
        const plan = plans.find((text) => /Query Text: with (page|found) as materialized/.test(text)) ?? "";
        // The page's reads of job_postings all run; the count's is the one that may not.
        const counted = /on job_postings \w+[^\n]*\(never executed\)/.test(plan) ? "not counted" : "counted";
        return { totals: rows.map((row) => Number(row.total)), counted, planned: plan !== "" };
      };
      // A location search with a total past 200 (the count is a statement part of its own).
      expect(await list("filter_location => $1, page_limit => 5, count_limit => 1000", [place])).toEqual({ totals: [3, 3, 3], counted: "not counted", planned: true });
      expect(await list("filter_location => $1, page_limit => 2, count_limit => 1000", [place])).toEqual({ totals: [3, 3], counted: "counted", planned: true });
      // A list the ordered indexes answer: every open internship of the test database.
      const [internships] = await db`select count(*)::int as n from public.job_postings j where private.job_posting_is_open(j) and job_type = 'internship'`;
      const whole = await list("filter_job_type => 'internship', page_limit => 1000, count_limit => 1000");
      expect(whole).toEqual({ totals: Array(internships!.n).fill(internships!.n), counted: "not counted", planned: true });
      expect((await list("filter_job_type => 'internship', page_limit => 1, count_limit => 1000")).counted).toBe("counted");
    } finally {
      await explainer.end();
    }
  });

  test("count_open_job_postings counts exactly up to count_limit and stops one past it", async () => {
    const api = postgres(asAuthenticatorUrl(stack.superuserUrl), { max: 1, onnotice: () => {} });
    try {
      const place = uniquePlace("CountLimit");
      for (let i = 0; i < 3; i++) await createJob(recruiter, { location: place });
      const counted = await asPostgrestCaller(api, { role: "anon" }, async (tx) => {
        const count = async (limit: number | undefined) => {
          const [row] = limit === undefined
            ? await tx`select public.count_open_job_postings(filter_location => ${place}) as total`
            : await tx`select public.count_open_job_postings(filter_location => ${place}, count_limit => ${limit}) as total`;
          return Number(row!.total);
        };
        return { one: await count(1), two: await count(2), three: await count(3), hundred: await count(100), byDefault: await count(undefined) };
      });
      // Above count_limit means "more than count_limit"; at or below it, the exact count.
      expect(counted).toEqual({ one: 2, two: 3, three: 3, hundred: 3, byDefault: 3 });
    } finally {
      await api.end();
    }
  });
});
