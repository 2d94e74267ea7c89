// The bunny storage over real HTTP against the Edge Storage stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { verifyBunnyUrl } from "../../src/local/storage/bunny-url-verifier.ts";
import {
  BUNNY_STORAGE_HOSTS,
  type BunnyStorageOptions,
  createBunnyStorage,
  createStorage,
  parseBunnyStorageRegion,
  StorageError,
} from "../../src/core/storage/index.ts";
import { freePort } from "../../src/local/ports.ts";
import { type BunnyStorageStandin, startBunnyStorageStandin } from "../support/bunny-storage-standin.ts";

const userId = "6f1c1d7e-3b8a-4c3e-9a51-0d2b8f7e4a10";
const key = `${userId}/0123456789abcdef0123456789abcdef.pdf`;
const bytes = new TextEncoder().encode("%PDF-1.7\nnot really, but the storage does not care\n%%EOF\n");
const securityKey = "pull-zone-token-key";

let standin: BunnyStorageStandin;

beforeAll(async () => {
  standin = await startBunnyStorageStandin({ zone: "letsmakecv" });
});
afterAll(async () => {
  await standin.stop();
});
beforeEach(() => {
  standin.files.clear();
  standin.requests.length = 0;
});

function storage(overrides: Partial<BunnyStorageOptions> = {}) {
  return createBunnyStorage({
    storageZone: standin.zone,
    accessKey: standin.accessKey,
    storageApiUrl: standin.url,
    folder: "pdfs",
    pullZoneUrl: "https://letsmakecv.b-cdn.net",
    securityKey,
    timeoutMs: 2000,
    ...overrides,
  });
}

async function caught(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return error as StorageError;
  }
  throw new Error("expected a StorageError");
}

