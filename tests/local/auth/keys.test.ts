// The local project's keys: the CLI's demo API keys, and the persisted signing key.
import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compactVerify, importJWK, jwtVerify, SignJWT } from "jose";
import {
  createProjectApiKeys,
  generateSigningKey,
  importSigningKey,
  loadOrCreateSigningKey,
  publicJwkOf,
  supabaseCliJwtSecret,
} from "../../../src/local/auth/index.ts";

// What `supabase start` prints as "anon key" and "service_role key".
const cliAnonKey =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
const cliServiceRoleKey =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-auth-keys-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("project API keys", () => {
  test("with the CLI's secret they are the CLI's demo keys, byte for byte", async () => {
    expect(await createProjectApiKeys(supabaseCliJwtSecret)).toEqual({ anonKey: cliAnonKey, serviceRoleKey: cliServiceRoleKey });
  });

  test("with another secret they carry the same claims, signed with that secret", async () => {
    const secret = "a-project-secret-of-at-least-thirty-two-chars";
    const { anonKey, serviceRoleKey } = await createProjectApiKeys(secret);
    const key = new TextEncoder().encode(secret);
    expect((await jwtVerify(anonKey, key)).payload).toEqual({ iss: "supabase-demo", role: "anon", exp: 1983812996 });
    expect((await jwtVerify(serviceRoleKey, key)).payload).toEqual({ iss: "supabase-demo", role: "service_role", exp: 1983812996 });
    expect(anonKey).not.toBe(cliAnonKey);
  });
});

describe("the signing key", () => {
  test("a generated key signs ES256 tokens its public half verifies", async () => {
    const key = await generateSigningKey();
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", key_ops: ["sign", "verify"] });
    expect(key.kid).toMatch(/^[0-9a-f-]{36}$/);
    // Stored with key_ops ["sign", "verify"] (the CLI's format), which WebCrypto refuses on import as is.
    await expect(importJWK(key, "ES256")).rejects.toThrow();
    const token = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "ES256", kid: key.kid }).sign(await importSigningKey(key));
    const publicJwk = publicJwkOf(key);
    expect(publicJwk).not.toHaveProperty("d");
    await compactVerify(token, await importJWK(publicJwk, "ES256"));
  });

  test("is created once in its file (owner-only, the CLI's signing_keys.json format) and read back after", async () => {
    const file = path.join(tempDir(), "nested", "signing_keys.json");
    const created = await loadOrCreateSigningKey(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(stored).toEqual([created]);
    const reloaded = await loadOrCreateSigningKey(file);
    expect(reloaded).toEqual(created);
  });

  test("processes starting at once agree on one key", async () => {
    const file = path.join(tempDir(), "signing_keys.json");
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningKey(file)));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
  });

  test("a file that is not a key set is an error that says what to do", async () => {
    const file = path.join(tempDir(), "signing_keys.json");
    fs.writeFileSync(file, "not json");
    await expect(loadOrCreateSigningKey(file)).rejects.toThrow("delete it");
    fs.writeFileSync(file, JSON.stringify([{ kty: "oct", k: "abc" }]));
    await expect(loadOrCreateSigningKey(file)).rejects.toThrow("no ES256 private JWK");
  });
});
