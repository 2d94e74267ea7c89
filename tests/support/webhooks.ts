// What the webhook and notification suites share: worker processes started the way
// `npm start` starts its worker (startProcess, guarded, ready on /ready), with timings
// short enough to test retries and leases; receivers that verify signatures as a real
// one would (with the standardwebhooks package) and misbehave on request: answer 500
// or 410, hang, or close the connection.
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { freePort } from "../../src/local/ports.ts";
import { startProcess, workerCommand, type RunningProcess } from "../../src/local/processes.ts";
import { localWebhookSecretKeys } from "../../src/local/stack.ts";
import { asAuthenticatorUrl } from "./database.ts";
import { unreachableNetwork } from "./stack.ts";

export interface TestWorker extends RunningProcess {
  /** The worker's process (to send it signals), through its guard. */
  pid: number;
  output: string[];
}

/** The timings the suites use: 1 s timeout (so a 7 s lease), 100 ms base backoff, 4 s retry window. */
export const testWorkerTimings = {
  WEBHOOK_TIMEOUT_MS: "1000",
  WEBHOOK_RETRY_BASE_MS: "100",
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: "1",
  WEBHOOK_RETRY_WINDOW_SECONDS: "4",
  WORKER_POLL_INTERVAL_MS: "50",
} as const;

/** A worker process on the database `superuserUrl` names, as its login role. */
export async function startTestWorker(superuserUrl: string, env: Record<string, string> = {}): Promise<TestWorker> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  let pid = 0;
  const running = await startProcess({
    name: "worker",
    command: workerCommand(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...unreachableNetwork,
      APP_DATABASE_URL: asAuthenticatorUrl(superuserUrl),
      DB_POOL_SIZE: "4",
      WEBHOOK_SECRET_KEYS: localWebhookSecretKeys,
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      // What the erasure tasks need (these suites erase nothing): local files in a
      // folder of their own, and a Supabase Auth nobody answers at.
      SUPABASE_URL: "http://127.0.0.1:9",
      SUPABASE_SERVICE_ROLE_KEY: "test-worker-service-role-key",
      STORAGE_DRIVER: "local",
      LOCAL_STORAGE_DIR: path.join(os.tmpdir(), `previewcv-test-worker-storage-${process.pid}`),
      BUNNY_PULL_ZONE_URL: "http://127.0.0.1:9/storage",
      BUNNY_TOKEN_SECURITY_KEY: "test-worker-url-signing-key",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      ...testWorkerTimings,
      WORKER_HEALTH_HOST: "127.0.0.1",
      WORKER_HEALTH_PORT: String(port),
      ...env,
    },
    readyUrl: `${url}/ready`,
    url,
    log: (line) => {
      output.push(line);
      if (process.env.TEST_STACK_LOG) console.log(line);
    },
  });
  pid = await workerPid(port);
  return { ...running, pid, output };
}

/** The pid of the process listening on `port` (the worker itself, below its guard). */
async function workerPid(port: number): Promise<number> {
  const fs = await import("node:fs");
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A") inodes.add(fields[9]!);
      }
    } catch {}
  }
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of fs.readdirSync(`/proc/${entry}/fd`)) {
        const link = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return Number(entry);
      }
    } catch {}
  }
  throw new Error(`no process listens on port ${port}`);
}

export interface ReceivedDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The payload, when the signature verified with the endpoint's secret; undefined otherwise. */
  verified?: Record<string, unknown>;
  verifyError?: string;
  at: number;
}

export type Behaviour = "ok" | "500" | "410" | "hang" | "close" | "redirect" | "binary" | { hold: Promise<void> };

/**
 * An HTTP receiver on 127.0.0.1 (allow-listed): each path answers as told, a queue of
 * behaviours per path (the last one repeats). Every request is recorded and its
 * signature checked with the secret set for its path, as a receiver would.
 */
export async function startReceiver() {
  const received: ReceivedDelivery[] = [];
  const plans = new Map<string, Behaviour[]>();
  const secrets = new Map<string, string>();
  const sockets = new Set<net.Socket>();
  const waiters: (() => void)[] = [];
  const port = await freePort();

  const next = (path: string): Behaviour => {
    const plan = plans.get(path) ?? ["ok"];
    return plan.length > 1 ? plan.shift()! : plan[0]!;
  };

  // A raw server, so it can hang or drop the connection as a broken receiver does.
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const headerEnd = buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const head = buffer.subarray(0, headerEnd).toString("latin1").split("\r\n");
      const [, path] = head[0]!.split(" ");
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      if (buffer.length < headerEnd + 4 + length) return;
      const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8");
      buffer = buffer.subarray(headerEnd + 4 + length);
      const delivery: ReceivedDelivery = { path: path!, headers, body, at: Date.now() };
      const secret = secrets.get(path!);
      if (secret) {
        try {
          delivery.verified = new Webhook(secret).verify(body, headers) as Record<string, unknown>;
        } catch (error) {
          delivery.verifyError = (error as Error).message;
        }
      }
      received.push(delivery);
      for (const wake of waiters.splice(0)) wake();
      void answer(socket, next(path!));
    });
  });

  const respond = (socket: net.Socket, status: number, text: string, extra: Record<string, string> = {}) => {
    const body = Buffer.from(text);
    const headers = { "content-type": "text/plain", "content-length": String(body.length), connection: "close", ...extra };
    socket.end(`HTTP/1.1 ${status} ${statusText[status] ?? "Status"}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${text}`);
  };

  async function answer(socket: net.Socket, behaviour: Behaviour) {
    if (typeof behaviour === "object") {
      await behaviour.hold;
      return respond(socket, 200, "ok after a while");
    }
    switch (behaviour) {
      case "ok":
        return respond(socket, 200, "thanks");
      case "500":
        return respond(socket, 500, "receiver broke: " + "x".repeat(5000));
      case "410":
        return respond(socket, 410, "gone for good");
      case "binary":
        return respond(socket, 200, "\u0000\u0001binary\u0000answer");
      case "redirect":
        return respond(socket, 302, "", { location: "http://127.0.0.1:9/elsewhere" });
      case "close":
        return socket.destroy();
      case "hang":
        return; // never answers; the worker's timeout ends it
    }
  }

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    /** The secret to verify deliveries to `path` with (as given at registration). */
    setSecret: (path: string, secret: string) => secrets.set(path, secret),
    /** The behaviours of the next requests to `path`; the last one repeats. */
    plan: (path: string, ...behaviours: Behaviour[]) => plans.set(path, behaviours),
    to: (path: string) => received.filter((delivery) => delivery.path === path),
    /** Resolves once `count` requests to `path` arrived (or rejects after timeoutMs). */
    async waitFor(path: string, count: number, timeoutMs = 20_000): Promise<ReceivedDelivery[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.filter((delivery) => delivery.path === path).length < count) {
        if (Date.now() > deadline) throw new Error(`${path}: ${received.filter((d) => d.path === path).length} of ${count} deliveries after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return received.filter((delivery) => delivery.path === path);
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const statusText: Record<number, string> = { 200: "OK", 302: "Found", 410: "Gone", 500: "Internal Server Error" };

/** Polls `check` until it returns a value that is not undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = "the condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}
