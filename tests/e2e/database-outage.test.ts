// PostgreSQL out of reach is an outage, not a bug (issue 11, hole 6): every route of both
// faces answers 503 with Retry-After and the usual JSON error shape, never 500, whether
// the connection is refused, times out, or the server refuses it (too many connections,
// starting up, shutting down). Until now they all answered "500 Internal server error".
//   * the facade: in this process (tests/support/facade.ts), over a pool that points at
//     a closed port, a port that never answers, or a fake server that answers the
//     startup with a FATAL error, as PostgreSQL does;
//   * the edge functions: the real Deno processes, started with APP_DATABASE_URL on a
//     closed port (their tokens verified against the run's stack, whose Auth is up).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { createDatabasePool, type Sql } from "../../src/db/client.ts";
import { denoOfflineEnv } from "../../src/local/deno.ts";
import { freePort } from "../../src/local/ports.ts";
import { denoFunctionCommand, startProcess, type RunningProcess } from "../../src/local/processes.ts";
import { registerCandidate, testPassword, type Account } from "../support/accounts.ts";
import { inProcessFacade, type InProcessFacade } from "../support/facade.ts";
import { localStoredFiles, seedApiToken, uploadForm } from "../support/faces.ts";
import { uniqueEmail } from "../support/personas.ts";
import { answerOf, callFacade, sendToFacade, testClientIp, testStack, type FacadeTarget, type HttpAnswer, type TestStack } from "../support/stack.ts";
import { shareToken } from "../support/world.ts";

const outage = { success: false, detail: "The database is unreachable right now; try again shortly" };

function expectOutage(answer: HttpAnswer, what: string) {
  expect([what, answer.status, answer.body]).toEqual([what, 503, outage]);
  expect([what, answer.headers.get("retry-after")]).toEqual([what, "5"]);
  expect(answer.headers.get("content-type")).toContain("application/json");
}

/** A server on 127.0.0.1 that takes connections and answers each startup with `answer`. */
async function fakePostgres(answer: { fatal: string; message: string } | "silence"): Promise<{ url: string; close(): void }> {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    if (answer === "silence") return;
    socket.once("data", () => {
      // An ErrorResponse ('E', length, fields, terminator), as PostgreSQL sends it and closes.
      const field = (type: string, value: string) => Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])]);
      const fields = Buffer.concat([field("S", "FATAL"), field("V", "FATAL"), field("C", answer.fatal), field("M", answer.message), Buffer.from([0])]);
      const header = Buffer.alloc(5);
      header.write("E", 0);
      header.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([header, fields]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `postgresql://previewcv_api:postgres@127.0.0.1:${port}/postgres`, close: () => server.close() };
}

/** Every route named by issue 11 (and an authenticated read), as a client sends it. */
function outageRoutes(target: FacadeTarget, account: Account): [string, () => Promise<HttpAnswer>][] {
  const ip = testClientIp();
  return [
    ["login", () => callFacade(target, "POST", "/api/v1/auth/login", { ip, body: { email: account.email, password: testPassword } })],
    ["register", () =>
      callFacade(target, "POST", "/api/v1/auth/register", { ip, body: { email: uniqueEmail("outage"), password: testPassword, full_name: "Otto Outage", user_type: "candidate" } })],
    ["jobs list", () => callFacade(target, "GET", "/api/v1/jobs/list", { ip })],
    ["one job", () => callFacade(target, "GET", "/api/v1/jobs/1", { ip })],
    ["public fetch", () => callFacade(target, "GET", `/api/v1/shared/public/resume/${shareToken()}`, { ip, headers: { "x-api-token": seedApiToken } })],
    ["upload", async () =>
      answerOf(await sendToFacade(target, "/api/v1/resumes/upload", { method: "POST", headers: { authorization: `Bearer ${account.token}`, "x-forwarded-for": ip }, body: uploadForm({}) }))],
    ["my-resumes", () => callFacade(target, "GET", "/api/v1/resumes/my-resumes", { ip, token: account.token })],
    ["/auth/me", () => callFacade(target, "GET", "/api/v1/auth/me", { ip, token: account.token })],
  ];
}

