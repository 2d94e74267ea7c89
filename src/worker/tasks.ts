// The worker's database tasks: each one call of a private function (migration
// 20261202000400) that takes at most `batchSize` rows with FOR UPDATE SKIP LOCKED, does
// its work in one transaction and says how many it did. Any number of workers may run
// them at once. A new task (e.g. data retention) is a function there and a line here.
import type { SupabaseAuthClient } from "../auth/index.ts";
import type { Logger } from "../core/log.ts";
import { erasureRetryPolicy, finishAuthUserDeletions, finishFileDeletions } from "../core/privacy/erasure.ts";
import type { FileStorage } from "../core/storage/index.ts";
import type { SecretKeyring } from "../core/webhooks/secrets.ts";
import { openSecret, sealSecret } from "../core/webhooks/secrets.ts";
import type { Sql } from "../db/client.ts";

export interface WorkerTask {
  name: string;
  /** Runs once; returns how many rows it handled (a full batch means: run again at once). */
  run(sql: Sql, batchSize: number): Promise<number>;
  /** At most this often (default: every round). */
  everyMs?: number;
  /** Rows per call (default: the worker's batch size). */
  batchSize?: number;
  /** Deliveries may be waiting after it did something: wake the delivery loop. */
  makesDeliveries?: boolean;
}

async function count(query: Promise<readonly { done: number }[]>): Promise<number> {
  const [row] = await query;
  return Number(row?.done ?? 0);
}

export const databaseTasks: WorkerTask[] = [
  {
    name: "tell events",
    makesDeliveries: true,
    run: (sql, n) => count(sql<{ done: number }[]>`select private.worker_fan_out_events(${n}) as done`),
  },
  {
    // Views come by the thousand a second on a busy day and are told at most hourly:
    // folded once a second in large batches, a popular resume costs one batch row
    // update per second instead of one per view.
    name: "batch resume views",
    makesDeliveries: true,
    everyMs: 1000,
    batchSize: 10_000,
    run: (sql, n) => count(sql<{ done: number }[]>`select private.worker_batch_resume_views(${n}) as done`),
  },
  {
    // A person's view is logged and counted by the public fetch; whether it was the
    // visitor's first of the UTC day or a repeat is told here, a batch at a time, off the
    // fetch's path (the keyed hash under the day's key). Every round, so within a second.
    name: "classify resume views",
    batchSize: 5000,
    run: (sql, n) => count(sql<{ done: number }[]>`select private.worker_classify_resume_views(${n}) as done`),
  },
  {
    // Share links that require a viewer's email keep it with the view for a retention
    // window only (private.viewer_email_retention()).
    name: "forget viewer emails",
    everyMs: 60_000,
    run: (sql, n) => count(sql<{ done: number }[]>`select private.worker_forget_viewer_emails(${n}) as done`),
  },
  {
    name: "announce expired postings",
    makesDeliveries: true,
    run: (sql, n) => count(sql<{ done: number }[]>`select private.worker_emit_expired_postings(${n}) as done`),
  },
];

interface SealedRow {
  endpoint_id: number;
  user_id: string;
  secret_ciphertext: Uint8Array;
  secret_key_id: string;
  previous_secret_ciphertext: Uint8Array | null;
  previous_secret_key_id: string | null;
}

/** Re-seals secrets still under an older server key with the current one (WEBHOOK_SECRET_KEYS rotation). */
export function rewrapSecretsTask(keyring: SecretKeyring): WorkerTask {
  return {
    name: "re-seal webhook secrets",
    everyMs: 60_000,
    async run(sql, n) {
      const rows = await sql<SealedRow[]>`select * from private.worker_webhook_secrets_to_rewrap(${keyring.currentKeyId}, ${n})`;
      let done = 0;
      for (const row of rows) {
        const reseal = async (ciphertext: Uint8Array | null, keyId: string | null) => {
          if (!ciphertext || !keyId) return null;
          const secret = await openSecret(keyring, row.user_id, { ciphertext: new Uint8Array(ciphertext), keyId });
          return (await sealSecret(keyring, row.user_id, secret)).ciphertext;
        };
        try {
          const current = await reseal(row.secret_ciphertext, row.secret_key_id);
          const previous = await reseal(row.previous_secret_ciphertext, row.previous_secret_key_id);
          await sql`select private.worker_rewrap_webhook_secret(${row.endpoint_id}, ${row.secret_key_id}, ${current}, ${row.previous_secret_key_id}, ${previous}, ${keyring.currentKeyId})`;
          done++;
        } catch {
          // A key no longer configured: the row stays as it is (and its deliveries fail to sign, visibly).
        }
      }
      return done;
    },
  };
}

/**
 * Finishing account erasures (migration 20261203300200): the stored files and the
 * Supabase Auth users the request that erased them could not delete (the storage or
 * Auth was down). Each is taken under a lease (SKIP LOCKED) and retried with backoff
 * until it is gone; the erasure completes, and forgets the user id, when the last is.
 */
export function erasureTasks(options: {
  storage: Pick<FileStorage, "delete">;
  thumbnails: Pick<FileStorage, "delete">;
  auth: Pick<SupabaseAuthClient, "admin">;
  log: Logger;
  retryBaseMs: number;
  /** Long enough for one storage call and its recording (twice the storage timeout). */
  leaseSeconds: number;
}): WorkerTask[] {
  const deps = (sql: Sql) => ({ sql, storage: options.storage, thumbnails: options.thumbnails, auth: options.auth, log: options.log, retry: erasureRetryPolicy(options.retryBaseMs) });
  return [
    { name: "delete erased accounts' files", everyMs: 1000, batchSize: 20, run: (sql, n) => finishFileDeletions(deps(sql), n, options.leaseSeconds) },
    { name: "delete erased accounts' auth users", everyMs: 1000, batchSize: 20, run: (sql, n) => finishAuthUserDeletions(deps(sql), n, options.leaseSeconds) },
  ];
}

/**
 * Retention (migration 20261203300300): viewers' IPs, User-Agents and Referers cut
 * after their window, finished webhook deliveries and read notifications deleted after
 * theirs, stale rate-limit counters and job-viewer hashes dropped. Every minute, in
 * batches.
 */
export function retentionTask(windows: { ipDays: number; deliveryDays: number; readNotificationDays: number }): WorkerTask {
  return {
    name: "apply retention",
    everyMs: 60_000,
    batchSize: 5000,
    run: (sql, n) =>
      count(sql<{ done: number }[]>`
        select private.worker_apply_retention(${n}, ${windows.ipDays}, ${windows.deliveryDays}, ${windows.readNotificationDays}) as done`),
  };
}