describe("bunny storage: upload", () => {
  test("PUT stores the exact bytes under /{zone}/{folder}/{key} with AccessKey and an upper-case SHA-256 Checksum", async () => {
    await storage().put(key, bytes, "application/pdf");
    expect(standin.list()).toEqual([`pdfs/${key}`]);
    const stored = standin.files.get(`pdfs/${key}`)!;
    expect(Buffer.from(stored.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(stored.contentType).toBe("application/pdf");
    const [request] = standin.requests;
    expect(request).toMatchObject({ method: "PUT", path: `pdfs/${key}`, status: 201 });
    expect(request!.headers.accesskey).toBe(standin.accessKey);
    expect(request!.headers.checksum).toBe(createHash("sha256").update(bytes).digest("hex").toUpperCase());
  });

  test("the stand-in refuses a wrong Checksum as Bunny does (400), so the header is really checked", async () => {
    const response = await fetch(`${standin.url}/${standin.zone}/pdfs/x.pdf`, {
      method: "PUT",
      headers: { AccessKey: standin.accessKey, Checksum: "00".repeat(32) },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(standin.list()).toEqual([]);
  });

  test("a wrong AccessKey is a typed unauthorized error, and nothing is stored", async () => {
    const error = await caught(storage({ accessKey: "wrong-password" }).put(key, bytes, "application/pdf"));
    expect(error).toMatchObject({ kind: "unauthorized", status: 401, operation: "put", retryable: false });
    expect(error.message).not.toContain("wrong-password");
    expect(standin.list()).toEqual([]);
  });

  test("a 5xx is a typed server error (retryable), and the next upload works", async () => {
    standin.failNext("PUT", 1, { status: 503 });
    const error = await caught(storage().put(key, bytes, "application/pdf"));
    expect(error).toMatchObject({ kind: "server", status: 503, retryable: true });
    expect(standin.list()).toEqual([]);
    await storage().put(key, bytes, "application/pdf");
    expect(standin.list()).toEqual([`pdfs/${key}`]);
  });

  test("a 401 injected by the stand-in is unauthorized too", async () => {
    standin.failNext("PUT", 1, { status: 401 });
    expect(await caught(storage().put(key, bytes, "application/pdf"))).toMatchObject({ kind: "unauthorized", status: 401 });
  });

  test("a storage that never answers is a typed timeout, after the configured time", async () => {
    standin.failNext("PUT", 1, "hang");
    const started = performance.now();
    const error = await caught(storage({ timeoutMs: 300 }).put(key, bytes, "application/pdf"));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ kind: "timeout", operation: "put", retryable: true });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    expect(standin.requests[0]!.status).toBe("hung");
  });

  test("nobody listening is a typed network error", async () => {
    const closedPort = await freePort();
    const error = await caught(storage({ storageApiUrl: `http://127.0.0.1:${closedPort}` }).put(key, bytes, "application/pdf"));
    expect(error).toMatchObject({ kind: "network", retryable: true });
  });

  test("a key with a path smuggled in is refused before any request", async () => {
    for (const bad of ["../other-zone/x.pdf", "/abs.pdf", `${userId}\\..\\x.pdf`, `${userId}//x.pdf`, "a/%2e%2e/x.pdf"]) {
      expect(await caught(storage().put(bad, bytes, "application/pdf"))).toMatchObject({ kind: "invalid-key" });
      expect(await caught(storage().delete(bad))).toMatchObject({ kind: "invalid-key" });
      await expect(storage().signedUrl(bad)).rejects.toMatchObject({ kind: "invalid-key" });
    }
    expect(standin.requests).toEqual([]);
  });
});

describe("bunny storage: delete", () => {
  test("removes the file, and deleting again is not an error", async () => {
    await storage().put(key, bytes, "application/pdf");
    await storage().delete(key);
    expect(standin.list()).toEqual([]);
    await storage().delete(key);
    expect(standin.requests.map((request) => [request.method, request.status])).toEqual([
      ["PUT", 201],
      ["DELETE", 200],
      ["DELETE", 404],
    ]);
  });

  test("failures are typed like uploads", async () => {
    standin.failNext("DELETE", 1, { status: 500 });
    expect(await caught(storage().delete(key))).toMatchObject({ kind: "server", status: 500, operation: "delete" });
    expect(await caught(storage({ accessKey: "nope" }).delete(key))).toMatchObject({ kind: "unauthorized" });
    standin.failNext("DELETE", 1, "hang");
    expect(await caught(storage({ timeoutMs: 200 }).delete(key))).toMatchObject({ kind: "timeout" });
  });
});

describe("bunny storage: URLs", () => {
  test("signed URLs are on the pull zone and verify with its security key for an hour by default", async () => {
    const now = Math.floor(Date.now() / 1000);
    const url = await storage().signedUrl(key);
    expect(url).toMatch(new RegExp(`^https://letsmakecv\\.b-cdn\\.net/pdfs/${key.replace(".", "\\.")}\\?token=HS256-[A-Za-z0-9_-]{43}&expires=\\d+$`));
    const verified = await verifyBunnyUrl(url, { securityKey });
    expect(verified).toMatchObject({ ok: true, path: `/pdfs/${key}` });
    const expires = Number(new URL(url).searchParams.get("expires"));
    expect(expires - now).toBeGreaterThanOrEqual(3599);
    expect(expires - now).toBeLessThanOrEqual(3601);
    expect((await verifyBunnyUrl(url, { securityKey: "not-the-key" })).ok).toBe(false);
  });

  test("signed URLs take another lifetime, and refuse a nonsensical one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const url = await storage().signedUrl(key, { expiresInSeconds: 60 });
    const expires = Number(new URL(url).searchParams.get("expires"));
    expect(expires - now).toBeGreaterThanOrEqual(59);
    expect(expires - now).toBeLessThanOrEqual(61);
    await expect(storage().signedUrl(key, { expiresInSeconds: 0 })).rejects.toThrow(TypeError);
    await expect(storage().signedUrl(key, { expiresInSeconds: 1.5 })).rejects.toThrow(TypeError);
  });

  test("publicUrl is the unsigned pull-zone URL", () => {
    expect(storage().publicUrl(key)).toBe(`https://letsmakecv.b-cdn.net/pdfs/${key}`);
    expect(storage({ pullZoneUrl: "https://letsmakecv.b-cdn.net/", folder: "/pdfs/" }).publicUrl(key)).toBe(
      `https://letsmakecv.b-cdn.net/pdfs/${key}`,
    );
  });
});

describe("bunny storage: configuration", () => {
  test("regions map to Bunny's storage hosts, Frankfurt by default", () => {
    expect(BUNNY_STORAGE_HOSTS.de).toBe("storage.bunnycdn.com");
    expect(BUNNY_STORAGE_HOSTS.uk).toBe("uk.storage.bunnycdn.com");
    expect(BUNNY_STORAGE_HOSTS.syd).toBe("syd.storage.bunnycdn.com");
    expect(Object.keys(BUNNY_STORAGE_HOSTS).sort()).toEqual(["br", "de", "jh", "la", "ny", "se", "sg", "syd", "uk"]);
    expect(parseBunnyStorageRegion(undefined)).toBe("de");
    expect(parseBunnyStorageRegion("")).toBe("de");
    expect(parseBunnyStorageRegion("NY")).toBe("ny");
    expect(() => parseBunnyStorageRegion("mars")).toThrow(TypeError);
  });

  test("missing settings fail at construction, not at the first upload", () => {
    expect(() => storage({ accessKey: "" })).toThrow(TypeError);
    expect(() => storage({ securityKey: "" })).toThrow(TypeError);
    expect(() => storage({ storageZone: "zone/../other" })).toThrow(TypeError);
    expect(() => storage({ folder: "../pdfs" })).toThrow(TypeError);
  });

  test("createStorage builds the bunny implementation from a config", async () => {
    const viaFactory = createStorage({
      kind: "bunny",
      storageZone: standin.zone,
      accessKey: standin.accessKey,
      storageApiUrl: standin.url,
      folder: "pdfs",
      pullZoneUrl: "https://letsmakecv.b-cdn.net",
      securityKey,
    });
    expect(viaFactory.kind).toBe("bunny");
    await viaFactory.put(key, bytes, "application/pdf");
    expect(standin.list()).toEqual([`pdfs/${key}`]);
  });
});
