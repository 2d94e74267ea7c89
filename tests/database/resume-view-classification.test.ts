// A person's view of a shared resume is counted and logged by the public fetch as
// `person`, and told first-of-day (human) or repeat by the worker afterwards (migration
// 20261206600100): private.worker_classify_resume_views, called here as the worker calls
// it (the servers' login role). Its results are exactly the synchronous design's; it
// takes its views in batches, earliest first, with SKIP LOCKED; a view is told under
// its own UTC day's key, also after midnight; what cannot be told any more stays
// `person`, in a defined way; running it again changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { asPostgrestCaller, createDatabasePool, type Caller } from "../../src/db/client.ts";
import { supabaseDir } from "../../src/local/paths.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { insertResume } from "../support/job-board.ts";
import { createTestUser, type TestUser } from "../support/personas.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let server: postgres.Sql; // the servers' login role: the fetch and the worker
let otherWorker: postgres.Sql; // a second worker process
let apiTokenHash: Buffer;
let owner: TestUser;

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 4, onnotice: () => {} });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 8 });
  otherWorker = createDatabasePool(asAuthenticatorUrl(url), { max: 2 });
  const [created] = await superuser`select token from private.create_api_token('classification test')`;
  apiTokenHash = createHash("sha256").update(created!.token as string).digest();
  owner = await createTestUser(superuser);
});
afterAll(async () => {
  await Promise.all([server.end(), otherWorker.end()]);
  await superuser.end();
});

let ips = 0;
/** An address no other case uses (2001:db8::/32 is never routed). */
const freshIp = () => `2001:db8:c1a5::${(++ips).toString(16)}`;

interface View {
  token: string;
  ip?: string;
  userAgent?: string;
  referer?: string | null;
  bot?: boolean;
  viewer?: string | null;
}

/** The public fetch as the servers send it (previewcv.com's forwarded viewer). */
async function fetchShared(view: View, fetchFunction: "current" | "synchronous" = "current") {
  const args = [apiTokenHash, view.token, view.ip ?? freshIp(), view.userAgent ?? "Mozilla/5.0 (test)", view.referer ?? null, view.bot ?? false, view.viewer ?? null] as const;
  const [row] =
    fetchFunction === "current"
      ? await server`
          select outcome, view_kind from private.fetch_shared_resume(${args[0]}, ${args[1]}, '203.0.113.90'::inet, 'previewcv-server/1.0', null,
            ${args[2]}::inet, ${args[3]}, ${args[4]}, ${args[5]}, ${args[6]}::uuid, null, null)`
      : await superuser`
          select outcome, view_kind from private.fetch_shared_resume_synchronous(${args[0]}, ${args[1]}, '203.0.113.90'::inet, 'previewcv-server/1.0', null,
            ${args[2]}::inet, ${args[3]}, ${args[4]}, ${args[5]}, ${args[6]}::uuid, null, null)`;
  expect(row!.outcome).toBe("ok");
  return row!.view_kind as string;
}

/** One call of the worker's task; how many queued views it took. */
const classifyOnce = async (batchSize: number, via: postgres.Sql = server) =>
  Number((await via`select private.worker_classify_resume_views(${batchSize}) as done`)[0]!.done);

/** The worker's task until nothing waits (other suites' views included). */
async function classifyAll(batchSize = 10_000) {
  while ((await classifyOnce(batchSize)) > 0);
}

async function newResume(): Promise<{ id: number; token: string }> {
  const token = shareToken();
  const id = await insertResume(superuser, owner.id, { name: "Watched CV", permanentToken: token });
  return { id, token };
}

async function newLink(resumeId: number, fields: Record<string, unknown> = {}): Promise<{ id: number; token: string }> {
  const [row] = await superuser`insert into public.resume_share_links ${superuser({ resume_id: resumeId, label: "Acme", ...fields })} returning id, token`;
  return { id: Number(row!.id), token: row!.token as string };
}

const kindsOf = async (resumeId: number) =>
  (await superuser`select kind from public.resume_access_logs where resume_id = ${resumeId} order by id`).map((row) => row.kind as string);

