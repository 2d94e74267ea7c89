// Personal data end to end, over a stack of real processes (the facade, the Deno
// functions, the worker) with Bunny storage (the stand-in, which can be told to fail):
//   * an account used the way people use it (register, sign in, upload through both
//     faces, share, public fetches, apply, export) is erased in one request while the
//     storage fails: it is disabled at once, the worker finishes when the storage is
//     back, and then no table and no stored file holds a trace of the person;
//   * Supabase Auth failing to delete the user: the worker finishes that too;
//   * every log line the stack wrote during all of it is searched for the emails,
//     passwords, tokens and addresses the scenario used.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import type { RunningStack } from "../../src/local/stack.ts";
import { testPassword } from "../support/accounts.ts";
import { startBunnyStack, type BunnyStack } from "../support/bunny-stack.ts";
import type { BunnyStorageStandin } from "../support/bunny-storage-standin.ts";
import { edgeFunction, facade, fetchPublicResume, seedApiToken, upload } from "../support/faces.ts";
import { buildPdf } from "../support/pdf.ts";
import { tracesOf } from "../support/personal-data.ts";
import { uniqueEmail, uniqueUsername } from "../support/personas.ts";
import { callFacade, testClientIp } from "../support/stack.ts";
import { eventually } from "../support/webhooks.ts";

let bunny: BunnyStack;
let standin: BunnyStorageStandin;
let stack: RunningStack;
let superuser: postgres.Sql;
/** Every line any process of the stack wrote (and the auth stand-in, in this process). */
const lines: string[] = [];

beforeAll(async () => {
  bunny = await startBunnyStack({
    zone: "privacy-test",
    securityKey: "bunny-pull-zone-token-key-for-privacy-tests",
    env: {
      // Every line there is: what the log test searches.
      LOG_LEVEL: "debug",
      ERASURE_RETRY_BASE_MS: "200",
      WORKER_POLL_INTERVAL_MS: "100",
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    },
    log: (line) => {
      lines.push(line);
      if (process.env.TEST_STACK_LOG) console.log(line);
    },
  });
  ({ standin, stack, superuser } = bunny);
});

afterAll(() => bunny?.stop());

interface Person {
  id: string;
  email: string;
  fullName: string;
  ip: string;
  token: string;
  refreshToken: string;
}

/** Registers and signs in through the facade, from an address of its own. */
async function signUp(kind: "candidate" | "recruiter", fullName: string): Promise<Person & { username?: string }> {
  const email = uniqueEmail(kind);
  const ip = testClientIp();
  const username = kind === "recruiter" ? uniqueUsername("privacy") : undefined;
  const registered =
    kind === "recruiter"
      ? await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", {
          ip,
          body: { email, password: testPassword, full_name: fullName, recruiter_profile: { username, recruiter_type: "company", company_name: "Privacy Test Corp" } },
        })
      : await callFacade(stack, "POST", "/api/v1/auth/register", { ip, body: { email, password: testPassword, full_name: fullName } });
  expect(registered.status).toBe(200);
  const login = await callFacade(stack, "POST", "/api/v1/auth/login", { ip, body: { email, password: testPassword } });
  expect(login.status).toBe(200);
  return { id: login.body.user.id, email, fullName, ip, token: login.body.access_token, refreshToken: login.body.refresh_token, username };
}

/**
 * The sign-in attempts this suite makes after an erasure (to show they fail) count
 * against the email and the address for their window, like anyone's attempt would; the
 * retention task drops such counters a day after their window. This ages them past that
 * and runs the task, so the scan below sees what remains after it.
 */
async function ageOutCountersOf(...needles: string[]): Promise<void> {
  await superuser`
    update private.rate_limit_counters set window_start = now() - interval '2 days'
     where exists (select 1 from unnest(${needles}::text[]) as needle where strpos(bucket, needle) > 0)`;
  const server = postgres(stack.serverEnv.APP_DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    await server`select private.worker_apply_retention(1000, 30, 30, 90)`;
  } finally {
    await server.end();
  }
}

/** What the scenario used that no log line may show. */
const secrets = new Set<string>([testPassword, seedApiToken]);
const remember = (...values: (string | undefined)[]) => values.forEach((value) => value && secrets.add(value));

