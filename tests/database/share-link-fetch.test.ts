// private.fetch_shared_resume with share links and clean counts (issue 13): the one
// statement resolves link tokens beside permanent ones, holds a link to its expiry, view
// limit, password and required email, and says what each view was (a person's view is
// told first-of-day or repeat by the worker's classification, run here before asserting).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import postgres from "postgres";
import { createDatabasePool } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { insertResume } from "../support/job-board.ts";
import { createTestUser, type TestUser } from "../support/personas.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let server: postgres.Sql;
let apiToken: string;
let owner: TestUser;
const digest = (token: string) => createHash("sha256").update(token).digest();

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 4, onnotice: () => {} });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 60 });
  const [created] = await superuser`select token from private.create_api_token('share link test')`;
  apiToken = created!.token as string;
  owner = await createTestUser(superuser);
});
afterAll(async () => {
  await server.end();
  await superuser.end();
});

let ips = 0;
/** An address no other case uses (TEST-NET-3 and 2001:db8::/32 are never routed). */
const freshIp = () => `2001:db8::${(++ips).toString(16)}`;

interface Fetch {
  token: string;
  apiToken?: string;
  ip?: string;
  userAgent?: string;
  forwardedIp?: string | null;
  forwardedUserAgent?: string | null;
  bot?: boolean;
  viewer?: string | null;
  password?: string | null;
  email?: string | null;
}

function fetchShared(options: Fetch) {
  return server`
    select * from private.fetch_shared_resume(
      api_token_hash => ${digest(options.apiToken ?? apiToken)}, share_token => ${options.token},
      viewer_ip => ${options.ip ?? "203.0.113.60"}::inet, viewer_user_agent => ${options.userAgent ?? "previewcv-server/1.0"}, viewer_referer => null,
      forwarded_ip => ${options.forwardedIp ?? null}::inet, forwarded_user_agent => ${options.forwardedUserAgent ?? null},
      forwarded_referer => null, viewer_is_bot => ${options.bot ?? false}, viewer_user_id => ${options.viewer ?? null}::uuid,
      link_password => ${options.password ?? null}, viewer_email => ${options.email ?? null})`.then((rows) => rows[0]!);
}

async function newResume(): Promise<{ id: number; token: string }> {
  const token = shareToken();
  const id = await insertResume(superuser, owner.id, { name: "Linked CV", permanentToken: token, qrCode: "data:image/png;base64,AAAA" });
  return { id, token };
}

/** A share link of the resume, as its owner would make it (the table's defaults and triggers apply). */
async function newLink(resumeId: number, fields: Record<string, unknown> = {}): Promise<{ id: number; token: string }> {
  const [row] = await superuser`insert into public.resume_share_links ${superuser({ resume_id: resumeId, label: "Acme Corp, backend role", ...fields })} returning id, token`;
  return { id: Number(row!.id), token: row!.token as string };
}

/** The worker's task, as the worker calls it: every person view waiting is told human or repeat. */
async function classify() {
  while (Number((await server`select private.worker_classify_resume_views(10000) as done`)[0]!.done) > 0);
}

const counted = async (resumeId: number) => {
  const [row] = await superuser`
    select coalesce((select sum(views)::int from public.resume_view_counters where resume_id = ${resumeId}), 0) as views,
           (select count(*)::int from private.pending_resume_views where resume_id = ${resumeId}) as queued,
           (select coalesce(array_agg(kind order by id), '{}') from public.resume_access_logs where resume_id = ${resumeId}) as kinds`;
  return row as { views: number; queued: number; kinds: string[] };
};

