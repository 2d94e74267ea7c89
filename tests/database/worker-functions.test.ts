// The worker's functions, called as the worker calls them (the servers' login role, no
// role switch): who is told of what, the hourly view notice, expiry announced once, and
// the delivery lease. Timing-dependent rules are tested by moving the clock of the rows
// (the superuser backdates them), not by waiting an hour.
import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import postgres from "postgres";
import { asPostgrestCaller, createDatabasePool, type Sql } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { createTestUser, type TestUser } from "../support/personas.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let worker: Sql; // the servers' login role, as src/worker connects
let candidate: TestUser;
let other: TestUser;
let recruiter: TestUser;
let apiToken: string;

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 2, onnotice: () => {} });
  worker = createDatabasePool(asAuthenticatorUrl(url), { max: 2 });
  candidate = await createTestUser(superuser, { userType: "candidate" });
  other = await createTestUser(superuser, { userType: "candidate" });
  recruiter = await createTestUser(superuser, { userType: "recruiter" });
  apiToken = (await superuser`select token from private.create_api_token('worker functions test')`)[0]!.token as string;
  return async () => {
    await worker.end();
    await superuser.end();
  };
});

const tellEverything = async () => {
  for (;;) {
    const [row] = await worker`select private.worker_fan_out_events(1000) as done`;
    if (Number(row!.done) < 1000) return;
  }
};

async function endpoint(user: TestUser, types: string[]): Promise<number> {
  const [row] = await superuser`
    insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
    values (${user.id}, 'https://hooks.example.com/x', ${types}::public.event_type[], ${new Uint8Array(60)}, 'test') returning id`;
  return Number(row!.id);
}

async function job(title: string): Promise<number> {
  const [row] = await superuser`
    insert into public.job_postings (recruiter_id, title, company_name, description) values (${recruiter.id}, ${title}, 'Corp', 'Work.') returning id`;
  return Number(row!.id);
}

