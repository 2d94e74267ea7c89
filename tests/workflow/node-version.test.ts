// package.json "engines.node" tells the truth and is checked: scripts/check-node-version.mjs
// (CI's first step after npm ci) passes on the Node.js that runs npm here, refuses an
// older one, and the floor it checks is the one README states and the one the packages
// Node runs here (the type generator) accept.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../src/local/paths.ts";

const checkScript = path.join(projectRoot, "scripts", "check-node-version.mjs");
const enginesNode = (JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

function runCheck(script: string) {
  const node = Bun.which("node");
  if (!node) throw new Error("node is not on PATH: npm needs it, and so does this suite");
  const result = spawnSync(node, [script], { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The check script beside a package.json of our own, as in a checkout whose engines.node says `wanted`. */
function checkAgainst(wanted: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-node-check-"));
  try {
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.copyFileSync(checkScript, path.join(dir, "scripts", "check-node-version.mjs"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ engines: { node: wanted } }));
    return runCheck(path.join(dir, "scripts", "check-node-version.mjs"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("engines.node", () => {
  test("the check passes on the Node.js on PATH, the one that runs npm here", () => {
    const result = runCheck(checkScript);
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toContain(`satisfies engines.node ${enginesNode}`);
  });

  test("the check refuses a Node.js older than engines.node asks (exit 1), and a range it cannot read (exit 2)", () => {
    const tooOld = checkAgainst(">=999.0.0");
    expect(tooOld.status).toBe(1);
    expect(tooOld.stderr).toContain("is older than package.json asks (>=999.0.0)");
    const unreadable = checkAgainst("^20 || ^22");
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain("this check reads only");
  });

  test("README states the same floor, and the type generator (which runs under Node) accepts it", () => {
    const floor = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(enginesNode);
    expect(floor).not.toBeNull();
    const [major, minor, patch] = floor!.slice(1).map(Number) as [number, number, number];
    const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
    const stated = /Node\.js (\d+)\.(\d+) or newer/.exec(readme);
    expect(stated?.slice(1).map(Number)).toEqual([major, minor]);
    expect(patch).toBe(0);
    const generator = JSON.parse(fs.readFileSync(path.join(projectRoot, "node_modules", "@supabase", "postgres-meta", "package.json"), "utf8")) as {
      engines: { node: string };
    };
    expect(Bun.semver.satisfies(`${major}.${minor}.${patch}`, generator.engines.node)).toBe(true);
  });
});