describe("an account erased while the storage is down", () => {
  let candidate: Person;
  let recruiter: Person & { username?: string };
  const shareTokens: string[] = [];
  const viewerEmails: string[] = [];
  const viewerIp = testClientIp();
  /** Every stored file of the candidate's: key and path in the zone (PDFs and thumbnails). */
  let keys: string[] = [];
  let paths: string[] = [];
  let jobId: number;
  let applicationId: number;

  test("the scenario: sign up, upload through both faces, share, public fetches, apply, export", async () => {
    candidate = await signUp("candidate", `Privacy Pat ${Date.now().toString(36)}`);
    recruiter = await signUp("recruiter", "Recruiting Robin");
    remember(candidate.email, candidate.token, candidate.refreshToken, candidate.ip, recruiter.email, recruiter.token, recruiter.refreshToken, recruiter.ip, viewerIp);

    const resumeIds: number[] = [];
    for (const face of [facade, edgeFunction]) {
      const answer = await upload(face, stack, { token: candidate.token, ip: candidate.ip, fields: { file: { bytes: buildPdf({ text: `via ${face.name}` }) }, resume_name: "Pat CV" } });
      expect(answer.status).toBe(200);
      resumeIds.push(answer.body.resume_id);
      shareTokens.push(answer.body.permanent_token);
    }
    const rotated = await callFacade(stack, "POST", `/api/v1/resumes/${resumeIds[0]}/rotate-token`, { token: candidate.token, ip: candidate.ip });
    expect(rotated.status).toBe(200);
    shareTokens.push(rotated.body.permanent_token);
    remember(...shareTokens);
    for (const face of [facade, edgeFunction]) {
      const viewed = await fetchPublicResume(face, stack, rotated.body.permanent_token, { ip: viewerIp, headers: { referer: "https://www.linkedin.com/in/pat" } });
      expect(viewed.status).toBe(200);
    }
    // A share link that asks for the viewer's email: the link and the email go with the account.
    const link = await callFacade(stack, "POST", `/api/v1/resumes/${resumeIds[1]}/links`, {
      token: candidate.token,
      ip: candidate.ip,
      body: { label: "For Privacy Test Corp", require_viewer_email: true },
    });
    expect(link.status).toBe(200);
    shareTokens.push(link.body.link.token);
    const viewerEmail = `viewer-${Date.now().toString(36)}@privacy-test.example`;
    remember(link.body.link.token, viewerEmail);
    viewerEmails.push(viewerEmail);
    const viaLink = await fetchPublicResume(edgeFunction, stack, link.body.link.token, { ip: viewerIp, headers: { "x-viewer-email": viewerEmail } });
    expect(viaLink.status).toBe(200);

    const stored = await superuser`select pdf_filename, thumbnail_key from public.resumes where user_id = ${candidate.id} order by id`;
    keys = stored.flatMap((row) => [row.pdf_filename as string, row.thumbnail_key as string]);
    paths = stored.flatMap((row) => [`pdfs/${row.pdf_filename}`, `thumbnails/${row.thumbnail_key}`]);
    expect(paths.every((file) => standin.files.has(file))).toBe(true);

    const job = await callFacade(stack, "POST", "/api/v1/jobs/create", {
      token: recruiter.token,
      ip: recruiter.ip,
      body: { title: "Privacy Engineer", company_name: "Privacy Test Corp", location: "Remote", job_type: "full-time", experience_level: "mid", description: "Keep data safe." },
    });
    jobId = job.body.job_id;
    const applied = await callFacade(stack, "POST", `/api/v1/jobs/${jobId}/apply`, { token: candidate.token, ip: candidate.ip, body: { resume_id: resumeIds[1], cover_letter: "Pat here." } });
    expect(applied.status).toBe(200);
    applicationId = applied.body.application_id;
    expect((await callFacade(stack, "PATCH", `/api/v1/applications/${applicationId}/status`, { token: recruiter.token, ip: recruiter.ip, body: { status: "reviewed" } })).status).toBe(200);

    const exported = await callFacade(stack, "GET", "/api/v1/me/export", { token: candidate.token, ip: candidate.ip });
    expect(exported.status).toBe(200);
    expect(exported.body.files.map((file: { storage_key: string }) => file.storage_key).sort()).toEqual([...keys].sort());
    expect(exported.body.data.resume_access_logs.length).toBe(3);
    expect(exported.body.data.resume_share_links.map((row: { token: string }) => row.token)).toEqual([shareTokens.at(-1)]);
  });

  test("erased in one request: disabled at once, the rest pending while the storage fails", async () => {
    // The deletes of the request fail (it stops at the first failing batch), and the worker's first tries.
    standin.failNext("DELETE", 5, { status: 503 });
    const erased = await callFacade(stack, "DELETE", "/api/v1/me", { token: candidate.token, ip: candidate.ip });
    expect(erased).toMatchObject({ status: 200, body: { success: true, user_id: candidate.id, status: "pending", pending_files: 4 } });

    // Nothing of the account is usable any more.
    expect((await callFacade(stack, "POST", "/api/v1/auth/login", { ip: candidate.ip, body: { email: candidate.email, password: testPassword } })).status).toBe(401);
    expect((await callFacade(stack, "GET", "/api/v1/auth/me", { token: candidate.token, ip: candidate.ip })).status).toBe(401);
    for (const face of [facade, edgeFunction]) expect((await fetchPublicResume(face, stack, shareTokens[2]!, { ip: viewerIp })).status).toBe(404);
    expect(await superuser`select id from public.profiles where id = ${candidate.id}`).toEqual([] as never);
  });

  test("the worker finishes once the storage is back; asking again meanwhile is 200, after it 404", async () => {
    const again = await callFacade(stack, "DELETE", "/api/v1/me", { token: candidate.token, ip: candidate.ip });
    expect(again.status).toBe(200);
    expect(["pending", "completed"]).toContain(again.body.status);
    await eventually(async () => paths.every((file) => !standin.files.has(file)), 20_000, "the worker to delete the files");
    await eventually(
      async () => (await superuser`select count(*)::int as n from private.account_erasures where user_id = ${candidate.id}`)[0]!.n === 0,
      20_000,
      "the erasure to complete",
    );
    expect(await callFacade(stack, "DELETE", "/api/v1/me", { token: candidate.token, ip: candidate.ip })).toMatchObject({ status: 404 });
    // The worker retried after the failures (the stand-in saw every attempt).
    const deletes = standin.requests.filter((request) => request.method === "DELETE" && paths.includes(request.path));
    expect(deletes.map((request) => request.status)).toEqual(expect.arrayContaining([503, 200]));
  });

  test("no table and no stored file holds a trace of the person; the recruiter keeps the record", async () => {
    await ageOutCountersOf(candidate.email, candidate.ip);
    const traces = await tracesOf(superuser, [candidate.id, candidate.email, candidate.fullName, candidate.ip, viewerIp, testPassword, ...shareTokens, ...keys, ...viewerEmails]);
    expect(traces).toEqual([]);
    expect(standin.list().filter((file) => keys.some((key) => file.endsWith(key)))).toEqual([]);

    const listed = await callFacade(stack, "GET", `/api/v1/jobs/${jobId}/applications`, { token: recruiter.token, ip: recruiter.ip });
    expect(listed.body.applications).toEqual([
      expect.objectContaining({
        application_id: applicationId,
        status: "withdrawn",
        cover_letter: null,
        candidate: { id: null, full_name: null, email: null, erased_at: expect.any(String) },
        resume: expect.objectContaining({ id: null, url: null, deleted_at: expect.any(String) }),
      }),
    ]);
    // The recruiter is told of the withdrawal, without the candidate's id.
    const notice = await eventually(
      async () => (await superuser`select data from public.notifications where user_id = ${recruiter.id} and type = 'application.withdrawn'`)[0],
      20_000,
      "the withdrawal notice",
    );
    expect(notice.data).toMatchObject({ application_id: applicationId, candidate_id: null });
  });
});

