// Webhook delivery end to end: real worker processes (started as npm start starts its
// worker), real HTTP receivers that verify every signature with the standardwebhooks
// package as a receiver would, endpoints registered through the facade, events made
// the way users make them (a candidate applying through the facade).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import selfsigned from "selfsigned";
import { Webhook } from "standardwebhooks";
import { loadKeyring, sealSecret } from "../../src/core/webhooks/secrets.ts";
import { localWebhookSecretKeys } from "../../src/local/stack.ts";
import { registerCandidate, registerRecruiter, type Account } from "../support/accounts.ts";
import { callFacade, testStack, type TestStack } from "../support/stack.ts";
import { eventually, startReceiver, startTestWorker, type Receiver, type TestWorker } from "../support/webhooks.ts";

let stack: TestStack;
let superuser: postgres.Sql;
let receiver: Receiver;
let worker: TestWorker;
let recruiter: Account;
let candidate: Account;
let resumeId: number;
let tlsDir: string;
let tls: { cert: string; key: string };

const workerEnv = () => ({ NODE_EXTRA_CA_CERTS: path.join(tlsDir, "ca.pem") });

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  receiver = await startReceiver();
  // A certificate for 127.0.0.1, which the workers trust as a receiver's CA.
  const generated = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  tls = { cert: generated.cert, key: generated.private };
  tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-webhook-tls-"));
  fs.writeFileSync(path.join(tlsDir, "ca.pem"), tls.cert);
  worker = await startTestWorker(stack.superuserUrl, workerEnv());
  recruiter = await registerRecruiter(stack);
  candidate = await registerCandidate(stack);
  const [row] = await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
    values (${candidate.id}, 'CV', ${`${candidate.id}/${crypto.randomUUID()}.pdf`}, ${crypto.randomUUID().replaceAll("-", "").padEnd(43, "A")})
    returning id`;
  resumeId = Number(row!.id);
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.stop();
  await superuser?.end();
  if (tlsDir) fs.rmSync(tlsDir, { recursive: true, force: true });
});

/** A recruiter's endpoint for application.created at `url`, registered through the facade. */
async function register(url: string, path?: string): Promise<{ id: number; secret: string }> {
  const answer = await callFacade(stack, "POST", "/api/v1/webhooks", {
    token: recruiter.token,
    body: { url, event_types: ["application.created"], description: `test ${path ?? url}` },
  });
  expect(answer.status).toBe(201);
  if (path) receiver.setSecret(path, answer.body.secret);
  return { id: answer.body.webhook.id, secret: answer.body.secret };
}

/** Only this endpoint of the recruiter is left, so each case sees its own deliveries (and the 10-endpoint limit is never reached). */
async function only(endpointId: number) {
  await superuser`delete from public.webhook_endpoints where user_id = ${recruiter.id} and id <> ${endpointId}`;
}

/** A new posting and the candidate's application to it: one application.created event. */
async function applyOnce(): Promise<number> {
  const job = await callFacade(stack, "POST", "/api/v1/jobs/create", {
    token: recruiter.token,
    body: { title: `Role ${crypto.randomUUID().slice(0, 8)}`, company_name: "Corp", location: "Remote", job_type: "full-time", experience_level: "mid", description: "Work." },
  });
  expect(job.status).toBe(200);
  const applied = await callFacade(stack, "POST", `/api/v1/jobs/${job.body.job_id}/apply`, { token: candidate.token, body: { resume_id: resumeId } });
  expect(applied.status).toBe(200);
  return applied.body.application_id as number;
}

async function deliveriesOf(endpointId: number) {
  const answer = await callFacade(stack, "GET", `/api/v1/webhooks/${endpointId}/deliveries`, { token: recruiter.token });
  expect(answer.status).toBe(200);
  return answer.body.deliveries as { id: number; webhook_id: string; status: string; attempt_count: number; payload: any }[];
}

async function deliveryDetail(endpointId: number, deliveryId: number) {
  const answer = await callFacade(stack, "GET", `/api/v1/webhooks/${endpointId}/deliveries/${deliveryId}`, { token: recruiter.token });
  expect(answer.status).toBe(200);
  return answer.body.delivery;
}

async function settled(endpointId: number, status: "succeeded" | "failed", timeoutMs = 20_000) {
  return eventually(async () => {
    const [first] = await deliveriesOf(endpointId);
    return first?.status === status ? first : undefined;
  }, timeoutMs, `a ${status} delivery to endpoint ${endpointId}`);
}

describe("a delivery", () => {
  test("arrives once, signed (standardwebhooks verifies it), with the Standard Webhooks headers and payload, and is recorded", async () => {
    const hook = await register(receiver.url("/ok"), "/ok");
    await only(hook.id);
    const applicationId = await applyOnce();
    const [got] = await receiver.waitFor("/ok", 1);
    expect(got!.verifyError).toBeUndefined();
    expect(got!.verified).toMatchObject({
      type: "application.created",
      data: { application_id: applicationId, candidate_id: candidate.id, status: "pending", job_title: expect.stringMatching(/^Role /) },
    });
    expect((got!.verified as { timestamp: string }).timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(got!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(got!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    expect(got!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["user-agent"]).toBe("PreviewCV-Webhooks/1.0");
    // A receiver with another secret refuses it.
    expect(() => new Webhook(`whsec_${btoa("another secret of enough length!")}`).verify(got!.body, got!.headers)).toThrow();

    const delivery = await settled(hook.id, "succeeded");
    expect(delivery.webhook_id).toBe(got!.headers["webhook-id"]!);
    const detail = await deliveryDetail(hook.id, delivery.id);
    expect(detail.attempts).toEqual([
      { attempt_number: 1, attempted_at: expect.any(String), duration_ms: expect.any(Number), status_code: 200, error: null, response_body: "thanks" },
    ]);
    await Bun.sleep(300);
    expect(receiver.to("/ok").length).toBe(1);
  });

  test("answered 500 twice, then 200: retried with backoff, the same webhook-id each time, every attempt recorded (answers cut to 2,000 characters)", async () => {
    const hook = await register(receiver.url("/flaky"), "/flaky");
    await only(hook.id);
    receiver.plan("/flaky", "500", "500", "ok");
    await applyOnce();
    const got = await receiver.waitFor("/flaky", 3);
    expect(new Set(got.map((delivery) => delivery.headers["webhook-id"])).size).toBe(1);
    expect(got.every((delivery) => delivery.verified && !delivery.verifyError)).toBe(true);
    const delivery = await settled(hook.id, "succeeded");
    const detail = await deliveryDetail(hook.id, delivery.id);
    expect(detail.attempts.map((a: { attempt_number: number; status_code: number }) => [a.attempt_number, a.status_code])).toEqual([[1, 500], [2, 500], [3, 200]]);
    expect(detail.attempts[0].response_body.length).toBe(2000);
    expect(detail.attempt_count).toBe(3);
  });

  test("a receiver that hangs is cut off at the timeout and tried again", async () => {
    const hook = await register(receiver.url("/hang"), "/hang");
    await only(hook.id);
    receiver.plan("/hang", "hang", "ok");
    await applyOnce();
    await receiver.waitFor("/hang", 2);
    const delivery = await settled(hook.id, "succeeded");
    const detail = await deliveryDetail(hook.id, delivery.id);
    expect(detail.attempts[0]).toMatchObject({ status_code: null, error: "timeout after 1000 ms" });
    expect(detail.attempts[0].duration_ms).toBeGreaterThanOrEqual(950);
    expect(detail.attempts[1]).toMatchObject({ status_code: 200, error: null });
  });

  test("a receiver that closes the connection without answering is tried again", async () => {
    const hook = await register(receiver.url("/drop"), "/drop");
    await only(hook.id);
    receiver.plan("/drop", "close", "ok");
    await applyOnce();
    await receiver.waitFor("/drop", 2);
    const detail = await deliveryDetail(hook.id, (await settled(hook.id, "succeeded")).id);
    expect(detail.attempts[0]).toMatchObject({ status_code: null, error: "connection closed before an answer" });
  });

  test("a redirect is not followed: it counts as a failed attempt", async () => {
    const hook = await register(receiver.url("/moved"), "/moved");
    await only(hook.id);
    receiver.plan("/moved", "redirect", "ok");
    await applyOnce();
    await receiver.waitFor("/moved", 2);
    const detail = await deliveryDetail(hook.id, (await settled(hook.id, "succeeded")).id);
    expect(detail.attempts[0]).toMatchObject({ status_code: 302, error: "redirects are not followed: update the endpoint's URL" });
    expect(receiver.to("/elsewhere")).toEqual([]);
  });

  test("an answer with NUL bytes is recorded without them (it must not make the attempt unrecordable)", async () => {
    const hook = await register(receiver.url("/binary"), "/binary");
    await only(hook.id);
    receiver.plan("/binary", "binary");
    await applyOnce();
    const delivered = await settled(hook.id, "succeeded");
    expect((await deliveryDetail(hook.id, delivered.id)).attempts[0]).toMatchObject({ status_code: 200, response_body: "\u0001binaryanswer" });
    expect(receiver.to("/binary").length).toBe(1);
  });

  test("over HTTPS, to a receiver with its own certificate", async () => {
    const received: { headers: Record<string, string>; body: string }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      tls: { cert: tls.cert, key: tls.key },
      async fetch(request) {
        received.push({ headers: Object.fromEntries(request.headers), body: await request.text() });
        return new Response("ok");
      },
    });
    try {
      const hook = await register(`https://127.0.0.1:${server.port}/secure`);
      await only(hook.id);
      await applyOnce();
      const [got] = await eventually(() => (received.length ? received : undefined), 20_000, "the HTTPS delivery");
      expect(new Webhook(hook.secret).verify(got!.body, got!.headers)).toMatchObject({ type: "application.created" });
      await settled(hook.id, "succeeded");
    } finally {
      await server.stop(true);
    }
  });
});