describe("share links in the public fetch", () => {
  test("a link's token is served like the permanent one: its own token back, no QR code, the view logged with its link", async () => {
    const resume = await newResume();
    const link = await newLink(resume.id);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await fetchShared({ token: link.token, ip: freshIp() });
    expect(answer).toMatchObject({ outcome: "ok", resume_id: resume.id, permanent_token: link.token, qr_code_base64: null, link_id: link.id, view_kind: "person", document_served: true, access_count: 1 });
    const [log] = await superuser`select link_id from public.resume_access_logs where resume_id = ${resume.id}`;
    expect(Number(log!.link_id)).toBe(link.id);
    // The permanent token still answers as before, its QR code included.
    expect(await fetchShared({ token: resume.token, ip: freshIp() })).toMatchObject({ outcome: "ok", permanent_token: resume.token, qr_code_base64: "data:image/png;base64,AAAA", link_id: null });
  });

  test("expired, used-up and revoked links are the same not_found as an unknown token, and count nothing", async () => {
    const resume = await newResume();
    const expired = await newLink(resume.id, { expires_at: new Date(Date.now() + 60_000) });
    await superuser`alter table public.resume_share_links disable trigger resume_share_links_check`;
    try {
      await superuser`update public.resume_share_links set expires_at = now() - interval '1 second' where id = ${expired.id}`;
    } finally {
      await superuser`alter table public.resume_share_links enable trigger resume_share_links_check`;
    }
    const used = await newLink(resume.id, { view_limit: 1 });
    expect((await fetchShared({ token: used.token, ip: freshIp() })).outcome).toBe("ok");
    const revoked = await newLink(resume.id);
    await superuser`update public.resume_share_links set revoked_at = now() where id = ${revoked.id}`;
    const before = await counted(resume.id);
    for (const token of [expired.token, used.token, revoked.token, shareToken()]) {
      expect([token, (await fetchShared({ token, ip: freshIp() })).outcome]).toEqual([token, "not_found"]);
    }
    expect(await counted(resume.id)).toEqual(before);
    // A deactivated resume takes its links with it.
    const live = await newLink(resume.id);
    await superuser`update public.resumes set is_active = false where id = ${resume.id}`;
    expect((await fetchShared({ token: live.token })).outcome).toBe("not_found");
  });

  test("a deactivated owner's resume is not served, by its permanent token or its links, until reactivation", async () => {
    const someone = await createTestUser(superuser);
    const token = shareToken();
    const id = await insertResume(superuser, someone.id, { name: "Soon switched off", permanentToken: token });
    const link = await newLink(id);
    expect((await fetchShared({ token, ip: freshIp() })).outcome).toBe("ok");
    await superuser`select private.deactivate_account(${someone.id}, 'abuse report', 'share link suite')`;
    const before = await counted(id);
    for (const shared of [token, link.token]) expect([shared, (await fetchShared({ token: shared, ip: freshIp() })).outcome]).toEqual([shared, "not_found"]);
    expect(await counted(id)).toEqual(before);
    // No write can store a copy of the owner's state that disagrees with the profile.
    expect(await superuser`update public.resumes set owner_is_active = true where id = ${id}`.catch((error) => error.code)).toBe("23503");
    await superuser`select private.reactivate_account(${someone.id}, 'cleared', 'share link suite')`;
    for (const shared of [token, link.token]) expect((await fetchShared({ token: shared, ip: freshIp() })).outcome).toBe("ok");
  });

  test("a Referer is stored without the user name and password a URL may carry", async () => {
    const resume = await newResume();
    await server`
      select * from private.fetch_shared_resume(
        api_token_hash => ${digest(apiToken)}, share_token => ${resume.token}, viewer_ip => ${freshIp()}::inet,
        viewer_user_agent => 'previewcv-server/1.0', viewer_referer => null,
        forwarded_referer => 'https://jane:s3cret@intranet.example.com:8443/wiki?page=cv')`;
    const [log] = await superuser`select referer from public.resume_access_logs where resume_id = ${resume.id}`;
    expect(log!.referer).toBe("https://intranet.example.com:8443/wiki?page=cv");
  });

  test("a one-time link fetched by 50 clients at once is served exactly once", async () => {
    const resume = await newResume();
    const link = await newLink(resume.id, { view_limit: 1 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetchShared({ token: link.token, ip: freshIp() })));
    expect(answers.filter((a) => a.outcome === "ok").length).toBe(1);
    expect(answers.filter((a) => a.outcome === "not_found").length).toBe(49);
    const [row] = await superuser`select views_used from public.resume_share_links where id = ${link.id}`;
    expect(row!.views_used).toBe(1);
    await classify();
    expect(await counted(resume.id)).toEqual({ views: 1, queued: 1, kinds: ["human"] });
  });

  test("a limit of 3 under 30 concurrent fetches serves 3", async () => {
    const resume = await newResume();
    const link = await newLink(resume.id, { view_limit: 3 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => fetchShared({ token: link.token, ip: freshIp() })));
    expect(answers.filter((a) => a.outcome === "ok").length).toBe(3);
  });

  test("a password: required, wrong, right; wrong ones are limited per link and viewer IP, right ones never add up", async () => {
    const resume = await newResume();
    const link = await newLink(resume.id);
    await superuser`update public.resume_share_links set password_hash = extensions.crypt('open sesame', extensions.gen_salt('bf', 4)) where id = ${link.id}`;
    const viewer = freshIp();
    expect((await fetchShared({ token: link.token, forwardedIp: viewer })).outcome).toBe("password_required");
    expect((await fetchShared({ token: link.token, forwardedIp: viewer, password: "open sesame" })).outcome).toBe("ok");
    const [rule] = await superuser`select * from private.share_link_password_limit()`;
    const outcomes: string[] = [];
    for (let i = 0; i < (rule!.max_attempts as number); i++) outcomes.push((await fetchShared({ token: link.token, forwardedIp: viewer, password: `guess ${i}` })).outcome);
    expect(new Set(outcomes)).toEqual(new Set(["password_invalid"]));
    // Past the limit even the right password is not checked.
    const limited = await fetchShared({ token: link.token, forwardedIp: viewer, password: "open sesame" });
    expect(limited.outcome).toBe("password_rate_limited");
    expect(limited.retry_after_seconds).toBeGreaterThan(0);
    // Another viewer behind previewcv.com is not locked out; twenty right answers in a row stay within the limit.
    const other = freshIp();
    for (let i = 0; i < 20; i++) expect((await fetchShared({ token: link.token, forwardedIp: other, password: "open sesame" })).outcome).toBe("ok");
    // The limit's bucket names the link and the IP, never the password.
    const buckets = await superuser`select bucket from private.rate_limit_counters where bucket like ${`share-link-password:${link.id}:%`}`;
    expect(buckets.map((b) => b.bucket).sort()).toEqual([`share-link-password:${link.id}:${other}`, `share-link-password:${link.id}:${viewer}`].sort());
  });

  test("an email: required when the link says so, logged with the view; not kept for links that do not ask", async () => {
    const resume = await newResume();
    const asking = await newLink(resume.id, { require_viewer_email: true });
    expect((await fetchShared({ token: asking.token, ip: freshIp() })).outcome).toBe("email_required");
    expect((await fetchShared({ token: asking.token, ip: freshIp(), email: "hr@acme.example" })).outcome).toBe("ok");
    const plain = await newLink(resume.id);
    expect((await fetchShared({ token: plain.token, ip: freshIp(), email: "someone@else.example" })).outcome).toBe("ok");
    const logs = await superuser`select link_id, viewer_email from public.resume_access_logs where resume_id = ${resume.id} order by id`;
    expect(logs.map((l) => [Number(l.link_id), l.viewer_email])).toEqual([
      [asking.id, "hr@acme.example"],
      [plain.id, null],
    ]);
  });

  test("viewer emails are erased after the retention window by the worker's task", async () => {
    const resume = await newResume();
    const asking = await newLink(resume.id, { require_viewer_email: true });
    await fetchShared({ token: asking.token, ip: freshIp(), email: "old@acme.example" });
    await fetchShared({ token: asking.token, ip: freshIp(), email: "new@acme.example" });
    await superuser`update public.resume_access_logs set accessed_at = now() - private.viewer_email_retention() - interval '1 day' where viewer_email = 'old@acme.example'`;
    const [done] = await server`select private.worker_forget_viewer_emails(100) as n`;
    expect(done!.n).toBeGreaterThanOrEqual(1);
    const left = await superuser`select viewer_email from public.resume_access_logs where resume_id = ${resume.id} order by id`;
    expect(left.map((l) => l.viewer_email)).toEqual([null, "new@acme.example"]);
  });
});