describe("Supabase Auth failing to delete the user", () => {
  test("the account is disabled and its rows gone at once; the worker deletes the auth user once Auth works again", async () => {
    const person = await signUp("candidate", "Auth Outage Avery");
    remember(person.email, person.token, person.refreshToken, person.ip);
    const trigger = `test_refuse_auth_delete_${person.id.replaceAll("-", "_")}`;
    await superuser.unsafe(`
      create function public.${trigger}() returns trigger language plpgsql as $$
      begin
        raise exception 'auth is down for this test' using errcode = '57P03';
      end $$;
      create trigger ${trigger} before delete on auth.users for each row when (old.id = '${person.id}') execute function public.${trigger}();`);
    try {
      const erased = await callFacade(stack, "DELETE", "/api/v1/me", { token: person.token, ip: person.ip });
      expect(erased).toMatchObject({ status: 200, body: { status: "pending", pending_files: 0 } });
      expect(await superuser`select id from public.profiles where id = ${person.id}`).toEqual([] as never);
      const [user] = await superuser`select banned_until > now() as banned from auth.users where id = ${person.id}`;
      expect(user).toEqual({ banned: true } as never);
      expect((await callFacade(stack, "POST", "/api/v1/auth/login", { ip: person.ip, body: { email: person.email, password: testPassword } })).status).toBe(403);
    } finally {
      await superuser.unsafe(`drop trigger if exists ${trigger} on auth.users; drop function if exists public.${trigger}();`);
    }
    // The request gave the worker a head start of a minute; the backoff after a failure is shorter.
    await superuser`update private.account_erasures set next_attempt_at = now() where user_id = ${person.id}`;
    await eventually(async () => (await superuser`select id from auth.users where id = ${person.id}`).length === 0, 20_000, "the worker to delete the auth user");
    await eventually(
      async () => (await superuser`select count(*)::int as n from private.account_erasures where user_id = ${person.id}`)[0]!.n === 0,
      20_000,
      "the erasure to complete",
    );
    await ageOutCountersOf(person.email, person.ip);
    expect(await tracesOf(superuser, [person.id, person.email, person.fullName, person.ip])).toEqual([]);
  });
});

