// Child processes of the local stack (the Deno functions, the facade): started with
// their environment, awaited until they answer, stopped on shutdown.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { denoBin, denoOfflineArgs } from "./deno.ts";
import { npmBin, projectRoot } from "./paths.ts";

export interface RunningProcess {
  name: string;
  url: string;
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
}

export async function startProcess(options: StartProcessOptions): Promise<RunningProcess> {
  const child = spawn(options.command[0]!, options.command.slice(1), {
    cwd: projectRoot,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const recent: string[] = [];
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      options.log(`[${options.name}] ${line}`);
    }
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);

  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + (options.startupTimeoutMs ?? 90_000);
  for (;;) {
    const state = await Promise.race([exited.then((code) => ({ exited: true as const, code })), delay(100).then(() => ({ exited: false as const }))]);
    if (state.exited) {
      throw new Error(`${options.name} exited (code ${state.code}) while starting:\n${recent.join("\n")}`);
    }
    if (await answers(options.readyUrl, options.anyAnswer ?? false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.name} did not answer ${options.readyUrl} in time:\n${recent.join("\n")}`);
    }
  }

  return { name: options.name, url: options.url, stop: () => stopChild(child, exited) };
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

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
  if (!stopped) {
    child.kill("SIGKILL");
    await exited;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Edge function folders: functions/NAME/index.ts, except shared code (_shared). */
export function edgeFunctionNames(): string[] {
  const dir = path.join(projectRoot, "functions");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_") && fs.existsSync(path.join(dir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
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
    path.join(projectRoot, "functions", name, "index.ts"),
  ];
}

export function facadeCommand(): string[] {
  return [npmBin("bun"), path.join(projectRoot, "src/api/server.ts")];
}
