// The local storage and the local file server, over real HTTP.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { bunnyToken } from "../../src/core/bunny-token.ts";
import { createLocalStorage, createStorage, type FileStorage, StorageError } from "../../src/core/storage/index.ts";
import { createLocalFileHandler, LOCAL_STORAGE_MOUNT_PATH, readLocalFile } from "../../src/local/storage/file-server.ts";

const securityKey = "local-storage-signing-key";
const userId = "6f1c1d7e-3b8a-4c3e-9a51-0d2b8f7e4a10";
const key = `${userId}/0123456789abcdef0123456789abcdef.pdf`;
const otherKey = `${userId}/fedcba9876543210fedcba9876543210.pdf`;
const pdf = new Uint8Array([...new TextEncoder().encode("%PDF-1.4\n"), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a, 0x00, 0xff, 0x25]);
const secret = "TOP-SECRET-OUTSIDE-THE-STORAGE-ROOT";

let workDir: string;
let rootDir: string;
let server: ReturnType<typeof Bun.serve>;
let baseUrl: string;
let storage: FileStorage;
let clockSkewSeconds = 0;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-local-storage-"));
  rootDir = path.join(workDir, "storage");
  fs.mkdirSync(rootDir);
  // Things a traversal would reach: a file beside the root, and one in the folder above pdfs/.
  fs.writeFileSync(path.join(workDir, "secret.txt"), secret);
  fs.mkdirSync(path.join(rootDir, "pdfs"));
  fs.writeFileSync(path.join(rootDir, "secret.pdf"), secret);

  const handler = createLocalFileHandler({
    rootDir,
    securityKey,
    nowSeconds: () => Math.floor(Date.now() / 1000) + clockSkewSeconds,
  });
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request) =>
      new URL(request.url).pathname.startsWith(`${LOCAL_STORAGE_MOUNT_PATH}/`)
        ? handler(request)
        : new Response("gateway: no route", { status: 404 }),
  });
  baseUrl = `http://127.0.0.1:${server.port}${LOCAL_STORAGE_MOUNT_PATH}`;
  storage = createLocalStorage({ rootDir, folder: "pdfs", baseUrl, securityKey });
});

afterAll(async () => {
  await server.stop(true);
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Sends the request line exactly as written (fetch would normalise `..` away). */
async function rawGet(target: string): Promise<{ status: number; body: string }> {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(server.port!, "127.0.0.1");
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
  return { status, body: answer.slice(answer.indexOf("\r\n\r\n") + 4) };
}

describe("local storage", () => {
  test("put writes {root}/{folder}/{key}, atomically, with no temporary file left", async () => {
    await storage.put(key, pdf, "application/pdf");
    const file = path.join(rootDir, "pdfs", userId, "0123456789abcdef0123456789abcdef.pdf");
    expect(Buffer.from(fs.readFileSync(file)).equals(Buffer.from(pdf))).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["0123456789abcdef0123456789abcdef.pdf"]);
    expect(await readLocalFile(rootDir, `pdfs/${key}`)).toEqual(pdf);
  });

  test("a key with a path smuggled in is refused before touching the disk", async () => {
    const before = fs.readdirSync(workDir, { recursive: true }).sort();
    for (const bad of ["../../escaped.pdf", "../secret.txt", "/tmp/abs.pdf", "a\\..\\..\\b.pdf", "a//b.pdf", ".hidden.pdf"]) {
      await expect(storage.put(bad, pdf, "application/pdf")).rejects.toMatchObject({ kind: "invalid-key" });
      await expect(storage.delete(bad)).rejects.toBeInstanceOf(StorageError);
    }
    expect(fs.readdirSync(workDir, { recursive: true }).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(workDir, "secret.txt"), "utf8")).toBe(secret);
  });

  test("delete removes the file, and a missing file is not an error", async () => {
    await storage.put(otherKey, pdf, "application/pdf");
    await storage.delete(otherKey);
    expect(await readLocalFile(rootDir, `pdfs/${otherKey}`)).toBeUndefined();
    await storage.delete(otherKey);
    await storage.delete(`${userId}/never-existed.pdf`);
  });

  test("publicUrl is the unsigned URL under the base", () => {
    expect(storage.publicUrl(key)).toBe(`${baseUrl}/pdfs/${key}`);
  });

  test("createStorage builds the local implementation from a config", () => {
    expect(createStorage({ kind: "local", rootDir, folder: "pdfs", baseUrl, securityKey }).kind).toBe("local");
    expect(() => createLocalStorage({ rootDir, folder: "pdfs", baseUrl: "not a url", securityKey })).toThrow();
  });
});

describe("local file server", () => {
  test("a valid signed URL serves the exact bytes as application/pdf", async () => {
    await storage.put(key, pdf, "application/pdf");
    const url = await storage.signedUrl(key);
    expect(url.startsWith(`${baseUrl}/pdfs/${key}?token=HS256-`)).toBe(true);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(pdf);
  });

  test("HEAD answers like GET without the body", async () => {
    const response = await fetch(await storage.signedUrl(key), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  test("a tampered token is 403 JSON", async () => {
    const url = new URL(await storage.signedUrl(key));
    const token = url.searchParams.get("token")!;
    url.searchParams.set("token", token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA"));
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ detail: "The signature does not match this URL." });
  });

  test("a token moved to another file is 403", async () => {
    await storage.put(otherKey, new TextEncoder().encode("someone else's resume"), "application/pdf");
    const url = new URL(await storage.signedUrl(key));
    url.pathname = `${LOCAL_STORAGE_MOUNT_PATH}/pdfs/${otherKey}`;
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain("someone else");
  });

  test("an expired URL is 403", async () => {
    const url = await storage.signedUrl(key, { expiresInSeconds: 5 });
    expect((await fetch(url)).status).toBe(200);
    clockSkewSeconds = 6;
    try {
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ detail: "The URL has expired." });
    } finally {
      clockSkewSeconds = 0;
    }
  });

  test("an unsigned URL is 403", async () => {
    const response = await fetch(storage.publicUrl(key));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: "The URL is not signed." });
  });

  test("a valid signature for a file that is not there is 404", async () => {
    const url = await storage.signedUrl(`${userId}/ffffffffffffffffffffffffffffffff.pdf`);
    const response = await fetch(url);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "File not found." });
  });

  test("directory traversal is refused, even with a signature made with the key", async () => {
    const expires = Math.floor(Date.now() / 1000) + 600;
    const targets = [
      "/pdfs/../secret.pdf",
      "/pdfs/../../secret.txt",
      "/pdfs/%2e%2e/secret.pdf",
      "/pdfs/%2E%2E/%2E%2E/secret.txt",
      "/pdfs/..%2Fsecret.pdf",
      "/pdfs/..%2F..%2Fsecret.txt",
      "/pdfs/..%5C..%5Csecret.txt",
      "/pdfs/%2e%2e%2f%2e%2e%2fsecret.txt",
      "//etc/passwd",
      "/pdfs//secret.pdf",
      "/pdfs/%00.pdf",
    ];
    for (const target of targets) {
      // Signed on the exact path sent, so only the path guard stands in the way.
      const token = await bunnyToken({ securityKey, signaturePath: target, expires });
      const { status, body } = await rawGet(`${LOCAL_STORAGE_MOUNT_PATH}${target}?token=${token}&expires=${expires}`);
      expect([400, 403, 404]).toContain(status);
      expect(body).not.toContain(secret);
    }
  });

  test("only GET and HEAD", async () => {
    const response = await fetch(await storage.signedUrl(key), { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(await readLocalFile(rootDir, `pdfs/${key}`)).toEqual(pdf);
  });
});