const queuedOf = async (resumeId: number) =>
  Number((await superuser`select count(*)::int as n from private.unclassified_resume_views where resume_id = ${resumeId}`)[0]!.n);

const utcDay = `(now() at time zone 'UTC')::date`;

async function analyticsOf(resumeId: number) {
  const [row] = await asPostgrestCaller(server, owner.caller, (tx) => tx`select public.resume_analytics(${resumeId}, 30) as a`);
  return row!.a as Record<string, any>;
}

/** The fetch as 20261206000300 defined it (hash and visitors in the fetch), under another name, for this file only. */
async function installSynchronousFetch(): Promise<void> {
  const migration = fs.readFileSync(path.join(supabaseDir, "migrations", "20261206000300_clean_resume_views.sql"), "utf8");
  const start = migration.indexOf("create function private.fetch_shared_resume(");
  const end = migration.indexOf("\n$$;\n", start) + 4;
  if (start < 0 || end < start) throw new Error("the synchronous fetch was not found in its migration");
  await superuser.unsafe(migration.slice(start, end).replace("private.fetch_shared_resume(", "private.fetch_shared_resume_synchronous("));
}

describe("the worker's classification", () => {
  test("gives every view, count and analytic exactly what the synchronous design gave, in batches of any size", async () => {
    await installSynchronousFetch();
    try {
      const stranger = await createTestUser(superuser);
      // Twin resumes with twin links: one viewed through the synchronous fetch, one through today's.
      const twins = [] as { resume: { id: number; token: string }; links: { id: number; token: string }[] }[];
      for (let i = 0; i < 2; i++) {
        const resume = await newResume();
        twins.push({ resume, links: [await newLink(resume.id, { label: "Acme", view_limit: 5 }), await newLink(resume.id, { label: "Beta" })] });
      }
      const [ann, bob, cat, dan, eve] = [freshIp(), freshIp(), freshIp(), freshIp(), freshIp()];
      type Step = { via: "permanent" | 0 | 1 } & Omit<View, "token">;
      const steps: Step[] = [
        { via: "permanent", ip: ann, userAgent: "Firefox", referer: "https://linkedin.com/feed" },
        { via: "permanent", ip: ann, userAgent: "Firefox" },
        { via: 0, ip: ann, userAgent: "Firefox" }, // the same visitor through a link: a repeat of the resume
        { via: 0, ip: bob, userAgent: "Safari", referer: "https://mail.example/inbox" },
        { via: 1, ip: bob, userAgent: "Safari" },
        { via: 1, ip: bob, userAgent: "Chrome" }, // another browser: another visitor
        { via: 0, ip: cat, userAgent: "Slackbot-LinkExpanding 1.0", bot: true },
        { via: 1, viewer: owner.id },
        { via: "permanent", ip: dan, viewer: stranger.id }, // signed in: counted by account
        { via: 1, ip: eve, viewer: stranger.id },
        { via: 0, ip: cat, userAgent: "Firefox", referer: "https://linkedin.com/feed" },
        { via: "permanent", ip: eve, userAgent: "Firefox" },
        { via: 0, ip: eve, userAgent: "Firefox" },
        { via: "permanent", ip: ann, userAgent: "Firefox" },
      ];
      const kindsAnswered: string[][] = [[], []];
      for (const step of steps) {
        for (const [i, fetchFunction] of (["synchronous", "current"] as const).entries()) {
          const twin = twins[i]!;
          const token = step.via === "permanent" ? twin.resume.token : twin.links[step.via]!.token;
          kindsAnswered[i]!.push(await fetchShared({ ...step, token }, fetchFunction));
        }
      }
      // Today's fetch answers only what it decided: person, bot or owner.
      expect(kindsAnswered[1]).toEqual(kindsAnswered[0]!.map((kind) => (kind === "human" || kind === "repeat" ? "person" : kind)));
      // Batches of 2: a visitor's views fall in different batches.
      while ((await classifyOnce(2)) > 0);

      const [synchronous, classified] = twins.map((twin) => twin.resume.id);
      expect(await kindsOf(classified!)).toEqual(await kindsOf(synchronous!));
      expect(await kindsOf(synchronous!)).toEqual(kindsAnswered[0]!);
      expect(await queuedOf(classified!)).toBe(0);
      const normalized = async (twin: (typeof twins)[number]) => {
        const linkIndex = new Map(twin.links.map((link, i) => [link.id, i]));
        const a = await analyticsOf(twin.resume.id);
        const text = JSON.stringify(a, (key, value) =>
          key === "resume_id" || key === "last_accessed_at" || key === "last_viewed_at" ? undefined : key === "link_id" && value !== null ? linkIndex.get(value) : value,
        );
        return JSON.parse(text);
      };
      const expected = await normalized(twins[0]!);
      expect(await normalized(twins[1]!)).toEqual(expected);
      expect(expected).toMatchObject({ total_views: 12, unique_visitors: 6, breakdown: { human_views: 12, unique_visitors: 6, repeat_views: 6, bot_previews: 1, owner_views: 1 } });
      // The same counters, events and view limits.
      const [tallies] = await superuser`
        select array_agg((select coalesce(sum(v.views), 0)::int from public.resume_view_counters v where v.resume_id = r.id) order by r.id) as views,
               array_agg((select count(*)::int from private.pending_resume_views p where p.resume_id = r.id) order by r.id) as events,
               array_agg((select array_agg(l.views_used order by l.id) from public.resume_share_links l where l.resume_id = r.id) order by r.id) as used
          from public.resumes r where r.id in ${superuser(twins.map((twin) => twin.resume.id))}`;
      expect(tallies).toEqual({ views: [12, 12], events: [12, 12], used: [[4, 0], [4, 0]] } as never);
    } finally {
      await superuser`drop function if exists private.fetch_shared_resume_synchronous(bytea, text, inet, text, text, inet, text, text, boolean, uuid, text, text)`;
    }
  });

  test("takes at most its batch, earliest first; the rest waits for the next call; bots and owners never wait", async () => {
    await classifyAll();
    const resume = await newResume();
    const ip = freshIp();
    for (let i = 0; i < 5; i++) await fetchShared({ token: resume.token, ip });
    await fetchShared({ token: resume.token, bot: true });
    await fetchShared({ token: resume.token, viewer: owner.id });
    expect(await queuedOf(resume.id)).toBe(5);
    expect(await classifyOnce(2)).toBe(2);
    expect(await kindsOf(resume.id)).toEqual(["human", "repeat", "person", "person", "person", "bot", "owner"]);
    expect(await classifyOnce(2)).toBe(2);
    expect(await classifyOnce(2)).toBe(1);
    expect(await classifyOnce(2)).toBe(0);
    expect(await kindsOf(resume.id)).toEqual(["human", "repeat", "repeat", "repeat", "repeat", "bot", "owner"]);
    expect(await queuedOf(resume.id)).toBe(0);
  });

  test("two workers at once: each takes views the other has not locked (SKIP LOCKED), and every view is told once", async () => {
    await classifyAll();
    // Today's key exists (making it is a short wait between workers, once a day).
    await superuser.unsafe(`select private.job_view_key(${utcDay})`);
    const resume = await newResume();
    for (let i = 0; i < 6; i++) await fetchShared({ token: resume.token, ip: freshIp() });

    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let first!: Promise<number>;
    const firstTook = new Promise<number>((resolve) => {
      first = otherWorker.begin(async (tx) => {
        const taken = Number((await tx`select private.worker_classify_resume_views(3) as done`)[0]!.done);
        resolve(taken);
        await held; // still inside its transaction: its three views stay locked
        return taken;
      });
    });
    expect(await firstTook).toBe(3);
    // The second worker neither waits for the first nor takes its views.
    expect(await classifyOnce(10)).toBe(3);
    expect(await kindsOf(resume.id)).toEqual(["person", "person", "person", "human", "human", "human"]);
    release();
    expect(await first).toBe(3);
    expect(await kindsOf(resume.id)).toEqual(Array(6).fill("human"));
    expect(await queuedOf(resume.id)).toBe(0);

    // Many views of a few visitors, two workers in small batches at the same time: no
    // deadlock (visitors are inserted in one order), one first view per visitor.
    const busy = await newResume();
    const visitors = [freshIp(), freshIp(), freshIp(), freshIp(), freshIp()];
    for (let i = 0; i < 40; i++) await fetchShared({ token: busy.token, ip: visitors[i % visitors.length] });
    const drain = async (via: postgres.Sql) => {
      while ((await classifyOnce(7, via)) > 0);
    };
    await Promise.all([drain(server), drain(otherWorker)]);
    const kinds = await kindsOf(busy.id);
    expect({ human: kinds.filter((k) => k === "human").length, repeat: kinds.filter((k) => k === "repeat").length }).toEqual({ human: 5, repeat: 35 });
    expect((await analyticsOf(busy.id)).unique_visitors).toBe(5);
  });

  test("running it again changes nothing; a classification rolled back (a worker killed) is done again, the same", async () => {
    await classifyAll();
    const resume = await newResume();
    const ip = freshIp();
    await fetchShared({ token: resume.token, ip });
    await fetchShared({ token: resume.token, ip });
    await fetchShared({ token: resume.token });
    const rolledBack = await server
      .begin(async (tx) => {
        await tx`select private.worker_classify_resume_views(100)`;
        throw new Error("killed");
      })
      .catch((error: Error) => error.message);
    expect(rolledBack).toBe("killed");
    expect(await kindsOf(resume.id)).toEqual(["person", "person", "person"]);
    expect(await queuedOf(resume.id)).toBe(3);
    await classifyAll();
    const visitors = async () => Number((await superuser`select count(*)::int as n from private.resume_visitors where resume_id = ${resume.id}`)[0]!.n);
    expect([await kindsOf(resume.id), await visitors()]).toEqual([["human", "repeat", "human"], 2]);
    expect(await classifyOnce(100)).toBe(0);
    expect([await kindsOf(resume.id), await visitors()]).toEqual([["human", "repeat", "human"], 2]);
  });

  test("a view of a resume deleted before its turn is dropped from the queue", async () => {
    await classifyAll();
    const resume = await newResume();
    await fetchShared({ token: resume.token });
    await superuser`delete from public.resumes where id = ${resume.id}`;
    expect(await queuedOf(resume.id)).toBe(1);
    await classifyAll();
    expect(await queuedOf(resume.id)).toBe(0);
  });

  test("the API roles can neither read the queue nor run the task", async () => {
    const viewer = await createTestUser(superuser);
    for (const caller of [{ role: "anon" } as Caller, viewer.caller]) {
      for (const statement of ["select * from private.unclassified_resume_views", "select private.worker_classify_resume_views(1)", "select private.classify_resume_views(1, now())"]) {
        const error = await asPostgrestCaller(server, caller, (tx) => tx.unsafe(statement)).then(() => undefined, (e: { code?: string }) => e);
        expect([statement, error?.code]).toEqual([statement, "42501"]);
      }
    }
  });
});

