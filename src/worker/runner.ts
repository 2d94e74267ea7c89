// The worker: a stateless process that takes its work from Postgres. Two loops:
//
//   * the database tasks (tasks.ts), round after round: each call takes its rows with
//     FOR UPDATE SKIP LOCKED inside one transaction; a full batch means "more waiting",
//     so the next round starts at once; otherwise the loop sleeps WORKER_POLL_INTERVAL_MS;
//   * webhook deliveries: up to WORKER_CONCURRENCY in flight, each claimed under a lease
//     (private.worker_claim_webhook_deliveries), attempted (deliver.ts), recorded
//     (private.worker_record_webhook_attempt). A worker killed mid-delivery loses nothing:
//     the lease ends and another worker (or this one, restarted) delivers it again, with
//     the same webhook-id.
//
// A database that goes away (a restart, a failover) costs a warning and a pause: the
// pool reconnects and the loops go on. stop() (SIGTERM): no new work is taken, the
// deliveries in flight get a grace period to finish and be recorded, the rest are
// aborted and their leases handed back, then the loops end.
import type { Logger } from "../core/log.ts";
import { errorFields } from "../core/log.ts";
import type { DestinationPolicy } from "../core/webhooks/destination.ts";
import { retryDelaySeconds, type RetryPolicy } from "../core/webhooks/retry.ts";
import { openSecret, type SecretKeyring } from "../core/webhooks/secrets.ts";
import type { Sql } from "../db/client.ts";
import { attemptDelivery, type AttemptResult } from "./deliver.ts";
import type { WorkerTask } from "./tasks.ts";

export interface WorkerOptions {
  sql: Sql;
  log: Logger;
  keyring: SecretKeyring;
  tasks: WorkerTask[];
  policy: DestinationPolicy;
  retry: RetryPolicy;
  timeoutMs: number;
  retryWindowSeconds: number;
  concurrency: number;
  pollIntervalMs: number;
  batchSize?: number;
}

export interface RunningWorker {
  /** Stops taking work, lets deliveries in flight finish for up to graceMs, hands back the rest. */
  stop(graceMs?: number): Promise<void>;
  /** Settles when both loops have ended. */
  done: Promise<void>;
}

interface Claimed {
  delivery_id: number;
  lease_token: string;
  webhook_id: string;
  attempt_number: number;
  payload: unknown;
  endpoint_id: number;
  user_id: string;
  url: string;
  secret_ciphertext: Uint8Array;
  secret_key_id: string;
  previous_secret_ciphertext: Uint8Array | null;
  previous_secret_key_id: string | null;
}

/** A pause that ends early when woken; once halted, it no longer pauses at all. */
function sleeper() {
  let wake: () => void = () => {};
  let halted = false;
  return {
    sleep(ms: number) {
      if (halted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = () => {};
          resolve();
        }
        wake = done;
      });
    },
    wake: () => wake(),
    halt() {
      halted = true;
      wake();
    },
  };
}