describe("secret rotation", () => {
  test("while the previous secret is valid, deliveries carry both signatures: receivers with either secret accept them", async () => {
    const hook = await register(receiver.url("/rotating"));
    await only(hook.id);
    const rotated = await callFacade(stack, "POST", `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: recruiter.token });
    expect(rotated.status).toBe(200);
    await applyOnce();
    const [got] = await receiver.waitFor("/rotating", 1);
    expect(got!.headers["webhook-signature"]!.split(" ").map((signature) => signature.split(",")[0])).toEqual(["v1", "v1"]);
    for (const secret of [hook.secret, rotated.body.secret as string]) {
      expect(new Webhook(secret).verify(got!.body, got!.headers)).toMatchObject({ type: "application.created" });
    }
  });
});

describe("failing endpoints", () => {
  test("410 Gone: the endpoint is switched off at once, its owner told in the app, nothing more is sent; switched on again, a redelivery goes out", async () => {
    const hook = await register(receiver.url("/gone"), "/gone");
    await only(hook.id);
    receiver.plan("/gone", "410", "ok");
    await applyOnce();
    await receiver.waitFor("/gone", 1);
    const failed = await settled(hook.id, "failed");
    const endpoint = await callFacade(stack, "GET", `/api/v1/webhooks/${hook.id}`, { token: recruiter.token });
    expect(endpoint.body.webhook).toMatchObject({ is_active: false, disabled_reason: "gone" });
    const told = await callFacade(stack, "GET", "/api/v1/notifications?limit=100", { token: recruiter.token });
    const notice = told.body.notifications.find((n: { type: string; data: { endpoint_id: number } }) => n.type === "webhook_endpoint.disabled" && n.data.endpoint_id === hook.id);
    expect(notice).toMatchObject({ title: "Webhook endpoint switched off", data: { reason: "gone" }, read_at: null });
    expect(notice.body).toContain(`127.0.0.1:${receiver.port}`);

    // Switched off: the next event is not delivered; redelivery is refused until it is on again.
    await applyOnce();
    const refused = await callFacade(stack, "POST", `/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`, { token: recruiter.token });
    expect(refused.status).toBe(409);
    await Bun.sleep(500);
    expect(receiver.to("/gone").length).toBe(1);

    const on = await callFacade(stack, "PATCH", `/api/v1/webhooks/${hook.id}`, { token: recruiter.token, body: { is_active: true } });
    expect(on.body.webhook).toMatchObject({ is_active: true, disabled_reason: null, disabled_at: null });
    const again = await callFacade(stack, "POST", `/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`, { token: recruiter.token });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ success: true, delivery_id: failed.id, status: "pending" });
    const got = await receiver.waitFor("/gone", 2);
    expect(got[1]!.headers["webhook-id"]).toBe(got[0]!.headers["webhook-id"]);
  });

  test("an endpoint that fails for the whole retry window: the delivery fails, the endpoint is switched off and its owner told", async () => {
    const hook = await register(receiver.url("/down"), "/down");
    await only(hook.id);
    receiver.plan("/down", "500");
    await applyOnce();
    const failed = await settled(hook.id, "failed", 30_000);
    expect(failed.attempt_count).toBeGreaterThanOrEqual(2);
    const endpoint = await callFacade(stack, "GET", `/api/v1/webhooks/${hook.id}`, { token: recruiter.token });
    expect(endpoint.body.webhook).toMatchObject({ is_active: false, disabled_reason: "failing" });
    const told = await callFacade(stack, "GET", "/api/v1/notifications?limit=100", { token: recruiter.token });
    expect(told.body.notifications.some((n: { type: string; data: { endpoint_id: number; reason: string } }) => n.type === "webhook_endpoint.disabled" && n.data.endpoint_id === hook.id && n.data.reason === "failing")).toBe(true);
  });
});

describe("redelivery", () => {
  test("of a delivered event: the same webhook-id, one more attempt", async () => {
    const hook = await register(receiver.url("/again"), "/again");
    await only(hook.id);
    await applyOnce();
    await receiver.waitFor("/again", 1);
    const delivered = await settled(hook.id, "succeeded");
    const asked = await callFacade(stack, "POST", `/api/v1/webhooks/${hook.id}/deliveries/${delivered.id}/redeliver`, { token: recruiter.token });
    expect(asked.status).toBe(202);
    const got = await receiver.waitFor("/again", 2);
    expect(got.map((delivery) => delivery.headers["webhook-id"])).toEqual([delivered.webhook_id, delivered.webhook_id]);
    expect(got.every((delivery) => delivery.verified)).toBe(true);
    await eventually(async () => ((await deliveryDetail(hook.id, delivered.id)).attempts.length === 2 ? true : undefined), 10_000, "the second attempt recorded");
  });

  test("of someone else's delivery, or through another endpoint's path: 404", async () => {
    const hook = await register(receiver.url("/theirs"), "/theirs");
    await only(hook.id);
    await applyOnce();
    const delivered = await settled(hook.id, "succeeded");
    expect((await callFacade(stack, "POST", `/api/v1/webhooks/${hook.id}/deliveries/${delivered.id}/redeliver`, { token: candidate.token })).status).toBe(404);
    expect((await callFacade(stack, "GET", `/api/v1/webhooks/${hook.id}/deliveries/${delivered.id}`, { token: candidate.token })).status).toBe(404);
    const other = await register(receiver.url("/other"), "/other");
    expect((await callFacade(stack, "POST", `/api/v1/webhooks/${other.id}/deliveries/${delivered.id}/redeliver`, { token: recruiter.token })).status).toBe(404);
  });
});

describe("the SSRF rules at delivery", () => {
  test("a name that now resolves to a loopback address outside the allow-list is refused before any request, and recorded", async () => {
    // Registered while the name pointed elsewhere (written straight into the table):
    // at delivery it resolves to 127.0.0.1, and localhost is not allow-listed.
    const keyring = await loadKeyring(localWebhookSecretKeys);
    const sealed = await sealSecret(keyring, recruiter.id, "whsec_" + btoa("a secret long enough to be a secret"));
    const [row] = await superuser`
      insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
      values (${recruiter.id}, ${`https://localhost:${receiver.port}/rebound`}, '{application.created}', ${sealed.ciphertext}, ${sealed.keyId})
      returning id`;
    const endpointId = Number(row!.id);
    await only(endpointId);
    await applyOnce();
    const [first] = await eventually(async () => {
      const listed = await deliveriesOf(endpointId);
      return listed[0] && listed[0].attempt_count >= 1 ? listed : undefined;
    }, 20_000, "an attempt");
    const detail = await eventually(async () => {
      const found = await deliveryDetail(endpointId, first!.id);
      return found.attempts.length ? found : undefined;
    });
    expect(detail.attempts[0]).toMatchObject({ status_code: null, error: "refused: Must not point at a loopback address (the host resolves to one)" });
    expect(receiver.to("/rebound")).toEqual([]);
    await superuser`update public.webhook_endpoints set is_active = false where id = ${endpointId}`;
  });
});

describe("workers", () => {
  test("killed in the middle of a delivery: nothing is lost; after the lease it goes out again with the same webhook-id", async () => {
    const hook = await register(receiver.url("/killed"), "/killed");
    await only(hook.id);
    let release: () => void = () => {};
    receiver.plan("/killed", { hold: new Promise<void>((resolve) => (release = resolve)) }, "ok");
    await applyOnce();
    const [first] = await receiver.waitFor("/killed", 1);
    process.kill(worker.pid, "SIGKILL");
    await worker.exited;
    release();
    worker = await startTestWorker(stack.superuserUrl, workerEnv());
    const got = await receiver.waitFor("/killed", 2, 30_000);
    expect(got[1]!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(got[1]!.verified).toBeDefined();
    const delivered = await settled(hook.id, "succeeded");
    // The killed worker's attempt was never recorded: one attempt, the second claim.
    expect((await deliveryDetail(hook.id, delivered.id)).attempts.map((a: { attempt_number: number }) => a.attempt_number)).toEqual([2]);
  });

  test("SIGTERM: the delivery in flight finishes and is recorded, then the worker exits 0", async () => {
    const hook = await register(receiver.url("/draining"), "/draining");
    await only(hook.id);
    receiver.plan("/draining", { hold: Bun.sleep(700) }, "ok");
    await applyOnce();
    await receiver.waitFor("/draining", 1);
    const stopping = worker.stop();
    const exit = await worker.exited;
    await stopping;
    expect(exit).toEqual({ code: 0, signal: null });
    const delivered = await settled(hook.id, "succeeded", 5_000);
    expect((await deliveryDetail(hook.id, delivered.id)).attempts.map((a: { status_code: number }) => a.status_code)).toEqual([200]);
    expect(worker.output.join("\n")).not.toMatch(/error/i);
    worker = await startTestWorker(stack.superuserUrl, workerEnv());
    await Bun.sleep(300);
    expect(receiver.to("/draining").length).toBe(1);
  });

  test("SIGTERM with a delivery that outlasts the grace period: it is aborted and handed back, and goes out at once from the next worker", async () => {
    const hook = await register(receiver.url("/handed-back"), "/handed-back");
    await only(hook.id);
    await worker.stop();
    // A long timeout (8 s, so a 21 s lease): the 5 s grace runs out first.
    const patient = await startTestWorker(stack.superuserUrl, { ...workerEnv(), WEBHOOK_TIMEOUT_MS: "8000" });
    let release: () => void = () => {};
    receiver.plan("/handed-back", { hold: new Promise<void>((resolve) => (release = resolve)) }, "ok");
    await applyOnce();
    const [first] = await receiver.waitFor("/handed-back", 1);
    const stoppedAt = Date.now();
    await patient.stop();
    expect(await patient.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    release();
    worker = await startTestWorker(stack.superuserUrl, workerEnv());
    const got = await receiver.waitFor("/handed-back", 2, 10_000);
    // Well before the 21 s lease would have ended: it was handed back.
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(got[1]!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]!);
    const delivered = await settled(hook.id, "succeeded");
    // The aborted attempt is not counted: the delivery went out on its first recorded attempt.
    expect((await deliveryDetail(hook.id, delivered.id)).attempts.map((a: { attempt_number: number }) => a.attempt_number)).toEqual([1]);
  });

  test("several at once deliver each delivery exactly once", async () => {
    const hook = await register(receiver.url("/many"), "/many");
    await only(hook.id);
    const more = [await startTestWorker(stack.superuserUrl, workerEnv()), await startTestWorker(stack.superuserUrl, workerEnv())];
    try {
      const count = 24;
      for (let i = 0; i < count; i++) await applyOnce();
      const got = await receiver.waitFor("/many", count, 30_000);
      await Bun.sleep(500);
      const ids = receiver.to("/many").map((delivery) => delivery.headers["webhook-id"]);
      expect(ids.length).toBe(count);
      expect(new Set(ids).size).toBe(count);
      expect(got.every((delivery) => delivery.verified)).toBe(true);
    } finally {
      for (const extra of more) await extra.stop();
    }
  });
});
