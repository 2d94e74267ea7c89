// Runs one child process of the local stack and makes sure it never outlives the stack.
//
//   bun src/local/child-guard.ts [--uid N --gid N] [--on-parent-exit SIGNAL] --run command args...
//
// The stack starts every server (PostgreSQL, the Deno functions, the facade) through this
// guard, with a pipe as the guard's stdin that the stack never writes to. However the stack
// ends (Ctrl-C, SIGTERM, a crash, even SIGKILL), the operating system closes that pipe, the
// guard reads its end, and stops the child: first with --on-parent-exit (SIGTERM by
// default; PostgreSQL's fast shutdown is SIGINT), then SIGKILL if it has not exited within
// 10 s. Signals sent to the guard go to the child, and the guard exits as the child did.
// The production servers themselves know nothing of this: it is development tooling.
import { spawn } from "node:child_process";
import os from "node:os";

const forwarded = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"] as const;
const killDelayMs = 10_000;

function parse(argv: string[]) {
  // Not "--": Bun keeps that one for itself.
  const separator = argv.indexOf("--run");
  if (separator < 0 || separator === argv.length - 1) throw new Error("usage: child-guard.ts [--uid N --gid N] [--on-parent-exit SIGNAL] --run command args...");
  const options = argv.slice(0, separator);
  const value = (name: string) => {
    const at = options.indexOf(name);
    return at >= 0 ? options[at + 1] : undefined;
  };
  const uid = value("--uid");
  const gid = value("--gid");
  return {
    uid: uid === undefined ? undefined : Number(uid),
    gid: gid === undefined ? undefined : Number(gid),
    onParentExit: (value("--on-parent-exit") ?? "SIGTERM") as NodeJS.Signals,
    command: argv[separator + 1]!,
    args: argv.slice(separator + 2),
  };
}

const options = parse(process.argv.slice(2));
const child = spawn(options.command, options.args, {
  stdio: ["ignore", "inherit", "inherit"],
  uid: options.uid,
  gid: options.gid,
});

let stopping = false;
function stopChild(signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (stopping) return;
  stopping = true;
  setTimeout(() => child.kill("SIGKILL"), killDelayMs).unref();
}

for (const signal of forwarded) process.on(signal, () => stopChild(signal));

// The stack holds the other end of stdin: end of file means it is gone.
process.stdin.on("end", () => stopChild(options.onParentExit));
process.stdin.on("error", () => stopChild(options.onParentExit));
process.stdin.resume();

child.on("error", (error) => {
  console.error(`could not start ${options.command}: ${error.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // End the same way, so whoever watches the guard sees the child's signal.
    for (const name of forwarded) process.removeAllListeners(name);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
});
