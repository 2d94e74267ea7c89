import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { apiTokenDigest } from "../../src/core/digest.ts";
import { base64UrlEncode } from "../../src/core/encoding.ts";
import { isPermanentToken, newPermanentToken, newStorageFileName } from "../../src/core/random-tokens.ts";
import { isValidStorageKey } from "../../src/core/storage/index.ts";

describe("share tokens", () => {
  test("are 43 base64url characters (32 bytes), as the resumes table requires", () => {
    const token = newPermanentToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(isPermanentToken(token)).toBe(true);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
  });

  test("do not repeat", () => {
    const tokens = new Set(Array.from({ length: 2000 }, newPermanentToken));
    expect(tokens.size).toBe(2000);
  });

  test("isPermanentToken refuses other shapes", () => {
    for (const value of ["", "abc123xyz789", "a".repeat(42), "a".repeat(44), `${"a".repeat(42)}=`, `${"a".repeat(42)}+`]) {
      expect(isPermanentToken(value)).toBe(false);
    }
  });

  test("base64url matches Node's encoder, without padding", () => {
    for (const length of [0, 1, 2, 3, 31, 32, 33, 70_000]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + 11) & 0xff);
      expect(base64UrlEncode(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
    }
  });
});

describe("storage file names", () => {
  test("are {32 hex}.pdf, a valid storage key, and unguessable", () => {
    const name = newStorageFileName();
    expect(name).toMatch(/^[0-9a-f]{32}\.pdf$/);
    expect(isValidStorageKey(name)).toBe(true);
    expect(newStorageFileName()).not.toBe(name);
    const many = new Set(Array.from({ length: 1000 }, () => newStorageFileName()));
    expect(many.size).toBe(1000);
  });

  test("carry no user id, no folder: the key shows in every signed URL of the public fetch", () => {
    for (let i = 0; i < 100; i++) {
      const name = newStorageFileName();
      expect(name).not.toContain("/");
      expect(name).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
  });
});

describe("API tokens", () => {
  // Tokens are made by private.create_api_token (tests/database/shared-resume-fetch.test.ts);
  // the servers digest what callers present and look the digest up.
  test("the digest is sha256 of the whole token string", async () => {
    const digest = await apiTokenDigest("pcv_example");
    expect(digest).toHaveLength(32);
    expect(Buffer.from(digest).toString("hex")).toBe(createHash("sha256").update("pcv_example").digest("hex"));
  });
});