describe("what each view was", () => {
  test("human, then repeat for the same visitor that day; both counted and both become events", async () => {
    const resume = await newResume();
    const ip = freshIp();
    expect((await fetchShared({ token: resume.token, ip })).view_kind).toBe("person");
    expect((await fetchShared({ token: resume.token, ip })).view_kind).toBe("person");
    expect((await fetchShared({ token: resume.token, ip, userAgent: "another browser" })).view_kind).toBe("person");
    // Counted at once (access_count, events); told apart by the worker.
    expect(await counted(resume.id)).toEqual({ views: 3, queued: 3, kinds: ["person", "person", "person"] });
    await classify();
    expect(await counted(resume.id)).toEqual({ views: 3, queued: 3, kinds: ["human", "repeat", "human"] });
  });

  test("a bot's fetch is logged as bot: not counted, no event, and it uses up no view limit (it gets the preview, not the document)", async () => {
    const resume = await newResume();
    const oneTime = await newLink(resume.id, { view_limit: 1 });
    const preview = await fetchShared({ token: oneTime.token, ip: freshIp(), bot: true, forwardedUserAgent: "Slackbot-LinkExpanding 1.0" });
    expect(preview).toMatchObject({ outcome: "ok", view_kind: "bot", document_served: false });
    expect((await fetchShared({ token: resume.token, ip: freshIp(), bot: true })).document_served).toBe(true);
    expect(await counted(resume.id)).toEqual({ views: 0, queued: 0, kinds: ["bot", "bot"] });
    // The one-time link is still there for its person.
    expect((await fetchShared({ token: oneTime.token, ip: freshIp() })).outcome).toBe("ok");
    expect((await fetchShared({ token: oneTime.token, ip: freshIp() })).outcome).toBe("not_found");
  });

  test("the owner's own view is logged as owner: not counted, no event, no limit used", async () => {
    const resume = await newResume();
    const oneTime = await newLink(resume.id, { view_limit: 1 });
    expect(await fetchShared({ token: oneTime.token, viewer: owner.id })).toMatchObject({ outcome: "ok", view_kind: "owner", document_served: true });
    expect((await fetchShared({ token: resume.token, viewer: owner.id, bot: true })).view_kind).toBe("owner");
    // Someone else signed in is a person, counted by their account.
    const stranger = await createTestUser(superuser);
    expect((await fetchShared({ token: resume.token, viewer: stranger.id, ip: freshIp() })).view_kind).toBe("person");
    expect((await fetchShared({ token: resume.token, viewer: stranger.id, ip: freshIp() })).view_kind).toBe("person");
    await classify();
    expect(await counted(resume.id)).toEqual({ views: 2, queued: 2, kinds: ["owner", "owner", "human", "repeat"] });
    expect((await fetchShared({ token: oneTime.token, ip: freshIp() })).outcome).toBe("ok");
  });

  test("forwarded viewer fields are the log's and the hash's, but only with a valid API token", async () => {
    const resume = await newResume();
    const viewer = freshIp();
    await fetchShared({ token: resume.token, ip: "203.0.113.61", forwardedIp: viewer, forwardedUserAgent: "Mozilla/5.0 (viewer)" });
    const [log] = await superuser`select host(ip_address) as ip, user_agent from public.resume_access_logs where resume_id = ${resume.id}`;
    expect(log).toEqual({ ip: viewer, user_agent: "Mozilla/5.0 (viewer)" } as never);
    // Without a valid token the forwarded address is not even the rate limit's: the request's own is.
    const requestIp = "203.0.113.62";
    await superuser`delete from private.rate_limit_counters where bucket like 'api-token-failure:%' and bucket in (${`api-token-failure:${requestIp}`}, ${`api-token-failure:${viewer}`})`;
    expect((await fetchShared({ token: resume.token, apiToken: "pcv_wrong", ip: requestIp, forwardedIp: viewer })).outcome).toBe("unauthorized");
    const buckets = await superuser`select bucket from private.rate_limit_counters where bucket in (${`api-token-failure:${requestIp}`}, ${`api-token-failure:${viewer}`})`;
    expect(buckets.map((b) => b.bucket)).toEqual([`api-token-failure:${requestIp}`]);
  });

  test("one rule for unique viewers: a resume's visitor hash is private.viewer_hash, the job views' rule, under the same day's key", async () => {
    const resume = await newResume();
    const ip = freshIp();
    await fetchShared({ token: resume.token, ip, userAgent: "hash check" });
    await classify();
    const [row] = await superuser`
      select v.visitor = private.viewer_hash('resume:' || ${resume.id}, v.day, null, ${ip}::inet, 'hash check') as same,
             octet_length(v.visitor) as bytes
        from private.resume_visitors v where v.resume_id = ${resume.id}`;
    expect(row).toEqual({ same: true, bytes: 16 } as never);
    // count_job_view hashes through the same function (its source names it).
    const [source] = await superuser`select prosrc from pg_proc where oid = 'private.count_job_view(bigint,uuid,inet,text)'::regprocedure`;
    expect(source!.prosrc).toContain("private.viewer_hash(target_job_id::text");
    expect(source!.prosrc).not.toContain("extensions.hmac");
  });
});