async function resume(owner: TestUser, name = "CV"): Promise<{ id: number; token: string }> {
  const token = shareToken();
  const [row] = await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
    values (${owner.id}, ${name}, ${`${owner.id}/${crypto.randomUUID()}.pdf`}, ${token}) returning id`;
  return { id: Number(row!.id), token };
}

async function apply(who: TestUser, jobId: number): Promise<number> {
  const { id: resumeId } = await resume(who);
  const [row] = await asPostgrestCaller(worker, who.caller, (tx) => tx`insert into public.job_applications (job_id, resume_id) values (${jobId}, ${resumeId}) returning id`);
  return Number(row!.id);
}

const notificationsAbout = (key: string, value: number) =>
  superuser`select user_id, type, title, body, data from public.notifications where data ->> ${key} = ${String(value)} order by id`;
const deliveriesAbout = (key: string, value: number) =>
  superuser`select endpoint_id, event_type, payload from public.webhook_deliveries where payload -> 'data' ->> ${key} = ${String(value)} order by id`;

describe("telling events", () => {
  test("an application: the recruiter is told in the app, not the candidate who applied; subscribed endpoints of both parties get it", async () => {
    const recruiterHook = await endpoint(recruiter, ["application.created"]);
    const candidateHook = await endpoint(candidate, ["application.created", "application.status_changed"]);
    const otherHook = await endpoint(other, ["application.created"]);
    const unsubscribed = await endpoint(recruiter, ["resume.viewed"]);
    const jobId = await job("Backend engineer");
    const applicationId = await apply(candidate, jobId);
    await tellEverything();

    const told = await notificationsAbout("application_id", applicationId);
    expect(told.map((n) => [n.user_id, n.type, n.title, n.body])).toEqual([
      [recruiter.id, "application.created", "New application", 'Someone applied to "Backend engineer".'],
    ]);
    const delivered = await deliveriesAbout("application_id", applicationId);
    expect(delivered.map((d) => Number(d.endpoint_id)).sort()).toEqual([recruiterHook, candidateHook].sort());
    expect(delivered.map((d) => Number(d.endpoint_id))).not.toContain(otherHook);
    expect(delivered.map((d) => Number(d.endpoint_id))).not.toContain(unsubscribed);
    expect(delivered[0]!.payload).toMatchObject({
      type: "application.created",
      data: { application_id: applicationId, job_id: jobId, job_title: "Backend engineer", candidate_id: candidate.id, status: "pending" },
    });
    expect(delivered[0]!.payload.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    // Told once: the events are gone.
    expect(Number((await superuser`select count(*)::int as n from private.events where data ->> 'application_id' = ${String(applicationId)}`)[0]!.n)).toBe(0);
  });

  test("a status change tells the candidate; a withdrawal tells the recruiter", async () => {
    const jobId = await job("Data engineer");
    const applicationId = await apply(candidate, jobId);
    await asPostgrestCaller(worker, recruiter.caller, (tx) => tx`update public.job_applications set status = 'reviewed' where id = ${applicationId}`);
    await asPostgrestCaller(worker, candidate.caller, (tx) => tx`update public.job_applications set status = 'withdrawn' where id = ${applicationId}`);
    await tellEverything();
    const told = await notificationsAbout("application_id", applicationId);
    expect(told.map((n) => [n.user_id, n.type, n.body])).toEqual([
      [recruiter.id, "application.created", 'Someone applied to "Data engineer".'],
      [candidate.id, "application.status_changed", 'Your application to "Data engineer" is now reviewed.'],
      [recruiter.id, "application.withdrawn", 'An applicant withdrew their application to "Data engineer".'],
    ]);
  });

  test("closing a posting tells the candidates whose applications were open, not those already done, not the recruiter who closed it", async () => {
    const jobId = await job("Closing soon");
    await apply(candidate, jobId);
    const done = await apply(other, jobId);
    await asPostgrestCaller(worker, other.caller, (tx) => tx`update public.job_applications set status = 'withdrawn' where id = ${done}`);
    await asPostgrestCaller(worker, recruiter.caller, (tx) => tx`update public.job_postings set is_active = false where id = ${jobId}`);
    await tellEverything();
    const told = (await notificationsAbout("job_id", jobId)).filter((n) => n.type === "job_posting.closed");
    expect(told.map((n) => [n.user_id, n.title, n.body])).toEqual([[candidate.id, "Posting closed", '"Closing soon" is no longer open.']]);
  });

  test("an expired posting is announced once, to the recruiter and the open applicants, and not if it was extended meanwhile", async () => {
    const expiring = await job("Expiring");
    const extended = await job("Extended");
    await apply(candidate, expiring);
    const past = new Date(Date.now() - 1000);
    await superuser`update public.job_postings set expires_at = ${new Date(Date.now() + 3_600_000)} where id = any(${[expiring, extended]})`;
    // The clock moves: both schedules come due; one posting was extended since.
    await superuser`update private.job_posting_expiries set expires_at = ${past} where job_id = any(${[expiring, extended]})`;
    await superuser`update public.job_postings set expires_at = ${past} where id = ${expiring}`;
    await superuser`update private.job_posting_expiries set expires_at = ${past} where job_id = ${extended}`;
    const emit = async () => Number((await worker`select private.worker_emit_expired_postings(1000) as done`)[0]!.done);
    expect(await emit()).toBeGreaterThanOrEqual(2);
    expect(await emit()).toBe(0);
    const told = (await notificationsAbout("job_id", expiring)).filter((n) => n.type === "job_posting.expired");
    expect(told.map((n) => n.user_id).sort()).toEqual([candidate.id, recruiter.id].sort());
    expect((await notificationsAbout("job_id", extended)).filter((n) => n.type === "job_posting.expired")).toEqual([]);
  });
});

describe("view notices", () => {
  const view = (token: string) =>
    worker`select outcome from private.fetch_shared_resume(${createHash("sha256").update(apiToken).digest()}, ${token}, '203.0.113.30', 'bun-test', null)`;
  const batch = () => worker`select private.worker_batch_resume_views(1000) as done`;
  const notices = async (resumeId: number) =>
    (await notificationsAbout("resume_id", resumeId)).map((n) => [n.user_id, n.data.view_count, n.body]);

  test("at most one per resume per hour, carrying the count of the views since the last one", async () => {
    const { id, token } = await resume(candidate, "Main CV");
    for (let i = 0; i < 3; i++) await view(token);
    await batch();
    expect(await notices(id)).toEqual([[candidate.id, 3, '"Main CV" was viewed 3 times.']]);

    // Within the hour: counted, not announced.
    await view(token);
    await view(token);
    await batch();
    await batch();
    expect((await notices(id)).length).toBe(1);
    const [waiting] = await superuser`select pending_views, due_at - last_notified_at as gap from private.resume_view_batches where resume_id = ${id}`;
    expect(waiting!.pending_views).toBe(2);
    expect(waiting!.gap).toBe("01:00:00");

    // An hour later: one notice with those two.
    await superuser`update private.resume_view_batches set last_notified_at = last_notified_at - interval '1 hour', due_at = due_at - interval '1 hour' where resume_id = ${id}`;
    await batch();
    expect(await notices(id)).toEqual([
      [candidate.id, 3, '"Main CV" was viewed 3 times.'],
      [candidate.id, 2, '"Main CV" was viewed 2 times.'],
    ]);
  });

  test("the first views after a quiet hour are announced at once; views of a deleted resume are dropped", async () => {
    const { id, token } = await resume(candidate, "Quiet CV");
    await view(token);
    await batch();
    await superuser`update private.resume_view_batches set last_notified_at = now() - interval '2 hours' where resume_id = ${id}`;
    await view(token);
    await batch();
    expect((await notices(id)).map(([, count]) => count)).toEqual([1, 1]);

    const gone = await resume(candidate, "Deleted CV");
    await view(gone.token);
    await superuser`delete from public.resumes where id = ${gone.id}`;
    await batch();
    expect(await notices(gone.id)).toEqual([]);
    expect(Number((await superuser`select count(*)::int as n from private.pending_resume_views where resume_id = ${gone.id}`)[0]!.n)).toBe(0);
  });
});

describe("the delivery lease", () => {
  async function pendingDelivery(): Promise<number> {
    const hook = await endpoint(recruiter, ["application.created"]);
    const [row] = await superuser`
      insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, next_attempt_at)
      values (${hook}, ${recruiter.id}, 'application.created', '{"type":"application.created"}', now() - interval '1 hour') returning id`;
    return Number(row!.id);
  }
  const claim = (leaseSeconds: number) => worker`select delivery_id, lease_token, attempt_number from private.worker_claim_webhook_deliveries(1000, ${leaseSeconds})`;
  const record = (id: number, lease: string, outcome: string, windowSeconds = 86_400, attempt = 1) =>
    worker`select private.worker_record_webhook_attempt(${id}, ${lease}, ${attempt}, ${outcome}, ${outcome === "succeeded" ? 200 : 500}, null, 5, 'body', 0.01, ${windowSeconds}) as status`.then((rows) => rows[0]!.status);
  const state = async (id: number) => (await superuser`select status, attempt_count, lease_token from public.webhook_deliveries where id = ${id}`)[0]!;

  test("a claimed delivery is nobody else's until its lease ends; then it is due again, and the old holder's record changes nothing", async () => {
    const id = await pendingDelivery();
    const first = (await claim(60)).find((row) => Number(row.delivery_id) === id)!;
    expect(first.attempt_number).toBe(1);
    expect((await claim(60)).some((row) => Number(row.delivery_id) === id)).toBe(false);

    // The holder dies; its lease runs out (moved to the past here).
    await superuser`update public.webhook_deliveries set next_attempt_at = now() - interval '1 second' where id = ${id}`;
    const second = (await claim(60)).find((row) => Number(row.delivery_id) === id)!;
    expect(second.attempt_number).toBe(2);
    expect(await record(id, first.lease_token as string, "succeeded")).toBe("pending");
    expect(await record(id, second.lease_token as string, "succeeded", 86_400, 2)).toBe("succeeded");
    const attempts = await superuser`select attempt_number, status_code from public.webhook_delivery_attempts where delivery_id = ${id} order by id`;
    expect(attempts.map((a) => a.attempt_number)).toEqual([1, 2]);
  });

  test("a failure within the window is due again; past it the delivery fails and an endpoint with no success since is switched off", async () => {
    const id = await pendingDelivery();
    const [taken] = (await claim(60)).filter((row) => Number(row.delivery_id) === id);
    expect(await record(id, taken!.lease_token as string, "retry")).toBe("pending");
    await Bun.sleep(20);
    const [again] = (await claim(60)).filter((row) => Number(row.delivery_id) === id);
    expect(await record(id, again!.lease_token as string, "retry", 0)).toBe("failed");
    const [endpointRow] = await superuser`
      select e.is_active, e.disabled_reason, e.id from public.webhook_endpoints e join public.webhook_deliveries d on d.endpoint_id = e.id where d.id = ${id}`;
    expect([endpointRow!.is_active, endpointRow!.disabled_reason]).toEqual([false, "failing"]);
    const told = await superuser`select type, data from public.notifications where data ->> 'endpoint_id' = ${String(endpointRow!.id)}`;
    expect(told.map((n) => [n.type, n.data.reason])).toEqual([["webhook_endpoint.disabled", "failing"]]);
  });

  test("handing a lease back makes the delivery due at once, the attempt not counted", async () => {
    const id = await pendingDelivery();
    const [taken] = (await claim(60)).filter((row) => Number(row.delivery_id) === id);
    const [released] = await worker`select private.worker_release_webhook_deliveries(${[taken!.lease_token as string]}::uuid[]) as n`;
    expect(released!.n).toBe(1);
    expect(await state(id)).toMatchObject({ status: "pending", attempt_count: 0, lease_token: null });
    expect((await claim(60)).some((row) => Number(row.delivery_id) === id)).toBe(true);
  });
});
