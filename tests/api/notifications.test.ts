// /api/v1/notifications over real HTTP, fed by a real worker: an application tells the
// recruiter, a status change the candidate, a withdrawal the recruiter; views of a
// shared resume are told at most once per hour with their count; pages by cursor, the
// unread count, marking read; nobody sees anybody else's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { seedApiToken } from "../support/faces.ts";
import { callFacade, testStack, type TestStack } from "../support/stack.ts";
import { eventually, startTestWorker, type TestWorker } from "../support/webhooks.ts";
import { shareToken } from "../support/world.ts";

let stack: TestStack;
let superuser: postgres.Sql;
let worker: TestWorker;
let recruiter: Account;
let candidate: Account;

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  worker = await startTestWorker(stack.superuserUrl);
  recruiter = await registerRecruiter(stack);
  candidate = await registerCandidate(stack);
});

afterAll(async () => {
  await worker?.stop();
  await superuser?.end();
});

type Listed = { id: number; type: string; title: string; body: string; data: Record<string, unknown>; read_at: string | null; created_at: string };

async function notificationsOf(account: Account, query = "limit=100"): Promise<{ notifications: Listed[]; unread_count: number; next_cursor: string | null }> {
  const answer = await callFacade(stack, "GET", `/api/v1/notifications?${query}`, { token: account.token });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function resumeOf(account: Account, name = "Main CV"): Promise<{ id: number; token: string }> {
  const token = shareToken();
  const [row] = await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
    values (${account.id}, ${name}, ${`${account.id}/${crypto.randomUUID()}.pdf`}, ${token}) returning id`;
  return { id: Number(row!.id), token };
}

const told = (account: Account, type: string, key: string, value: unknown) =>
  eventually(async () => (await notificationsOf(account)).notifications.find((n) => n.type === type && n.data[key] === value), 20_000, `${type} for ${key} ${value}`);

describe("events become notifications", () => {
  test("an application tells the recruiter; moving it on tells the candidate; withdrawing it tells the recruiter; nobody hears of their own doing", async () => {
    const resume = await resumeOf(candidate);
    const job = await callFacade(stack, "POST", "/api/v1/jobs/create", {
      token: recruiter.token,
      body: { title: "Platform engineer", company_name: "Corp", location: "Berlin", job_type: "full-time", experience_level: "senior", description: "Run things." },
    });
    const applied = await callFacade(stack, "POST", `/api/v1/jobs/${job.body.job_id}/apply`, { token: candidate.token, body: { resume_id: resume.id } });
    const applicationId = applied.body.application_id as number;

    const created = await told(recruiter, "application.created", "application_id", applicationId);
    expect(created).toMatchObject({ title: "New application", body: 'Someone applied to "Platform engineer".', read_at: null, data: { job_id: job.body.job_id, job_title: "Platform engineer" } });

    await callFacade(stack, "PATCH", `/api/v1/applications/${applicationId}/status`, { token: recruiter.token, body: { status: "reviewed" } });
    const moved = await told(candidate, "application.status_changed", "application_id", applicationId);
    expect(moved).toMatchObject({ title: "Your application moved on", body: 'Your application to "Platform engineer" is now reviewed.', data: { from_status: "pending", to_status: "reviewed" } });

    await callFacade(stack, "POST", `/api/v1/applications/${applicationId}/withdraw`, { token: candidate.token });
    await told(recruiter, "application.withdrawn", "application_id", applicationId);

    const own = (await notificationsOf(candidate)).notifications.filter((n) => n.data.application_id === applicationId).map((n) => n.type);
    expect(own).toEqual(["application.status_changed"]);
    const theirs = (await notificationsOf(recruiter)).notifications.filter((n) => n.data.application_id === applicationId).map((n) => n.type);
    expect(theirs).toEqual(["application.withdrawn", "application.created"]);
  });

  test("a closed posting tells its open applicants", async () => {
    const resume = await resumeOf(candidate, "Second CV");
    const job = await callFacade(stack, "POST", "/api/v1/jobs/create", {
      token: recruiter.token,
      body: { title: "Closing role", company_name: "Corp", location: "Remote", job_type: "contract", experience_level: "mid", description: "Soon gone." },
    });
    await callFacade(stack, "POST", `/api/v1/jobs/${job.body.job_id}/apply`, { token: candidate.token, body: { resume_id: resume.id } });
    await callFacade(stack, "DELETE", `/api/v1/jobs/${job.body.job_id}`, { token: recruiter.token });
    const closed = await told(candidate, "job_posting.closed", "job_id", job.body.job_id);
    expect(closed).toMatchObject({ title: "Posting closed", body: '"Closing role" is no longer open.' });
  });

  test("views of a shared resume: one notice with the count, then none within the hour; the views since come in the next one", async () => {
    const resume = await resumeOf(candidate, "Shared CV");
    const view = async () => {
      const answer = await fetch(`${stack.facadeUrl}/api/v1/shared/public/resume/${resume.token}`, { headers: { "x-api-token": seedApiToken } });
      expect(answer.status).toBe(200);
    };
    const viewNotices = async () => (await notificationsOf(candidate)).notifications.filter((n) => n.type === "resume.viewed" && n.data.resume_id === resume.id);
    const pending = async () => Number((await superuser`select pending_views from private.resume_view_batches where resume_id = ${resume.id}`)[0]?.pending_views ?? 0);

    for (let i = 0; i < 3; i++) await view();
    const [first] = await eventually(async () => {
      const found = await viewNotices();
      return found.length && (await superuser`select 1 from private.pending_resume_views where resume_id = ${resume.id}`).length === 0 ? found : undefined;
    }, 20_000, "the first view notice");
    expect(first).toMatchObject({ title: "Your resume was viewed", data: { resume_name: "Shared CV" } });
    const announced = first!.data.view_count as number;
    expect(announced).toBeGreaterThanOrEqual(1);
    expect(announced + (await pending())).toBe(3);

    for (let i = 0; i < 2; i++) await view();
    await eventually(async () => ((await pending()) === 3 - announced + 2 ? true : undefined), 20_000, "the views folded into the batch");
    await Bun.sleep(300);
    expect((await viewNotices()).length).toBe(1);

    // An hour passes.
    await superuser`update private.resume_view_batches set last_notified_at = last_notified_at - interval '1 hour', due_at = due_at - interval '1 hour' where resume_id = ${resume.id}`;
    const second = await eventually(async () => {
      const found = await viewNotices();
      return found.length === 2 ? found : undefined;
    }, 20_000, "the second view notice");
    expect(second[0]!.data.view_count).toBe(3 - announced + 2);
    expect(second[0]!.body).toBe(`"Shared CV" was viewed ${3 - announced + 2} times.`);
  });
});

describe("reading them", () => {
  let reader: Account;
  let ids: number[];

  beforeAll(async () => {
    reader = await registerCandidate(stack);
    const rows = await superuser`
      insert into public.notifications (user_id, type, title, body, data, created_at)
      select ${reader.id}, 'application.status_changed', 'N' || i, 'Body ' || i, jsonb_build_object('n', i),
             -- Two at the very same moment, so the cursor's tie-break on id is exercised.
             case when i in (20, 21) then timestamptz '2026-12-01 10:00:00.123456+00' else now() - make_interval(secs => i) end
        from generate_series(1, 45) as i
      returning id`;
    ids = rows.map((row) => Number(row.id));
  });

  test("pages of 20 by cursor, newest first, each once; the unread count on every page", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const page: Awaited<ReturnType<typeof notificationsOf>> = await notificationsOf(reader, cursor ? `cursor=${cursor}` : "");
      pages.push(page.notifications.length);
      expect(page.unread_count).toBe(45);
      seen.push(...page.notifications.map((n) => n.title));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual([20, 20, 5]);
    expect(new Set(seen).size).toBe(45);
    expect(seen.slice(0, 3)).toEqual(["N1", "N2", "N3"]);
  });

  test("marking one read, then all: the unread count follows; unread_only lists the rest", async () => {
    const one = await callFacade(stack, "POST", `/api/v1/notifications/${ids[0]}/read`, { token: reader.token });
    expect(one.status).toBe(200);
    expect(one.body.notification.id).toBe(ids[0]!);
    expect(one.body.notification.read_at).toEqual(expect.any(String));
    const again = await callFacade(stack, "POST", `/api/v1/notifications/${ids[0]}/read`, { token: reader.token });
    expect(again.body.notification.read_at).toBe(one.body.notification.read_at);
    const unread = await notificationsOf(reader, "unread_only=true&limit=100");
    expect(unread.unread_count).toBe(44);
    expect(unread.notifications.length).toBe(44);
    expect(unread.notifications.some((n) => n.id === ids[0])).toBe(false);

    const all = await callFacade(stack, "POST", "/api/v1/notifications/read-all", { token: reader.token });
    expect(all.body).toEqual({ success: true, marked_read: 44, unread_count: 0 });
    expect((await notificationsOf(reader)).unread_count).toBe(0);
  });

  test("someone else's notification is 404; bad ids, limits and cursors are 422; no token is 401", async () => {
    const other = await callFacade(stack, "POST", `/api/v1/notifications/${ids[1]}/read`, { token: candidate.token });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ success: false, detail: "Notification not found" });
    expect((await notificationsOf(candidate)).notifications.some((n) => ids.includes(n.id))).toBe(false);
    for (const query of ["limit=0", "limit=abc", "cursor=bogus", "unread_only=maybe", "cursor=" + btoa("webhook-deliveries:2026-12-01T10:00:00.123456Z:5").replace(/=+$/, "")]) {
      const answer = await callFacade(stack, "GET", `/api/v1/notifications?${query}`, { token: reader.token });
      expect(answer.status).toBe(422);
      expect(answer.body.success).toBe(false);
    }
    expect((await callFacade(stack, "POST", "/api/v1/notifications/abc/read", { token: reader.token })).status).toBe(422);
    expect((await callFacade(stack, "GET", "/api/v1/notifications")).status).toBe(401);
    expect((await notificationsOf(reader, "limit=1000")).notifications.length).toBe(45); // served at the cap of 100
  });
});
