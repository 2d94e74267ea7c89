// private.fetch_shared_resume: the one statement behind every public fetch.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import postgres from "postgres";
import { createDatabasePool } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { insertResume } from "../support/job-board.ts";
import { createTestUser } from "../support/personas.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let server: postgres.Sql; // the servers' login role, as the facade and the functions connect
let apiToken: string;
let ownerId: string;
const digest = (token: string) => createHash("sha256").update(token).digest();

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 2, onnotice: () => {} });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 40 });
  const [created] = await superuser`select token from private.create_api_token('fetch test')`;
  apiToken = created!.token as string;
  ownerId = (await createTestUser(superuser)).id;
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(async () => {
  await server.end();
  await superuser.end();
});

async function newResume(active = true): Promise<{ id: number; token: string }> {
  const token = shareToken();
  const id = await insertResume(superuser, ownerId, { name: "CV", active, permanentToken: token, qrCode: "data:image/png;base64,AAAA" });
  return { id, token };
}

function fetchShared(options: { apiToken?: string; shareToken: string; ip?: string }) {
  return server`
    select * from private.fetch_shared_resume(
      ${digest(options.apiToken ?? apiToken)}, ${options.shareToken}, ${options.ip ?? "203.0.113.10"}, 'bun-test', 'https://example.test/page')`.then(
    (rows) => rows[0]!,
  );
}

describe("private.fetch_shared_resume", () => {
  test("api token: issued as pcv_ + 43 base64url characters, stored only as its digest", async () => {
    expect(apiToken).toMatch(/^pcv_[A-Za-z0-9_-]{43}$/);
    const rows = await superuser`select token_hash, token_prefix from public.api_tokens where token_name = 'fetch test'`;
    expect(Buffer.from(rows[0]!.token_hash as Uint8Array).equals(digest(apiToken))).toBe(true);
    expect(rows[0]!.token_prefix).toBe(apiToken.slice(0, 12));
  });

  test("a view returns the resume, logs it and counts it", async () => {
    const resume = await newResume();
    const first = await fetchShared({ shareToken: resume.token });
    expect(first).toMatchObject({ outcome: "ok", resume_id: resume.id, resume_name: "CV", permanent_token: resume.token, access_count: 1 });
    // Rows come back as the generated types describe them: timestamps as ISO 8601 in UTC.
    expect(first.last_accessed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const second = await fetchShared({ shareToken: resume.token });
    expect(second.access_count).toBe(2);
    const logs = await superuser`select host(ip_address) as ip, user_agent, referer from public.resume_access_logs where resume_id = ${resume.id}`;
    expect([...logs]).toEqual([
      { ip: "203.0.113.10", user_agent: "bun-test", referer: "https://example.test/page" },
      { ip: "203.0.113.10", user_agent: "bun-test", referer: "https://example.test/page" },
    ]);
  });

  test("an unknown token and an inactive resume are the same not_found, and count nothing", async () => {
    const inactive = await newResume(false);
    expect((await fetchShared({ shareToken: inactive.token })).outcome).toBe("not_found");
    expect((await fetchShared({ shareToken: shareToken() })).outcome).toBe("not_found");
    const [logs] = await superuser`select count(*)::int as n from public.resume_access_logs where resume_id = ${inactive.id}`;
    expect(logs!.n).toBe(0);
  });

  test("wrong, revoked and expired API tokens are refused before the resume is looked up", async () => {
    const resume = await newResume();
    expect((await fetchShared({ apiToken: "pcv_wrong", shareToken: resume.token, ip: "198.51.100.1" })).outcome).toBe("unauthorized");

    const [revoked] = await superuser`select id, token from private.create_api_token('revoked')`;
    await superuser`select private.revoke_api_token(${revoked!.id})`;
    expect((await fetchShared({ apiToken: revoked!.token, shareToken: resume.token, ip: "198.51.100.2" })).outcome).toBe("unauthorized");

    const [expired] = await superuser`select token from private.create_api_token('expired', now() - interval '1 second')`;
    expect((await fetchShared({ apiToken: expired!.token, shareToken: resume.token, ip: "198.51.100.3" })).outcome).toBe("unauthorized");

    const [logs] = await superuser`select count(*)::int as n from public.resume_access_logs where resume_id = ${resume.id}`;
    expect(logs!.n).toBe(0);
  });

  test("an IP presenting wrong tokens is rate-limited; a valid token from it still works", async () => {
    const resume = await newResume();
    const ip = "198.51.100.99";
    const [limit] = await superuser`select private.api_token_failure_limit() as n`;
    const outcomes: string[] = [];
    for (let i = 0; i < (limit!.n as number) + 2; i++) {
      outcomes.push((await fetchShared({ apiToken: `pcv_guess_${i}`, shareToken: resume.token, ip })).outcome);
    }
    expect(outcomes.filter((o) => o === "unauthorized").length).toBe(limit!.n);
    expect(outcomes.slice(-2)).toEqual(["rate_limited", "rate_limited"]);
    const limited = await fetchShared({ apiToken: "pcv_again", shareToken: resume.token, ip });
    expect(limited.retry_after_seconds).toBeGreaterThan(0);
    expect((await fetchShared({ shareToken: resume.token, ip })).outcome).toBe("ok");
  });

  test("last_used_at is kept, at most once a minute", async () => {
    const resume = await newResume();
    await superuser`update public.api_tokens set last_used_at = null where token_hash = ${digest(apiToken)}`;
    await fetchShared({ shareToken: resume.token });
    const [first] = await superuser`select last_used_at from public.api_tokens where token_hash = ${digest(apiToken)}`;
    expect(first!.last_used_at).toBeInstanceOf(Date);
    await fetchShared({ shareToken: resume.token });
    const [second] = await superuser`select last_used_at from public.api_tokens where token_hash = ${digest(apiToken)}`;
    expect(second!.last_used_at).toEqual(first!.last_used_at);
  });

  test("200 concurrent views of one resume count exactly 200", async () => {
    const resume = await newResume();
    const results = await Promise.all(Array.from({ length: 200 }, () => fetchShared({ shareToken: resume.token })));
    expect(results.every((row) => row.outcome === "ok")).toBe(true);
    const [totals] = await superuser`
      select (select sum(views)::int from public.resume_view_counters where resume_id = ${resume.id}) as views,
             (select count(*)::int from public.resume_access_logs where resume_id = ${resume.id}) as logs,
             (select count(*)::int from public.resume_view_counters where resume_id = ${resume.id}) as shards`;
    expect(totals).toEqual({ views: 200, logs: 200, shards: expect.any(Number) });
    expect(totals!.shards).toBeGreaterThan(1);
    // Each answer counts the views committed when it ran, its own included: between 1
    // and 200. (Not necessarily 200 for the last one: under READ COMMITTED a view can
    // commit while another's increment is still in flight. The stored total is exact.)
    for (const row of results) expect(Number(row.access_count)).toBeGreaterThanOrEqual(1);
    for (const row of results) expect(Number(row.access_count)).toBeLessThanOrEqual(200);
  });
});
