// Job views counted once per viewer and day, on sharded counters (migration
// 20261201000600): nobody can inflate them, a popular posting never serialises on its
// row, and no IP or user agent is kept.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { asPostgrestCaller, createDatabasePool, type Caller } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { createTestUser, type TestUser } from "../support/personas.ts";

let superuser: postgres.Sql;
let server: postgres.Sql; // the servers' login role: it vouches for the viewer's IP and User-Agent
let postgrest: postgres.Sql; // PostgREST's authenticator: what supabase-js callers come through
let recruiter: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 2, onnotice: () => {} });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 20 });
  const authenticator = new URL(url);
  authenticator.username = "authenticator";
  authenticator.password = "postgres";
  postgrest = createDatabasePool(authenticator.toString(), { max: 4 });
  recruiter = await createTestUser(superuser, { userType: "recruiter" });
  viewer = await createTestUser(superuser);
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(async () => {
  await Promise.all([server.end(), postgrest.end()]);
  await superuser.end();
});

async function newPosting(): Promise<number> {
  const [row] = await superuser`
    insert into public.job_postings (recruiter_id, title, company_name, description)
    values (${recruiter.id}, 'Popular role', 'Corp', 'Everyone looks.') returning id`;
  return Number(row!.id);
}

const views = async (jobId: number) =>
  Number((await superuser`select private.job_posting_views(j) as n from public.job_postings j where j.id = ${jobId}`)[0]!.n);

/** One view, as the facade would run it: as the caller, with the client's IP and User-Agent. */
function view(jobId: number, ip: string | null, userAgent: string | null, options: { caller?: Caller; via?: postgres.Sql } = {}) {
  return asPostgrestCaller(options.via ?? server, options.caller ?? { role: "anon" }, (tx) =>
    tx`select id, views_count from public.view_job_posting(${jobId}, ${ip}::inet, ${userAgent})`,
  ).then((rows) => rows[0] as { id: number; views_count: number } | undefined);
}

const ipOf = (i: number) => `198.51.${100 + (i >> 8)}.${i & 255}`;

describe("public.view_job_posting counts viewers, not calls", () => {
  test("50 anonymous views from one IP and User-Agent count 1", async () => {
    const job = await newPosting();
    for (let i = 0; i < 50; i++) await view(job, "203.0.113.7", "Mozilla/5.0 (same)");
    expect(await views(job)).toBe(1);
  });

  test("50 anonymous views from 50 IPs count 50; the answer is the total", async () => {
    const job = await newPosting();
    let last: { views_count: number } | undefined;
    for (let i = 0; i < 50; i++) last = await view(job, ipOf(i), "Mozilla/5.0 (same)");
    expect(await views(job)).toBe(50);
    expect(Number(last!.views_count)).toBe(50);
  });

  test("concurrent views lose no count: 200 viewers at once count 200, over several shards; one viewer 100 times at once counts 1", async () => {
    const job = await newPosting();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => view(job, ipOf(i), "Mozilla/5.0 (rush)")));
    expect(answers.every((answer) => answer?.id === job)).toBe(true);
    expect(await views(job)).toBe(200);
    const [shards] = await superuser`select count(*)::int as n from public.job_posting_view_counters where job_id = ${job}`;
    expect(shards!.n).toBeGreaterThan(1);

    const same = await newPosting();
    await Promise.all(Array.from({ length: 100 }, () => view(same, "203.0.113.8", "Mozilla/5.0 (same)")));
    expect(await views(same)).toBe(1);
  });

  test("a view never writes the posting's row", async () => {
    const job = await newPosting();
    const version = async () => (await superuser`select xmin::text as v from public.job_postings where id = ${job}`)[0]!.v;
    const before = await version();
    for (let i = 0; i < 5; i++) await view(job, ipOf(i), "UA");
    expect(await views(job)).toBe(5);
    expect(await version()).toBe(before);
  });

  test("a signed-in viewer is their account, whatever IP they come from", async () => {
    const job = await newPosting();
    for (let i = 0; i < 20; i++) await view(job, ipOf(i), `UA ${i}`, { caller: viewer.caller });
    expect(await views(job)).toBe(1);
  });

  test("IPs passed by anyone but the servers' role are ignored: 50 'IPs' through PostgREST count 1", async () => {
    const job = await newPosting();
    for (let i = 0; i < 50; i++) await view(job, ipOf(i), `UA ${i}`, { via: postgrest });
    expect(await views(job)).toBe(1);
    // And the servers' role still counts a new visitor.
    await view(job, "203.0.113.9", "UA");
    expect(await views(job)).toBe(2);
  });

  test("views counted before the counters existed are part of the total", async () => {
    const job = await newPosting();
    await superuser`update public.job_postings set views_count = 40 where id = ${job}`;
    expect(Number((await view(job, "203.0.113.10", "UA"))!.views_count)).toBe(41);
  });
});

