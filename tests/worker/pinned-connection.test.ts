// The sender connects to the address the SSRF check approved, not to whatever the name
// resolves to a moment later: the URL's host is replaced by the checked address, and
// the name stays in the Host header and in TLS (SNI and the certificate check). Here a
// name no DNS knows is "resolved" to 127.0.0.1 by the check, and the request reaches a
// local HTTPS receiver whose certificate is for that name.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import selfsigned from "selfsigned";
import { npmBin, projectRoot } from "../../src/local/paths.ts";

let dir: string;
let server: ReturnType<typeof Bun.serve>;
const seen: { host: string | null }[] = [];

beforeAll(async () => {
  const pem = await selfsigned.generate([{ name: "commonName", value: "hooks.example.test" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "hooks.example.test" }] }],
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-pinned-"));
  fs.writeFileSync(path.join(dir, "ca.pem"), pem.cert);
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: pem.cert, key: pem.private },
    fetch(request) {
      seen.push({ host: request.headers.get("host") });
      return new Response("pinned ok");
    },
  });
});

afterAll(async () => {
  await server?.stop(true);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One attempt in a child process (not spawnSync: this process's receiver must keep answering). */
function attempt(url: string, answers: Record<string, string[]>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(npmBin("bun"), [path.join(projectRoot, "tests/support/pinned-delivery.ts"), JSON.stringify({ url, answers })], {
      env: { PATH: process.env.PATH ?? "", NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => (out += chunk));
    child.stderr!.on("data", (chunk) => (err += chunk));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(err))));
  });
}

describe("the connection", () => {
  test("goes to the checked address, with the name in Host and TLS", async () => {
    const result = await attempt(`https://hooks.example.test:${server.port}/in`, { "hooks.example.test": ["127.0.0.1"] });
    expect(result).toMatchObject({ outcome: "succeeded", statusCode: 200, responseBody: "pinned ok" });
    expect(seen.at(-1)).toEqual({ host: `hooks.example.test:${server.port}` });
  });

  test("is refused by TLS when the certificate is not for the URL's name, even at the checked address", async () => {
    const result = await attempt(`https://elsewhere.example.test:${server.port}/in`, { "elsewhere.example.test": ["127.0.0.1"] });
    expect(result.outcome).toBe("retry");
    expect(result.error).toMatch(/^TLS failed/);
  });
});
