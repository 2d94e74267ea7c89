// The local stack the end-to-end suites run against: the same startStack `npm start`
// uses, on free ports, over the run's migrated database, started once per run. And how
// a suite talks to a facade: this stack's over real HTTP, or the one in the test
// process (tests/support/facade.ts), through the same helpers.
import { beforeAll } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/local/ports.ts";
import { startStack, type RunningStack } from "../../src/local/stack.ts";
import { migratedTestDatabase } from "./database.ts";

let stackPromise: Promise<RunningStack> | undefined;
let stateDir: string | undefined;

export interface TestStack extends RunningStack {
  superuserUrl: string;
  /** Holds the auth stand-in's signing key (auth-signing-key.json) and stored files. */
  stateDir: string;
}

/**
 * Every HTTP(S) request to anywhere but this machine goes to a closed port and fails at
 * once: the servers of the test stack run with it, so nothing they do can depend on a
 * download (or any other call out of the machine).
 */
export const unreachableNetwork = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost,::1",
};

/**
 * The run's stack. TRUST_PROXY is on so each suite can speak from its own client IP
 * (X-Forwarded-For) and per-IP rate limits of one suite never hit another. The functions
 * start with an empty DENO_DIR and no network, as on a fresh machine.
 */
export async function testStack(): Promise<TestStack> {
  stackPromise ??= (async () => {
    const superuserUrl = await migratedTestDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-stack-"));
    stateDir = dir;
    return startStack({
      superuserUrl,
      ports: { gateway: await freePort(), facade: await freePort() },
      stateDir: dir,
      bcryptCost: 4,
      // No worker in the shared stack: the suites that need one start their own, with
      // the timings they test (tests/support/webhooks.ts), and stop it when they end,
      // so no worker takes another suite's events from under it.
      worker: false,
      env: {
        TRUST_PROXY: "true",
        // Receivers of the webhook suites listen on 127.0.0.1; "localhost" stays a name
        // that resolves to a loopback address without being allow-listed.
        WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
        // Quotas other than the database's own defaults (50 resumes, 100 MiB), so the
        // suites show the servers pass theirs (tests/e2e/upload-limits.test.ts).
        MAX_RESUMES_PER_USER: "40",
        MAX_RESUME_BYTES_PER_USER: String(64 * 1024 * 1024),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
        DENO_DIR: fs.mkdtempSync(path.join(dir, "deno-")),
        ...unreachableNetwork,
      },
      log: process.env.TEST_STACK_LOG ? (line) => console.log(line) : undefined,
    });
  })();
  const stack = await stackPromise;
  return { ...stack, superuserUrl: await migratedTestDatabase(), stateDir: stateDir! };
}

/** The run's stack for a suite: filled in before its first test (Bun's beforeAll). */
export function useTestStack(): TestStack {
  const handle = {} as TestStack;
  beforeAll(async () => {
    Object.assign(handle, await testStack());
  });
  return handle;
}

export async function stopTestStack(): Promise<void> {
  if (!stackPromise) return;
  const stack = await stackPromise.catch(() => undefined);
  await stack?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}

let clientIps = 0;

/**
 * A client IP nobody else in the run has, so per-IP rate-limit buckets never mix
 * between tests (from 198.18.0.0/15, reserved for benchmarking, never routed).
 */
export function testClientIp(): string {
  clientIps += 1;
  return `198.${18 + ((clientIps >> 16) & 1)}.${(clientIps >> 8) & 255}.${clientIps & 255}`;
}

/**
 * A facade to send requests to: the stack's, over real HTTP, or one in this process
 * (`handle`, which is app.handle). Both trust X-Forwarded-For, so each suite speaks from
 * client IPs of its own.
 */
export interface FacadeTarget {
  facadeUrl: string;
  handle?: (request: Request) => Promise<Response>;
  /** Opens a signed storage URL the facade answered with (default: fetch). */
  openSignedUrl?: (url: string) => Promise<Response>;
}

/** One request to the facade, whichever it is. */
export function sendToFacade(target: FacadeTarget, pathname: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${target.facadeUrl}${pathname}`, init);
  return target.handle ? target.handle(request) : fetch(request);
}

/** Downloads a signed storage URL the facade gave out. */
export function openSignedUrl(target: FacadeTarget, url: string): Promise<Response> {
  return target.openSignedUrl ? target.openSignedUrl(url) : fetch(url);
}

export interface FacadeCallOptions {
  body?: unknown;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
}

/** JSON to the facade, from a chosen client IP. */
export async function callFacade(target: FacadeTarget, method: string, pathname: string, options: FacadeCallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  const response = await sendToFacade(target, pathname, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return answerOf(response);
}

/** callFacade from one client IP: what a suite's `call(method, path, { body, token })` is. */
export function facadeCaller(target: FacadeTarget, ip: string) {
  return (method: string, pathname: string, options: Omit<FacadeCallOptions, "ip"> = {}) => callFacade(target, method, pathname, { ...options, ip });
}

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** A response's status, headers and body (JSON when it parses, else the text). */
export async function answerOf(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers };
}
