// The local stack the end-to-end suites run against: the same startStack `npm start`
// uses, on free ports, over the run's migrated database, started once per run.
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

/** JSON over real HTTP to the facade, from a chosen client IP. */
export async function callFacade(
  stack: RunningStack,
  method: string,
  pathname: string,
  options: { body?: unknown; token?: string; ip?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  const response = await fetch(`${stack.facadeUrl}${pathname}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return answerOf(response);
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