describe("what is kept of a viewer", () => {
  test("a 16-byte keyed hash per posting and day: no IP, no user agent, and one viewer's hashes of two postings differ", async () => {
    const [first, second] = [await newPosting(), await newPosting()];
    await view(first, "203.0.113.77", "Secret-Agent/1.0");
    await view(second, "203.0.113.77", "Secret-Agent/1.0");
    const rows = await superuser`
      select job_id, visitor from private.job_posting_visitors where job_id = any(${[first, second]}) order by job_id`;
    expect(rows.length).toBe(2);
    for (const row of rows) expect((row.visitor as Uint8Array).length).toBe(16);
    expect(Buffer.from(rows[0]!.visitor).equals(Buffer.from(rows[1]!.visitor))).toBe(false);
    const columns = await superuser`
      select table_name, column_name, data_type from information_schema.columns
       where table_schema = 'private' and table_name in ('job_posting_visitors', 'job_view_keys') order by 1, ordinal_position`;
    expect(columns.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}`)).toEqual([
      "job_posting_visitors.day date",
      "job_posting_visitors.job_id bigint",
      "job_posting_visitors.visitor bytea",
      "job_view_keys.day date",
      "job_view_keys.secret bytea",
    ]);
  });

  test("the key is the day's: a new day's key replaces the last, and earlier viewers are forgotten", async () => {
    const job = await newPosting();
    await view(job, "203.0.113.78", "UA");
    // Pretend the key and the viewer were yesterday's.
    await superuser.begin(async (tx) => {
      await tx`update private.job_view_keys set day = day - 1`;
      await tx`update private.job_posting_visitors set day = day - 1 where job_id = ${job}`;
    });
    await view(job, "203.0.113.78", "UA"); // a new day: the same viewer counts again
    expect(await views(job)).toBe(2);
    const keys = await superuser`select day from private.job_view_keys`;
    expect(keys.map((k) => (k.day as Date).toISOString().slice(0, 10))).toEqual([new Date().toISOString().slice(0, 10)]);
    // Forgotten in batches: by this call, or already by a view's occasional batch (1 in
    // 100 views) or another suite's, which is why only the outcome is asserted.
    await superuser`select private.forget_old_job_visitors(100000)`;
    const [left] = await superuser`select count(*)::int as n from private.job_posting_visitors where day < (now() at time zone 'UTC')::date`;
    expect(left!.n).toBe(0);
    const [kept] = await superuser`select count(*)::int as n from private.job_posting_visitors where job_id = ${job}`;
    expect(kept!.n).toBe(1); // today's viewer only
  });

  test("the API roles can neither read nor write the viewers or the keys", async () => {
    for (const caller of [{ role: "anon" } as Caller, viewer.caller]) {
      for (const statement of ["select * from private.job_posting_visitors", "select * from private.job_view_keys", "select private.count_job_view(1, null, null, null)"]) {
        const error = await asPostgrestCaller(server, caller, (tx) => tx.unsafe(statement)).then(() => undefined, (e: { code?: string }) => e);
        expect([statement, error?.code]).toEqual([statement, "42501"]);
      }
    }
  });
});