describe("analytics", () => {
  test("the legacy fields count counted views; the breakdown tells kinds apart per day and per link", async () => {
    const resume = await newResume();
    const link = await newLink(resume.id, { label: "Acme" });
    const ip = freshIp();
    await fetchShared({ token: resume.token, ip });
    await fetchShared({ token: resume.token, ip });
    await fetchShared({ token: link.token, ip: freshIp(), forwardedUserAgent: "Mozilla/5.0" });
    await fetchShared({ token: link.token, ip: freshIp(), bot: true });
    await fetchShared({ token: link.token, viewer: owner.id });
    const analytics = async () => {
      const [row] = await server.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(owner.claims)}, true)`;
        return tx`select public.resume_analytics(${resume.id}, 7) as a`;
      });
      return row!.a as Record<string, any>;
    };
    // Until the worker told them apart, a person's views count as first views of the day.
    const unclassified = await analytics();
    expect(unclassified).toMatchObject({ total_views: 3, unique_visitors: 3 });
    expect(unclassified.breakdown).toMatchObject({ human_views: 3, unique_visitors: 3, repeat_views: 0, bot_previews: 1, owner_views: 1 });
    await classify();
    const a = await analytics();
    expect(a.total_views).toBe(3);
    expect(a.unique_visitors).toBe(2);
    expect(a.views_per_day.map((d: { views: number }) => d.views)).toEqual([3]);
    expect(a.breakdown).toMatchObject({ human_views: 3, unique_visitors: 2, repeat_views: 1, bot_previews: 1, owner_views: 1 });
    expect(a.breakdown.per_day).toEqual([expect.objectContaining({ human_views: 3, unique_visitors: 2, bot_previews: 1, owner_views: 1 })]);
    expect(a.breakdown.links).toEqual([
      expect.objectContaining({ link_id: null, label: null, human_views: 2, unique_visitors: 1, bot_previews: 0, owner_views: 0 }),
      expect.objectContaining({ link_id: link.id, label: "Acme", human_views: 1, unique_visitors: 1, bot_previews: 1, owner_views: 1 }),
    ]);
  });
});

describe("the table's own rules (whoever writes)", () => {
  const refusal = (fields: Record<string, unknown>) =>
    superuser`insert into public.resume_share_links ${superuser(fields)} returning id`.then(
      () => "accepted",
      (error: { code?: string; constraint_name?: string; message?: string }) => error.constraint_name ?? error.code,
    );

  test("label 1-200 characters without control characters, a view limit of at least 1, an expiry in the future", async () => {
    const resume = await newResume();
    expect(await refusal({ resume_id: resume.id, label: "x".repeat(201) })).toBe("22001");
    expect(await refusal({ resume_id: resume.id, label: "  " })).toBe("resume_share_links_label_clean");
    expect(await refusal({ resume_id: resume.id, label: "tab\there" })).toBe("resume_share_links_label_clean");
    expect(await refusal({ resume_id: resume.id, label: "ok", view_limit: 0 })).toBe("resume_share_links_view_limit_positive");
    expect(await refusal({ resume_id: resume.id, label: "ok", expires_at: new Date(Date.now() - 1000) })).toBe("22023");
    expect(await refusal({ resume_id: resume.id, label: "ok", password_hash: "plain text" })).toBe("resume_share_links_password_hash_bcrypt");
    expect(await refusal({ resume_id: resume.id, label: "x".repeat(200), view_limit: 1, expires_at: new Date(Date.now() + 60_000) })).toBe("accepted");
  });

  test("a revoked link is final, and its revocation time is the database's", async () => {
    const resume = await newResume();
    const link = await newLink(resume.id);
    await superuser`update public.resume_share_links set revoked_at = '2000-01-01' where id = ${link.id}`;
    const [row] = await superuser`select revoked_at > now() - interval '1 minute' as now_ish from public.resume_share_links where id = ${link.id}`;
    expect(row!.now_ish).toBe(true);
    const error = await superuser`update public.resume_share_links set label = 'again' where id = ${link.id}`.then(() => undefined, (e: { code?: string }) => e.code);
    expect(error).toBe("PT409");
  });
});
