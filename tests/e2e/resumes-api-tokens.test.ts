// `npm run admin -- token ...` (scripts/admin.ts) end to end: a token it creates opens
// the public fetch on both faces, and revoking it closes it again.
import { beforeAll, describe, expect, test } from "bun:test";
import { runAdminScript } from "../support/admin-script.ts";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { faces, fetchPublicResume, upload } from "../support/faces.ts";
import { testClientIp, testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let owner: Account;
let shareToken: string;

const admin = (...args: string[]) => runAdminScript(stack.superuserUrl, args);

beforeAll(async () => {
  stack = await testStack();
  owner = await registerCandidate(stack);
  const uploaded = await upload(faces[0]!, stack, { token: owner.token, ip: testClientIp() });
  expect(uploaded.status).toBe(200);
  shareToken = uploaded.body.permanent_token;
});

describe("admin token commands", () => {
  test("create prints the token once; it works on both faces; list shows it without the token; revoke stops it", async () => {
    const created = admin("token", "create", "--name", "previewcv e2e", "--expires-in-days", "30");
    expect(created.status).toBe(0);
    const token = /^\s+(pcv_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    const id = Number(/#(\d+)/.exec(created.stdout)![1]);
    expect(created.stdout).toContain("shown only this once");

    for (const face of faces) {
      const answer = await fetchPublicResume(face, stack, shareToken, { apiToken: token! });
      expect([face.name, answer.status]).toEqual([face.name, 200]);
    }

    const listed = admin("token", "list", "--json");
    expect(listed.status).toBe(0);
    const entry = JSON.parse(listed.stdout).find((t: { id: number }) => t.id === id);
    expect(entry).toMatchObject({ name: "previewcv e2e", token_prefix: token!.slice(0, 12), is_active: true });
    expect(Date.parse(entry.expires_at) - Date.now()).toBeWithin(29 * 86_400_000, 30 * 86_400_000 + 60_000);
    expect(entry.last_used_at).not.toBeNull();
    expect(listed.stdout).not.toContain(token!);
    const table = admin("token", "list");
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+previewcv e2e\\s+${token!.slice(0, 12)}…\\s+active`, "m"));

    const revoked = admin("token", "revoke", String(id));
    expect([revoked.status, revoked.stdout.trim()]).toEqual([0, `Revoked API token #${id}: it is refused from now on.`]);
    for (const face of faces) {
      const answer = await fetchPublicResume(face, stack, shareToken, { apiToken: token!, ip: testClientIp() });
      expect([face.name, answer.status]).toEqual([face.name, 401]);
    }
    expect(admin("token", "list").stdout).toMatch(new RegExp(`^${id}\\s+previewcv e2e\\s+\\S+\\s+revoked`, "m"));
  });

  test("create --json for scripts", () => {
    const created = admin("token", "create", "--name=ci", "--json");
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({ id: expect.any(Number), name: "ci", token: expect.stringMatching(/^pcv_[A-Za-z0-9_-]{43}$/), token_prefix: expect.any(String), expires_at: null });
  });

  test("mistakes are usage errors (exit 2) or clear failures (exit 1)", () => {
    for (const args of [[], ["token"], ["token", "create"], ["token", "create", "--name", "x", "--expires-in-days", "0"], ["token", "revoke", "abc"], ["token", "create", "--name", "x", "--bogus", "1"]]) {
      const result = admin(...args);
      expect([args, result.status]).toEqual([args, 2]);
      expect(result.stderr + result.stdout).toContain("Usage:");
    }
    const missing = admin("token", "revoke", "999999999");
    expect([missing.status, missing.stdout.trim()]).toEqual([1, "No API token has id 999999999."]);
  });

  test("the servers' authenticator role is refused with advice, and no password is printed", () => {
    const url = new URL(stack.superuserUrl);
    url.username = "authenticator";
    const result = runAdminScript(url.toString(), ["token", "list"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("must be a role that may run the private.* admin functions");
    expect(result.stderr).not.toContain(`:${url.password}@`);
  });

  test("the servers' own role previewcv_api is refused the same way: it may run no admin function", () => {
    const url = new URL(stack.superuserUrl);
    url.username = "previewcv_api";
    url.password = "postgres";
    const result = runAdminScript(url.toString(), ["token", "list"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("must be a role that may run the private.* admin functions");
    expect(result.stderr).toContain("permission denied for function list_api_tokens");
  });
});
