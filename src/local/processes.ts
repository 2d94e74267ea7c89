// Child processes of the local stack (PostgreSQL, the Deno functions, the facade): each
// started through src/local/child-guard.ts, so it can never outlive the stack (however
// the stack ends), in its own process group, so a Ctrl-C in the terminal reaches only the
// stack, which then stops its children in order. Servers are awaited until they answer.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { denoBin, denoOfflineArgs } from "./deno.ts";
import { edgeFunctionEntrypoint, npmBin, projectRoot } from "./paths.ts";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GuardedChild {
  /** The guard's process; signals sent to it reach the child. */
  process: ChildProcess;
  /** Settles when the child has exited (never rejects). */
  exited: Promise<ChildExit>;
  /** The last lines the child printed, for error messages. */
  recentOutput(): string[];
  /** Sends `signal` (SIGTERM by default), then SIGKILL after `graceMs`; resolves once it exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnGuardedOptions {
  name: string;
  command: string[];
  env: Record<string, string>;
  log: (line: string) => void;
  /** Working folder (default: the project); must be one the child's user can enter. */
  cwd?: string;
  /** Run the child as this OS user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** What the guard sends the child when the stack is gone (default SIGTERM). */
  onParentExit?: NodeJS.Signals;
  /** Each output line, before it is logged (a caller waiting for a readiness line). */
  onLine?: (line: string) => void;
}

const guardScript = path.join(projectRoot, "src", "local", "child-guard.ts");

export function spawnGuarded(options: SpawnGuardedOptions): GuardedChild {
  const guardArgs = [
    ...(options.uid === undefined ? [] : ["--uid", String(options.uid), "--gid", String(options.gid ?? options.uid)]),
    ...(options.onParentExit ? ["--on-parent-exit", options.onParentExit] : []),
  ];
  const child = spawn(npmBin("bun"), [guardScript, ...guardArgs, "--run", ...options.command], {
    cwd: options.cwd ?? projectRoot,
    env: options.env,
    // stdin is the guard's lifeline: the stack never writes to it, and its end means the stack is gone.
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const recent: string[] = [];
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      options.onLine?.(line);
      options.log(`[${options.name}] ${line}`);
    }
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);
  child.stdin!.on("error", () => {}); // the guard may be gone first
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: 127, signal: null }));
  });

  return {
    process: child,
    exited,
    recentOutput: () => [...recent],
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const stopped = await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]);
      if (!stopped) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

export interface RunningProcess {
  name: string;
  url: string;
  /** The guard's process id (the server runs as its only child). */
  pid: number;
  /** Settles when the server exits, whoever stopped it. */
  exited: Promise<ChildExit>;
  stop(): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string[];
  env: Record<string, string>;
  /** Polled until it answers 2xx (or any answer when `anyAnswer`). */
  readyUrl: string;
  url: string;
  log: (line: string) => void;
  startupTimeoutMs?: number;
  anyAnswer?: boolean;
  /** Told about the process as soon as it exists, so a caller can stop it if the start fails elsewhere. */
  onSpawn?: (running: RunningProcess) => void;
}

/** Starts a server and waits until it answers; a server that exits or never answers is stopped and reported. */
export async function startProcess(options: StartProcessOptions): Promise<RunningProcess> {
  const guarded = spawnGuarded({ name: options.name, command: options.command, env: options.env, log: options.log });
  const running: RunningProcess = { name: options.name, url: options.url, pid: guarded.process.pid!, exited: guarded.exited, stop: () => guarded.stop() };
  options.onSpawn?.(running);

  const deadline = Date.now() + (options.startupTimeoutMs ?? 90_000);
  for (;;) {
    const state = await Promise.race([guarded.exited.then((exit) => ({ exit })), delay(100).then(() => ({ exit: undefined }))]);
    if (state.exit) {
      throw new Error(`${options.name} exited (${describeExit(state.exit)}) while starting:\n${guarded.recentOutput().join("\n")}`);
    }
    if (await answers(options.readyUrl, options.anyAnswer ?? false)) break;
    if (Date.now() > deadline) {
      await guarded.stop("SIGKILL");
      throw new Error(`${options.name} did not answer ${options.readyUrl} in time:\n${guarded.recentOutput().join("\n")}`);
    }
  }
  return running;
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

async function answers(url: string, anyAnswer: boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return anyAnswer || response.ok;
  } catch {
    return false;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `deno run` for one function, offline (src/local/deno.ts), with what it needs and no more. */
export function denoFunctionCommand(name: string, storageDir: string): string[] {
  return [
    denoBin(),
    "run",
    ...denoOfflineArgs,
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    "--allow-read",
    `--allow-write=${storageDir}`,
    edgeFunctionEntrypoint(name),
  ];
}

export function facadeCommand(): string[] {
  return [npmBin("bun"), path.join(projectRoot, "src/api/server.ts")];
}

export function workerCommand(): string[] {
  return [npmBin("bun"), path.join(projectRoot, "src/worker/main.ts")];
}
