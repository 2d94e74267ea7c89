// Memory of the servers under load, read from /proc (Linux): the resident set size of a
// process, sampled often enough to catch the peak of a burst.
import fs from "node:fs";

/** The process the guard of src/local/child-guard.ts runs: its only child. */
export function guardedServerPid(guardPid: number): number {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === guardPid) return Number(entry);
    } catch {}
  }
  throw new Error(`no child of guard ${guardPid}`);
}

/** Resident memory of `pid`, bytes. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return kib ? Number(kib[1]) * 1024 : NaN;
}

/** Samples `pid`'s RSS every `everyMs` until stopped; resolves to the highest reading. */
export function samplePeakRss(pid: number, everyMs = 10): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {}
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** CPU time `pid` has used (user + system), ms; clock ticks are 10 ms, so read it over whole runs. */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((fields.utime + fields.stime) * 1000) / clockTicksPerSecond;
}

/**
 * CPU time of `pid` and all its children, ms: the live children's own, and through
 * cutime/cstime that of the children it has reaped (Postgres' parallel workers come
 * and go). For a postmaster: the whole server.
 */
export function treeCpuMs(pid: number): number {
  const parent = statFields(pid);
  let ticks = parent.utime + parent.stime + parent.cutime + parent.cstime;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = statFields(Number(entry));
      if (child.ppid === pid) ticks += child.utime + child.stime;
    } catch {}
  }
  return (ticks * 1000) / clockTicksPerSecond;
}

/** The parent of `pid` (a Postgres backend's is its postmaster). */
export function parentPid(pid: number): number {
  return statFields(pid).ppid;
}

const clockTicksPerSecond = 100;

function statFields(pid: number) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return { ppid: fields[1]!, utime: fields[11]!, stime: fields[12]!, cutime: fields[13]!, cstime: fields[14]! };
}