describe("the facade with its database out of reach", () => {
  let live: InProcessFacade;
  let account: Account;
  const pools: Sql[] = [];
  const servers: { close(): void }[] = [];
  beforeAll(async () => {
    live = await inProcessFacade();
    account = await registerCandidate(live);
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end({ timeout: 1 })));
    for (const server of servers) server.close();
  });

  /** The in-process facade over a pool of `url`, everything else as it was. */
  function facadeOver(url: string): FacadeTarget {
    const sql = createDatabasePool(url, { max: 2, connectTimeoutSeconds: 1 });
    pools.push(sql);
    const app = live.variant({ sql });
    return { facadeUrl: live.facadeUrl, handle: (request) => app.handle(request) };
  }

  /** A fake server's URL, closed after the suite. */
  async function served(answer: Parameters<typeof fakePostgres>[0]): Promise<string> {
    const fake = await fakePostgres(answer);
    servers.push(fake);
    return fake.url;
  }

  const refusals = [
    ["53300", "sorry, too many clients already"],
    ["57P03", "the database system is starting up"],
    ["57P01", "terminating connection due to administrator command"],
    ["57P02", "terminating connection because of crash of another server process"],
    ["08006", "connection failure"],
  ] as const;
  const cases: [string, () => Promise<string>][] = [
    ["connection refused (a closed port)", async () => `postgresql://previewcv_api:postgres@127.0.0.1:${await freePort()}/postgres`],
    ["connection timeout (a port that never answers)", () => served("silence")],
    ...refusals.map(([code, message]): [string, () => Promise<string>] => [`the server refuses it: ${code} ${message}`, () => served({ fatal: code, message })]),
  ];

  test.each(cases)("%s: 503 + Retry-After on every route, nothing logged as a bug", async (_label, urlOf) => {
    const url = await urlOf();
    const bugsBefore = live.logged.filter((line) => line.msg === "unhandled error").length;
    for (const [name] of outageRoutes(live, account)) {
      // A pool per route: postgres.js waits longer before each new attempt on a pool
      // whose connections keep failing (its reconnection backoff, up to 20 s).
      const send = new Map(outageRoutes(facadeOver(url), account)).get(name)!;
      expectOutage(await send(), name);
    }
    expect(live.logged.filter((line) => line.msg === "unhandled error").length).toBe(bugsBefore);
  });

  test("control: the same routes on the live database are not 503", async () => {
    for (const [name, send] of outageRoutes(live, account)) expect([name, (await send()).status]).not.toEqual([name, 503]);
  });
});

describe("the edge functions with their database out of reach", () => {
  let stack: TestStack;
  let account: Account;
  const running: RunningProcess[] = [];
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    stack = await testStack();
    account = await registerCandidate(stack);
    // The stack's functions, started again with APP_DATABASE_URL on a closed port: their
    // tokens still verify against the stack's Auth (SUPABASE_URL), which is up.
    const deadDatabase = `postgresql://previewcv_api:postgres@127.0.0.1:${await freePort()}/postgres`;
    for (const name of ["resume-upload", "public-resume"]) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      running.push(
        await startProcess({
          name: `fn:${name}:no-database`,
          command: denoFunctionCommand(name, stack.serverEnv.LOCAL_STORAGE_DIR!),
          env: { ...stack.serverEnv, ...denoOfflineEnv, APP_DATABASE_URL: deadDatabase, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
          readyUrl: `${url}/${name}`,
          anyAnswer: true,
          url,
          log: () => {},
        }),
      );
      urls[name] = `${url}/${name}`;
    }
  });
  afterAll(async () => {
    for (const process of running) await process.stop();
  });

  test("resume-upload: 503 + Retry-After (the account check cannot be made; nothing is stored)", async () => {
    const files = localStoredFiles(stack).length;
    const answer = await answerOf(await fetch(urls["resume-upload"]!, { method: "POST", headers: { authorization: `Bearer ${account.token}` }, body: uploadForm({}) }));
    expectOutage(answer, "resume-upload");
    expect(localStoredFiles(stack).length).toBe(files);
  });

  test("public-resume: 503 + Retry-After", async () => {
    const answer = await answerOf(await fetch(`${urls["public-resume"]!}/${shareToken()}`, { headers: { "x-api-token": seedApiToken } }));
    expectOutage(answer, "public-resume");
  });
});
