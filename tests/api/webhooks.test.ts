// /api/v1/webhooks through the facade over real HTTP: registration (the secret shown
// once, stored sealed), the URL rules with 422s naming the field, reading, changing,
// deleting, rotating, and everybody else's endpoints being 404.
import { beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { Webhook } from "standardwebhooks";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { callFacade, testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let superuser: postgres.Sql;
let owner: Account;
let stranger: Account;

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 1, onnotice: () => {} });
  owner = await registerRecruiter(stack);
  stranger = await registerCandidate(stack);
  return () => superuser.end();
});

const create = (body: unknown, token = owner.token) => callFacade(stack, "POST", "/api/v1/webhooks", { token, body });
const good = { url: "https://127.0.0.1:8443/hooks", event_types: ["application.created", "application.withdrawn"] };

async function clear(account: Account) {
  await superuser`delete from public.webhook_endpoints where user_id = ${account.id}`;
}

describe("registering", () => {
  test("answers 201 with the endpoint and its secret, once; the database keeps only a sealed secret", async () => {
    await clear(owner);
    const created = await create({ ...good, description: "  ATS sync  " });
    expect(created.status).toBe(201);
    expect(created.body.webhook).toMatchObject({
      url: "https://127.0.0.1:8443/hooks",
      description: "ATS sync",
      event_types: ["application.created", "application.withdrawn"],
      is_active: true,
      disabled_reason: null,
    });
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const signer = new Webhook(secret); // the receiver's library takes it as it is
    expect(signer.sign("msg_1", new Date(), "{}")).toMatch(/^v1,/);

    const id = created.body.webhook.id as number;
    const read = await callFacade(stack, "GET", `/api/v1/webhooks/${id}`, { token: owner.token });
    const listed = await callFacade(stack, "GET", "/api/v1/webhooks", { token: owner.token });
    for (const answer of [read, listed]) expect(JSON.stringify(answer.body)).not.toContain(secret.slice(6));
    expect(listed.body.webhooks.map((w: { id: number }) => w.id)).toEqual([id]);

    const [row] = await superuser`select secret_ciphertext, secret_key_id from public.webhook_endpoints where id = ${id}`;
    const stored = Buffer.from(row!.secret_ciphertext as Uint8Array);
    expect(stored.includes(Buffer.from(secret))).toBe(false);
    expect(stored.includes(Buffer.from(secret.slice(6), "base64"))).toBe(false);
    expect(row!.secret_key_id).toBe("local");
  });

  test("the event types are listed, and duplicates in a request count once", async () => {
    await clear(owner);
    const types = await callFacade(stack, "GET", "/api/v1/webhooks/event-types");
    expect(types.status).toBe(200);
    expect(types.body.event_types.map((t: { type: string }) => t.type)).toEqual([
      "resume.viewed", "application.created", "application.status_changed", "application.withdrawn", "job_posting.closed", "job_posting.expired",
    ]);
    const created = await create({ url: good.url, event_types: ["resume.viewed", "resume.viewed"] });
    expect(created.body.webhook.event_types).toEqual(["resume.viewed"]);
  });

  const refusals: [string, unknown, string][] = [
    ["plain http", { ...good, url: "http://example.com/hooks" }, "Must be an https:// URL"],
    ["another scheme", { ...good, url: "ftp://example.com/hooks" }, "Must be an https:// URL"],
    ["not a URL", { ...good, url: "hooks.example.com" }, "Must be an absolute URL, e.g. https://example.com/webhooks"],
    ["credentials in the URL", { ...good, url: "https://user:pass@example.com/hooks" }, "Must not contain a user name or password"],
    ["spaces", { ...good, url: "https://example.com/a b" }, "Must not contain spaces or control characters"],
    ["over 2,000 characters", { ...good, url: `https://example.com/${"a".repeat(1990)}` }, "Must be at most 2000 characters"],
    ["a private address", { ...good, url: "https://10.1.2.3/hooks" }, "Must not point at a private address (the host resolves to one)"],
    ["a 192.168 address", { ...good, url: "https://192.168.0.10/hooks" }, "Must not point at a private address (the host resolves to one)"],
    ["a loopback address outside the allow-list", { ...good, url: "https://127.0.0.2/hooks" }, "Must not point at a loopback address (the host resolves to one)"],
    ["IPv6 loopback", { ...good, url: "https://[::1]/hooks" }, "Must not point at a loopback address (the host resolves to one)"],
    ["the cloud metadata service", { ...good, url: "https://169.254.169.254/latest/meta-data" }, "Must not point at the cloud metadata service (the host resolves to one)"],
    ["AWS's IPv6 metadata service", { ...good, url: "https://[fd00:ec2::254]/" }, "Must not point at the cloud metadata service (the host resolves to one)"],
    ["link-local", { ...good, url: "https://169.254.10.10/" }, "Must not point at a link-local address (the host resolves to one)"],
    ["carrier-grade NAT", { ...good, url: "https://100.64.0.1/" }, "Must not point at a carrier-grade NAT address (the host resolves to one)"],
    ["unique-local IPv6", { ...good, url: "https://[fc00::1]/" }, "Must not point at a unique-local address (the host resolves to one)"],
    ["multicast", { ...good, url: "https://224.0.0.1/" }, "Must not point at a multicast address (the host resolves to one)"],
    ["IPv4-mapped loopback", { ...good, url: "https://[::ffff:127.0.0.1]/" }, "Must not point at a loopback address (the host resolves to one)"],
    ["0.0.0.0", { ...good, url: "https://0.0.0.0/" }, "Must not point at an unspecified address (the host resolves to one)"],
    ["a name that resolves to 127.0.0.1, outside the allow-list", { ...good, url: "https://localhost:8443/hooks" }, "Must not point at a loopback address (the host resolves to one)"],
  ];
  for (const [what, body, message] of refusals) {
    test(`${what}: 422 on body.url`, async () => {
      const answer = await create(body);
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual({ success: false, detail: `Invalid body.url: ${message}`, errors: [{ loc: ["body", "url"], msg: message }] });
    });
  }

  test("a URL of exactly 2,000 characters is fine", async () => {
    await clear(owner);
    const base = "https://127.0.0.1/";
    const answer = await create({ ...good, url: base + "a".repeat(2000 - base.length) });
    expect(answer.status).toBe(201);
    expect(answer.body.webhook.url.length).toBe(2000);
  });

  test("other bad bodies: 422 naming the field, never a 500", async () => {
    const cases: [unknown, string][] = [
      [{ ...good, event_types: [] }, "event_types"],
      [{ ...good, event_types: ["user.created"] }, "event_types"],
      [{ ...good, event_types: "resume.viewed" }, "event_types"],
      [{ event_types: good.event_types }, "url"],
      [{ ...good, url: 42 }, "url"],
      [{ ...good, description: "x".repeat(501) }, "description"],
      [{ ...good, description: "bell\u0007" }, "description"],
      // A C1 control (NEL) is a control character too, as in every other text field.
      [{ ...good, description: "next line\u0085" }, "description"],
    ];
    for (const [body, field] of cases) {
      const answer = await create(body);
      expect(answer.status).toBe(422);
      expect(answer.body.success).toBe(false);
      expect(answer.body.errors.some((error: { loc: string[] }) => error.loc.includes(field))).toBe(true);
    }
    const malformed = await fetch(`${stack.facadeUrl}/api/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
  });

  test("needs a signed-in caller; at most 10 endpoints per account (409)", async () => {
    expect((await callFacade(stack, "POST", "/api/v1/webhooks", { body: good })).status).toBe(401);
    await clear(owner);
    for (let i = 0; i < 10; i++) expect((await create(good)).status).toBe(201);
    const eleventh = await create(good);
    expect(eleventh.status).toBe(409);
    expect(eleventh.body).toEqual({ success: false, detail: "An account can have at most 10 webhook endpoints" });
    await clear(owner);
  });
});

describe("managing", () => {
  test("PATCH changes the url (checked again), event types, description and state; an empty PATCH is 422", async () => {
    await clear(owner);
    const id = (await create(good)).body.webhook.id as number;
    const patch = (body: unknown, token = owner.token) => callFacade(stack, "PATCH", `/api/v1/webhooks/${id}`, { token, body });
    const changed = await patch({ url: "https://127.0.0.1:9443/v2", event_types: ["job_posting.closed"], description: "v2", is_active: false });
    expect(changed.status).toBe(200);
    expect(changed.body.webhook).toMatchObject({ url: "https://127.0.0.1:9443/v2", event_types: ["job_posting.closed"], description: "v2", is_active: false, disabled_reason: null });
    expect(changed.body.webhook.disabled_at).toEqual(expect.any(String));
    const refused = await patch({ url: "https://192.168.1.1/" });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ loc: ["body", "url"], msg: "Must not point at a private address (the host resolves to one)" }]);
    expect((await patch({})).status).toBe(422);
    expect((await patch({ description: null })).body.webhook.description).toBeNull();
    // Someone else's: 404, unchanged.
    expect((await patch({ description: "mine now" }, stranger.token)).status).toBe(404);
    expect((await callFacade(stack, "GET", `/api/v1/webhooks/${id}`, { token: owner.token })).body.webhook.description).toBeNull();
  });

  test("rotating the secret: a new one shown once, the old one valid for a day", async () => {
    await clear(owner);
    const created = await create(good);
    const id = created.body.webhook.id as number;
    const rotated = await callFacade(stack, "POST", `/api/v1/webhooks/${id}/rotate-secret`, { token: owner.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const until = Date.parse(rotated.body.previous_secret_expires_at);
    expect(until - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect((await callFacade(stack, "GET", `/api/v1/webhooks/${id}`, { token: owner.token })).body.webhook.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    expect((await callFacade(stack, "POST", `/api/v1/webhooks/${id}/rotate-secret`, { token: stranger.token })).status).toBe(404);
  });

  test("someone else's endpoint is 404 for every verb; ids that are not ids are 422", async () => {
    await clear(owner);
    const id = (await create(good)).body.webhook.id as number;
    for (const [method, path] of [
      ["GET", `/api/v1/webhooks/${id}`],
      ["DELETE", `/api/v1/webhooks/${id}`],
      ["GET", `/api/v1/webhooks/${id}/deliveries`],
    ] as const) {
      const answer = await callFacade(stack, method, path, { token: stranger.token });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ success: false, detail: "Webhook endpoint not found" });
    }
    expect((await callFacade(stack, "GET", "/api/v1/webhooks", { token: stranger.token })).body.webhooks).toEqual([]);
    expect((await callFacade(stack, "GET", "/api/v1/webhooks/abc", { token: owner.token })).status).toBe(422);
    expect((await callFacade(stack, "GET", `/api/v1/webhooks/${id}/deliveries?cursor=bogus`, { token: owner.token })).status).toBe(422);
    expect((await callFacade(stack, "GET", `/api/v1/webhooks/${id}/deliveries?status=lost`, { token: owner.token })).status).toBe(422);
    const deleted = await callFacade(stack, "DELETE", `/api/v1/webhooks/${id}`, { token: owner.token });
    expect(deleted.body).toEqual({ success: true, endpoint_id: id, message: "Webhook endpoint deleted" });
    expect((await callFacade(stack, "GET", `/api/v1/webhooks/${id}`, { token: owner.token })).status).toBe(404);
  });

  test("deliveries page by cursor, newest first", async () => {
    await clear(owner);
    const id = (await create(good)).body.webhook.id as number;
    await superuser`
      insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, status, created_at)
      select ${id}, ${owner.id}, 'application.created', jsonb_build_object('n', i), 'failed', now() - make_interval(secs => i)
        from generate_series(1, 25) as i`;
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof callFacade>> = await callFacade(stack, "GET", `/api/v1/webhooks/${id}/deliveries?limit=10${cursor ? `&cursor=${cursor}` : ""}`, { token: owner.token });
      expect(page.status).toBe(200);
      seen.push(...page.body.deliveries.map((d: { payload: { n: number } }) => d.payload.n));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const failedOnly = await callFacade(stack, "GET", `/api/v1/webhooks/${id}/deliveries?status=succeeded`, { token: owner.token });
    expect(failedOnly.body.deliveries).toEqual([]);
  });
});