describe("the UTC day of a view, and its key", () => {
  /** Leaves only yesterday's key (a fresh one), as just after midnight before anything made today's. */
  async function justAfterMidnight(): Promise<void> {
    await classifyAll();
    await superuser.begin(async (tx) => {
      await tx`delete from private.job_view_keys`;
      await tx.unsafe(`insert into private.job_view_keys (day, secret) values (${utcDay} - 1, extensions.gen_random_bytes(32))`);
    });
  }
  /** Moves a view (its log row and its place in the queue) to the last second of yesterday (UTC). */
  const toYesterdayNight = (logId: number) =>
    superuser.begin(async (tx) => {
      const lastSecond = `((${utcDay})::timestamp at time zone 'UTC') - interval '1 second'`;
      await tx.unsafe(`update public.resume_access_logs set accessed_at = ${lastSecond} where id = $1`, [logId]);
      await tx.unsafe(`update private.unclassified_resume_views set viewed_at = ${lastSecond} where log_id = $1`, [logId]);
    });
  const lastLogId = async (resumeId: number) => Number((await superuser`select max(id) as id from public.resume_access_logs where resume_id = ${resumeId}`)[0]!.id);

  test("views logged just before midnight are told under their own day's key, by a worker that comes after midnight", async () => {
    await justAfterMidnight();
    const resume = await newResume();
    const ann = freshIp();
    // Ann was seen earlier yesterday (her view told then, under yesterday's key).
    await superuser.unsafe(
      `insert into private.resume_visitors (day, resume_id, visitor)
       values (${utcDay} - 1, $1::bigint, private.viewer_hash('resume:' || $1::bigint, ${utcDay} - 1, null, $2::inet, 'Firefox'))`,
      [resume.id, ann],
    );
    // Two views of Ann and one of Bob in the last second of yesterday, one of Ann today.
    const bob = freshIp();
    for (const ip of [ann, ann, bob]) {
      await fetchShared({ token: resume.token, ip, userAgent: "Firefox" });
      await toYesterdayNight(await lastLogId(resume.id));
    }
    await fetchShared({ token: resume.token, ip: ann, userAgent: "Firefox" });

    await classifyAll();
    // Ann's views of yesterday are repeats only under yesterday's key; today she is new.
    expect(await kindsOf(resume.id)).toEqual(["repeat", "repeat", "human", "human"]);
    // Yesterday's key is gone now that today's is made, and so are yesterday's visitors.
    const keys = await superuser.unsafe(`select day = ${utcDay} as today from private.job_view_keys`);
    expect(keys.map((key) => key.today)).toEqual([true]);
    const [left] = await superuser.unsafe(`select count(*)::int as n from private.resume_visitors where day < ${utcDay}`);
    expect(left!.n).toBe(0);
  });

  test("whoever makes the day's key first (here a job view) tells the views waiting under yesterday's before deleting it", async () => {
    await justAfterMidnight();
    const resume = await newResume();
    const ann = freshIp();
    for (let i = 0; i < 2; i++) {
      await fetchShared({ token: resume.token, ip: ann });
      await toYesterdayNight(await lastLogId(resume.id));
    }
    const recruiter = await createTestUser(superuser, { userType: "recruiter" });
    const [posting] = await superuser`
      insert into public.job_postings (recruiter_id, title, company_name, description)
      values (${recruiter.id}, 'Night shift', 'Corp', 'At midnight.') returning id`;
    await asPostgrestCaller(server, { role: "anon" }, (tx) => tx`select id from public.view_job_posting(${posting!.id}, '198.51.100.200'::inet, 'UA')`);
    expect(await kindsOf(resume.id)).toEqual(["human", "repeat"]);
    expect(await queuedOf(resume.id)).toBe(0);
  });

  test("a view whose day's key is gone (the worker was away) stays person for good: counted, and counted as a first view", async () => {
    await classifyAll();
    const resume = await newResume();
    const ann = freshIp();
    for (let i = 0; i < 2; i++) await fetchShared({ token: resume.token, ip: ann });
    await superuser.begin(async (tx) => {
      await tx`update public.resume_access_logs set accessed_at = accessed_at - interval '2 days' where resume_id = ${resume.id}`;
      await tx`update private.unclassified_resume_views set viewed_at = viewed_at - interval '2 days' where resume_id = ${resume.id}`;
    });
    await classifyAll();
    expect(await kindsOf(resume.id)).toEqual(["person", "person"]);
    expect(await queuedOf(resume.id)).toBe(0);
    // No key is made for a past day (it would hash that day's visitors apart from the others).
    const [key] = await superuser.unsafe(`select private.job_view_key(${utcDay} - 2) is null as none, (select count(*)::int from private.job_view_keys where day < ${utcDay}) as past`);
    expect(key).toEqual({ none: true, past: 0 } as never);
    expect(await analyticsOf(resume.id)).toMatchObject({ total_views: 2, unique_visitors: 2 });
  });
});