export function startWorker(options: WorkerOptions): RunningWorker {
  const { sql, log } = options;
  const batchSize = options.batchSize ?? 100;
  // Long enough for DNS and the request (both under timeoutMs) and the recording after.
  const leaseSeconds = Math.ceil((2 * options.timeoutMs) / 1000) + 5;
  let stopping = false;
  const stopController = new AbortController();
  const taskPause = sleeper();
  const deliveryPause = sleeper();
  const inFlight = new Map<string, Promise<void>>();
  const lastRun = new Map<string, number>();

  /** A database that does not answer: wait longer each time, up to 10 s. */
  let databaseFailures = 0;
  const databaseDown = async (what: string, error: unknown, pause: ReturnType<typeof sleeper>) => {
    databaseFailures++;
    const waitMs = Math.min(10_000, 250 * 2 ** Math.min(databaseFailures, 6));
    log.warn(`worker: ${what} failed; trying again`, { wait_ms: waitMs, ...errorFields(error), stack: undefined });
    await pause.sleep(waitMs);
  };

  async function taskLoop(): Promise<void> {
    while (!stopping) {
      let more = false;
      try {
        for (const task of options.tasks) {
          if (stopping) break;
          const now = Date.now();
          if (task.everyMs && now - (lastRun.get(task.name) ?? 0) < task.everyMs) continue;
          lastRun.set(task.name, now);
          const size = task.batchSize ?? batchSize;
          const done = await task.run(sql, size);
          if (done > 0 && task.makesDeliveries) deliveryPause.wake();
          // A full batch: more is waiting (a task that runs at most every so often waits its turn).
          if (done >= size && !task.everyMs) more = true;
        }
        databaseFailures = 0;
      } catch (error) {
        await databaseDown("a database task", error, taskPause);
        continue;
      }
      if (!more && !stopping) await taskPause.sleep(options.pollIntervalMs);
    }
  }

  async function deliveryLoop(): Promise<void> {
    while (!stopping) {
      const free = options.concurrency - inFlight.size;
      if (free <= 0) {
        await Promise.race([...inFlight.values(), deliveryPause.sleep(options.pollIntervalMs)]);
        continue;
      }
      let claimed: Claimed[];
      try {
        claimed = await sql<Claimed[]>`select * from private.worker_claim_webhook_deliveries(${free}, ${leaseSeconds})`;
        databaseFailures = 0;
      } catch (error) {
        await databaseDown("claiming deliveries", error, deliveryPause);
        continue;
      }
      if (stopping) {
        await release(claimed.map((row) => row.lease_token));
        break;
      }
      for (const row of claimed) {
        const running = deliver(row).finally(() => {
          inFlight.delete(row.lease_token);
          deliveryPause.wake();
        });
        inFlight.set(row.lease_token, running);
      }
      if (claimed.length === 0) await deliveryPause.sleep(options.pollIntervalMs);
    }
  }

  async function deliver(row: Claimed): Promise<void> {
    let result: AttemptResult;
    try {
      const secrets = [await openSecret(options.keyring, row.user_id, { ciphertext: new Uint8Array(row.secret_ciphertext), keyId: row.secret_key_id })];
      if (row.previous_secret_ciphertext && row.previous_secret_key_id) {
        secrets.push(await openSecret(options.keyring, row.user_id, { ciphertext: new Uint8Array(row.previous_secret_ciphertext), keyId: row.previous_secret_key_id }));
      }
      result = await attemptDelivery(
        { url: row.url, webhookId: row.webhook_id, payload: row.payload, secrets },
        { policy: options.policy, timeoutMs: options.timeoutMs, signal: stopController.signal },
      );
    } catch (error) {
      log.error("worker: could not open an endpoint's secret", { delivery_id: row.delivery_id, endpoint_id: row.endpoint_id, error: (error as Error).message });
      result = { outcome: "retry", statusCode: null, error: "the endpoint's secret could not be opened (server key missing)", durationMs: 0, responseBody: null };
    }
    if (stopController.signal.aborted && result.error === "the worker stopped during the attempt") {
      await release([row.lease_token]);
      return;
    }
    const retryIn = retryDelaySeconds(options.retry, row.attempt_number, result.retryAfterSeconds);
    // The attempt happened: record it even if the database is away for a moment (until
    // the lease ends; after that the delivery goes out again, same webhook-id).
    const recordBy = Date.now() + leaseSeconds * 1000;
    for (let wait = 200; ; wait = Math.min(wait * 2, 5000)) {
      try {
        const [recorded] = await sql<{ status: string | null }[]>`
          select private.worker_record_webhook_attempt(
            ${row.delivery_id}, ${row.lease_token}, ${row.attempt_number}, ${result.outcome}, ${result.statusCode}, ${result.error},
            ${result.durationMs}, ${result.responseBody}, ${retryIn}, ${options.retryWindowSeconds}) as status`;
        log.debug("worker: delivery attempt", {
          delivery_id: row.delivery_id,
          endpoint_id: row.endpoint_id,
          attempt: row.attempt_number,
          status_code: result.statusCode,
          outcome: result.outcome,
          now: recorded?.status,
          duration_ms: result.durationMs,
        });
        return;
      } catch (error) {
        if (Date.now() + wait > recordBy) {
          log.warn("worker: could not record a delivery attempt; it will be delivered again", { delivery_id: row.delivery_id, ...errorFields(error), stack: undefined });
          return;
        }
        if (stopping) {
          // Stopping: no more waiting for the database; the lease brings it back.
          log.warn("worker: stopping before a delivery attempt could be recorded; it will be delivered again", { delivery_id: row.delivery_id });
          return;
        }
        await Bun.sleep(wait);
      }
    }
  }

  async function release(tokens: string[]): Promise<void> {
    if (tokens.length === 0) return;
    try {
      await sql`select private.worker_release_webhook_deliveries(${tokens}::uuid[])`;
    } catch (error) {
      // Not handed back: due again when their leases end.
      log.warn("worker: could not hand back claimed deliveries", { count: tokens.length, ...errorFields(error), stack: undefined });
    }
  }

  const done = Promise.all([taskLoop(), deliveryLoop()]).then(() => {});

  return {
    done,
    async stop(graceMs = 5_000) {
      if (stopping) return done.then(async () => {});
      stopping = true;
      taskPause.halt();
      deliveryPause.halt();
      const finished = Promise.all(inFlight.values()).then(() => true);
      const inTime = await Promise.race([finished, Bun.sleep(graceMs).then(() => false)]);
      if (!inTime) {
        // Abort what is still running: each one hands its lease back.
        stopController.abort(new Error("worker stopping"));
        await finished;
      }
      await done;
    },
  };
}
