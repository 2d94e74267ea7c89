// The worker keeps going when its database goes away and comes back (a restart, a
// failover): on a PostgreSQL of its own, killed under the running worker and started
// again on the same data, the worker delivers what was queued before and after.
import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { loadKeyring, sealSecret } from "../../src/core/webhooks/secrets.ts";
import { prepareDatabase } from "../../src/local/database.ts";
import { dataDirInUse, startPostgres, type RunningPostgres } from "../../src/local/postgres.ts";
import { localWebhookSecretKeys } from "../../src/local/stack.ts";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../../src/local/throwaway-postgres.ts";
import { createTestUser } from "../support/personas.ts";
import { eventually, startReceiver, startTestWorker, type Receiver, type TestWorker } from "../support/webhooks.ts";

let server: ThrowawayPostgres;
let restarted: RunningPostgres | undefined;
let receiver: Receiver;
let worker: TestWorker | undefined;

beforeAll(async () => {
  server = await startThrowawayPostgres({ label: "worker-restart" });
  await prepareDatabase(server.url);
  receiver = await startReceiver();
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.stop();
  await restarted?.stop();
  await server?.stop();
});

async function queueDelivery(url: string, path: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const user = await createTestUser(sql, { userType: "recruiter" });
    const secret = `whsec_${btoa("restart test secret, long enough")}`;
    const sealed = await sealSecret(await loadKeyring(localWebhookSecretKeys), user.id, secret);
    const [endpoint] = await sql`
      insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
      values (${user.id}, ${receiver.url(path)}, '{application.created}', ${sealed.ciphertext}, ${sealed.keyId}) returning id`;
    await sql`
      insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload)
      values (${endpoint!.id}, ${user.id}, 'application.created', '{"type":"application.created","timestamp":"2026-12-02T00:00:00.000000Z","data":{}}')`;
    receiver.setSecret(path, secret);
  } finally {
    await sql.end();
  }
}

test("PostgreSQL killed and started again under a running worker: it reconnects and delivers what comes after", async () => {
  worker = await startTestWorker(server.url);
  await queueDelivery(server.url, "/before");
  await receiver.waitFor("/before", 1);

  process.kill(dataDirInUse(server.dataDir)!, "SIGKILL");
  await server.exited;
  const ready = () => fetch(`${worker!.url}/ready`).then((response) => response.status, () => 0);
  expect(await eventually(async () => ((await ready()) === 503 ? 503 : undefined), 10_000, "the worker to report the database gone")).toBe(503);
  await Bun.sleep(1000); // a few failed rounds

  restarted = await startPostgres({ dataDir: server.dataDir, port: server.port });
  await queueDelivery(server.url, "/after");
  const [after] = await receiver.waitFor("/after", 1, 30_000);
  expect(after!.verified).toBeDefined();
  expect(await eventually(async () => ((await ready()) === 200 ? 200 : undefined), 10_000, "the worker to report ready again")).toBe(200);
  expect(worker.output.join("\n")).toContain("trying again");
}, 90_000);
