// Events are written by the database in the transaction of the change: a committed
// change has its event, a rolled-back one has none, and a change that is not an event
// writes nothing. No worker runs during these suites (the shared stack has none), so
// what the triggers wrote is still there to read.
import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import postgres from "postgres";
import { asPostgrestCaller, createDatabasePool, type Sql } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { createTestUser, type TestUser } from "../support/personas.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let server: Sql; // the servers' login role, as the facade connects
let candidate: TestUser;
let recruiter: TestUser;
let apiToken: string;

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 2, onnotice: () => {} });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 4 });
  candidate = await createTestUser(superuser, { userType: "candidate" });
  recruiter = await createTestUser(superuser, { userType: "recruiter" });
  const [token] = await superuser`select token from private.create_api_token('events test')`;
  apiToken = token!.token as string;
  return async () => {
    await server.end();
    await superuser.end();
  };
});

class RollBack extends Error {}

async function resume(): Promise<{ id: number; token: string }> {
  const token = shareToken();
  const [row] = await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
    values (${candidate.id}, 'CV', ${`${candidate.id}/${crypto.randomUUID()}.pdf`}, ${token}) returning id`;
  return { id: Number(row!.id), token };
}

async function job(extra: { expiresAt?: Date } = {}): Promise<number> {
  const [row] = await superuser`
    insert into public.job_postings (recruiter_id, title, company_name, description, expires_at)
    values (${recruiter.id}, 'Role', 'Corp', 'Work.', ${extra.expiresAt ?? null}) returning id`;
  return Number(row!.id);
}

const eventsOf = (key: string, value: number) =>
  superuser`select type, actor_id, data from private.events where data ->> ${key} = ${String(value)} order by id`;

describe("application events", () => {
  test("applying writes application.created in the same transaction, by the candidate", async () => {
    const [jobId, { id: resumeId }] = [await job(), await resume()];
    const [applied] = await asPostgrestCaller(server, candidate.caller, (tx) =>
      tx`insert into public.job_applications (job_id, resume_id) values (${jobId}, ${resumeId}) returning id, applied_at`);
    const events = await eventsOf("application_id", Number(applied!.id));
    expect(events.map((event) => event.type)).toEqual(["application.created"]);
    expect(events[0]!.actor_id).toBe(candidate.id);
    expect(events[0]!.data).toMatchObject({ job_id: jobId, candidate_id: candidate.id, resume_id: resumeId, status: "pending" });
    expect(events[0]!.data.applied_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  test("an application rolled back leaves no event", async () => {
    const [jobId, { id: resumeId }] = [await job(), await resume()];
    let applicationId = 0;
    await asPostgrestCaller(server, candidate.caller, async (tx) => {
      const [row] = await tx`insert into public.job_applications (job_id, resume_id) values (${jobId}, ${resumeId}) returning id`;
      applicationId = Number(row!.id);
      throw new RollBack();
    }).catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
    expect(applicationId).toBeGreaterThan(0);
    expect([...(await eventsOf("application_id", applicationId))]).toEqual([]);
    expect([...(await eventsOf("job_id", jobId))]).toEqual([]);
  });

  test("status changes and withdrawal are events of their own; a refused move writes none", async () => {
    const [jobId, { id: resumeId }] = [await job(), await resume()];
    const [applied] = await asPostgrestCaller(server, candidate.caller, (tx) =>
      tx`insert into public.job_applications (job_id, resume_id) values (${jobId}, ${resumeId}) returning id`);
    const id = Number(applied!.id);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_applications set status = 'reviewed' where id = ${id}`);
    // pending -> accepted skips the pipeline: the trigger refuses it, and its event goes with it.
    await expect(asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_applications set status = 'accepted' where id = ${id}`)).rejects.toThrow();
    // The same status again is no change, and no event.
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_applications set status = 'reviewed' where id = ${id}`);
    await asPostgrestCaller(server, candidate.caller, (tx) => tx`update public.job_applications set status = 'withdrawn' where id = ${id}`);
    const events = await eventsOf("application_id", id);
    expect(events.map((event) => [event.type, event.data.from_status ?? null, event.data.to_status ?? null, event.actor_id])).toEqual([
      ["application.created", null, null, candidate.id],
      ["application.status_changed", "pending", "reviewed", recruiter.id],
      ["application.withdrawn", "reviewed", "withdrawn", candidate.id],
    ]);
  });
});

describe("posting events", () => {
  test("closing a posting writes job_posting.closed once; editing it or closing it again writes nothing", async () => {
    const jobId = await job();
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set title = 'Renamed' where id = ${jobId}`);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set is_active = false where id = ${jobId}`);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set is_active = false where id = ${jobId}`);
    const events = await eventsOf("job_id", jobId);
    expect(events.map((event) => [event.type, event.actor_id])).toEqual([["job_posting.closed", recruiter.id]]);
  });

  test("a close rolled back leaves no event", async () => {
    const jobId = await job();
    await asPostgrestCaller(server, recruiter.caller, async (tx) => {
      await tx`update public.job_postings set is_active = false where id = ${jobId}`;
      throw new RollBack();
    }).catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
    expect([...(await eventsOf("job_id", jobId))]).toEqual([]);
  });

  test("the expiry schedule follows the posting: set, moved, dropped on close, set again on reopening", async () => {
    const soon = new Date(Date.now() + 3_600_000);
    const jobId = await job({ expiresAt: soon });
    const schedule = async () => (await superuser`select expires_at from private.job_posting_expiries where job_id = ${jobId}`).map((row) => (row.expires_at as Date).toISOString());
    expect(await schedule()).toEqual([soon.toISOString()]);
    const later = new Date(Date.now() + 7_200_000);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set expires_at = ${later} where id = ${jobId}`);
    expect(await schedule()).toEqual([later.toISOString()]);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set is_active = false where id = ${jobId}`);
    expect(await schedule()).toEqual([]);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set is_active = true where id = ${jobId}`);
    expect(await schedule()).toEqual([later.toISOString()]);
    await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_postings set expires_at = null where id = ${jobId}`);
    expect(await schedule()).toEqual([]);
  });
});

describe("view events", () => {
  const digest = (token: string) => createHash("sha256").update(token).digest();
  const fetchShared = (share: string, token = apiToken) =>
    server`select outcome from private.fetch_shared_resume(${digest(token)}, ${share}, '203.0.113.20', 'bun-test', null)`.then((rows) => rows[0]!.outcome);
  const pending = async (resumeId: number) =>
    Number((await superuser`select count(*)::int as n from private.pending_resume_views where resume_id = ${resumeId}`)[0]!.n);

  test("every counted view of the public fetch queues one view, in the fetch's own statement", async () => {
    const { id, token } = await resume();
    expect(await fetchShared(token)).toBe("ok");
    expect(await fetchShared(token)).toBe("ok");
    expect(await pending(id)).toBe(2);
  });

  test("a fetch that counts no view (wrong API token, unknown or inactive resume) queues none", async () => {
    const { id, token } = await resume();
    expect(await fetchShared(token, "pcv_wrong")).toBe("unauthorized");
    await superuser`update public.resumes set is_active = false where id = ${id}`;
    expect(await fetchShared(token)).toBe("not_found");
    expect(await pending(id)).toBe(0);
  });

  test("a view rolled back with its transaction queues none", async () => {
    const { id, token } = await resume();
    await server.begin(async (tx) => {
      await tx`select outcome from private.fetch_shared_resume(${digest(apiToken)}, ${token}, '203.0.113.21', 'bun-test', null)`;
      throw new RollBack();
    }).catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
    expect(await pending(id)).toBe(0);
  });
});
