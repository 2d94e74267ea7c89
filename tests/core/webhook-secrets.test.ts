// Webhook secrets: Standard Webhooks' form, sealed with AES-256-GCM under the servers'
// keys, bound to their owner, opened after a key rotation; the settings' checks of
// WEBHOOK_SECRET_KEYS; signatures made by the standardwebhooks package and verified by
// it as a receiver would; the retry schedule.
import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { parseRetryAfter, retryDelaySeconds } from "../../src/core/webhooks/retry.ts";
import { loadKeyring, newWebhookSecret, openSecret, sealSecret, secretKeysProblems } from "../../src/core/webhooks/secrets.ts";
import { signWebhook } from "../../src/core/webhooks/signing.ts";

const key = (byte: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(byte)));
const owner = "11111111-1111-1111-1111-111111111111";

describe("secrets", () => {
  test("are whsec_ + base64 of 32 random bytes, each one new", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.slice(6)).length).toBe(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  test("seal and open; the sealed bytes hold no trace of the secret; a copy on another owner's row does not open", async () => {
    const keyring = await loadKeyring(`k1:${key(1)}`);
    const secret = newWebhookSecret();
    const sealed = await sealSecret(keyring, owner, secret);
    expect(sealed.keyId).toBe("k1");
    expect(Buffer.from(sealed.ciphertext).includes(Buffer.from(secret))).toBe(false);
    expect(await openSecret(keyring, owner, sealed)).toBe(secret);
    await expect(openSecret(keyring, "22222222-2222-2222-2222-222222222222", sealed)).rejects.toThrow();
    // Two seals of one secret differ (a new IV each time).
    expect(Buffer.from((await sealSecret(keyring, owner, secret)).ciphertext).equals(Buffer.from(sealed.ciphertext))).toBe(false);
  });

  test("rotation: a new key first seals new secrets; the old key still opens old ones; without it they do not open", async () => {
    const before = await loadKeyring(`k1:${key(1)}`);
    const sealed = await sealSecret(before, owner, "whsec_old");
    const rotated = await loadKeyring(`k2:${key(2)},k1:${key(1)}`);
    expect(rotated.currentKeyId).toBe("k2");
    expect(await openSecret(rotated, owner, sealed)).toBe("whsec_old");
    expect((await sealSecret(rotated, owner, "whsec_new")).keyId).toBe("k2");
    const retired = await loadKeyring(`k2:${key(2)}`);
    await expect(openSecret(retired, owner, sealed)).rejects.toThrow("No key k1 in WEBHOOK_SECRET_KEYS");
  });

  test("WEBHOOK_SECRET_KEYS is refused unless every entry is id:base64 of 32 bytes, ids unique", () => {
    expect(secretKeysProblems(`k1:${key(1)}`)).toEqual([]);
    expect(secretKeysProblems("")).toHaveLength(1);
    expect(secretKeysProblems("k1:c2hvcnQ=")).toEqual(["Key k1 must be the base64 of exactly 32 bytes"]);
    expect(secretKeysProblems(`k1:${key(1)},k1:${key(2)}`)).toEqual(["Key id k1 is listed twice"]);
    expect(secretKeysProblems(key(1))).toHaveLength(1);
    expect(secretKeysProblems(`bad id:${key(1)}`)).toHaveLength(1);
  });
});

describe("signatures", () => {
  test("made by standardwebhooks and verified by it as a receiver would; a changed body or id does not verify", () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: "application.created", timestamp: "2026-12-02T10:00:00.000000Z", data: { application_id: 1 } });
    const headers = signWebhook([secret], "msg_abc", new Date(), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("1}", "2}"), { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_other" })).toThrow();
  });

  test("during a rotation both secrets sign, space-separated, and either verifies", () => {
    const [next, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signWebhook([next, previous], "msg_rot", new Date(), "{}");
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    for (const secret of [next, previous]) expect(() => new Webhook(secret).verify("{}", { ...headers })).not.toThrow();
  });
});

describe("retry schedule", () => {
  const policy = { baseMs: 5000, maxDelayMs: 3_600_000 };
  test("full jitter: between 0 and base * 2^(attempt - 1), capped", () => {
    expect(retryDelaySeconds(policy, 1, undefined, () => 0.999999)).toBeCloseTo(5, 3);
    expect(retryDelaySeconds(policy, 3, undefined, () => 0.999999)).toBeCloseTo(20, 3);
    expect(retryDelaySeconds(policy, 3, undefined, () => 0)).toBe(0);
    expect(retryDelaySeconds(policy, 40, undefined, () => 0.999999)).toBeCloseTo(3600, 0);
    const samples = Array.from({ length: 200 }, () => retryDelaySeconds(policy, 4));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(40);
    expect(new Set(samples.map((s) => s.toFixed(3))).size).toBeGreaterThan(150);
  });

  test("Retry-After is a floor (seconds or an HTTP date), never beyond the cap", () => {
    expect(retryDelaySeconds(policy, 1, 120, () => 0)).toBe(120);
    expect(retryDelaySeconds(policy, 1, 999_999, () => 0)).toBe(3600);
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(new Date(Date.now() + 61_000).toUTCString())).toBeGreaterThanOrEqual(60);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