describe("application logs of the whole run", () => {
  /** Lines holding a secret, as "[process] secret-kind: line". */
  function hits(filter: (line: string, secret: string) => boolean): string[] {
    const found: string[] = [];
    for (const line of lines) {
      for (const secret of secrets) {
        if (line.includes(secret) && filter(line, secret)) found.push(`${secret.slice(0, 12)}…: ${line.slice(0, 300)}`);
      }
    }
    return found;
  }

  /** An access-log line whose only trace is its request path (a share token in /public-resume/{token}). */
  function onlyInAccessLogPath(line: string, secret: string): boolean {
    const json = line.slice(line.indexOf("{"));
    try {
      const entry = JSON.parse(json) as Record<string, unknown>;
      if (entry.message !== "request" || typeof entry.path !== "string") return false;
      const { path: requestPath, ...rest } = entry;
      return (requestPath as string).includes(secret) && !JSON.stringify(rest).includes(secret);
    } catch {
      return false;
    }
  }

  test("the scenario was logged (debug level: every line there is)", () => {
    expect(lines.some((line) => line.startsWith("[facade]") && line.includes('"message":"request"'))).toBe(true);
    expect(lines.some((line) => line.startsWith("[fn:public-resume]"))).toBe(true);
    expect(lines.some((line) => line.startsWith("[worker]"))).toBe(true);
    expect(secrets.size).toBeGreaterThan(10);
  });

  test("no line holds an email, a password, a token or an address the run used (access-log paths aside: see the next test)", () => {
    expect(hits((line, secret) => !onlyInAccessLogPath(line, secret))).toEqual([]);
  });

  // The facade's and the function shell's access logs (src/api/plugins/http-basics.ts,
  // functions/_shared/http.ts) write the request path, and
  // /api/v1/shared/public/resume/{token} and /public-resume/{token} carry the share
  // token: redactedRequestPath (src/core/http.ts) writes [redacted] in its place.
  test("access-log request paths hold no share token", () => {
    expect(hits(onlyInAccessLogPath)).toEqual([]);
    // The public fetches of both faces were logged, with the token redacted.
    const paths = lines.filter((line) => line.includes('"message":"request"')).map((line) => JSON.parse(line.slice(line.indexOf("{"))).path as string);
    expect(paths).toContain("/api/v1/shared/public/resume/[redacted]");
    expect(paths).toContain("/public-resume/[redacted]");
  });
});
