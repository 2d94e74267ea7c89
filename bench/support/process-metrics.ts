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
