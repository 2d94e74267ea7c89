// Finishing an account erasure, the same for the request that asked for it
// (DELETE /api/v1/me) and for the worker that completes what the request could not:
// delete the auth user through Supabase Auth's admin API, delete the stored files, and
// record each outcome in the database, which completes the erasure (and forgets the
// user id) once nothing is left. Failures are recorded with a backoff; nothing here
// throws for an outside service being down.
//
// Log lines name erasures by their id and files by their random storage key: never a
// user id, an email or an address.
import { AuthApiError, type SupabaseAuthClient } from "../../auth/index.ts";
import { errorFields, type Logger } from "../log.ts";
import { storeOfKey, type ResumeFileStores } from "../resumes/stored-files.ts";
import type { FileStorage } from "../storage/index.ts";
import { retryDelaySeconds, type RetryPolicy } from "../webhooks/retry.ts";
import type { Sql } from "../../db/client.ts";

export interface ErasureDeps extends ResumeFileStores<Pick<FileStorage, "delete">> {
  /** The servers' login role: the erasure functions are granted to it alone. */
  sql: Sql;
  auth: Pick<SupabaseAuthClient, "admin">;
  /** Backoff of failed deletions (full jitter, capped). */
  retry: RetryPolicy;
  log: Logger;
}

/** The erasure retry policy from its base (ERASURE_RETRY_BASE_MS): up to an hour between tries. */
export function erasureRetryPolicy(baseMs: number): RetryPolicy {
  return { baseMs, maxDelayMs: 3_600_000 };
}

/** Why a call failed, in a few words and without the request (URLs, bodies, ids). */
function failureOf(error: unknown): string {
  if (error instanceof AuthApiError) return `Supabase Auth answered ${error.status} ${error.code}`;
  const kind = (error as { kind?: unknown })?.kind;
  const status = (error as { status?: unknown })?.status;
  const name = error instanceof Error ? error.name : "Error";
  return [name, typeof kind === "string" ? kind : undefined, typeof status === "number" ? String(status) : undefined].filter(Boolean).join(" ");
}

/**
 * Deletes the erasure's auth user (a user Supabase Auth no longer has counts as
 * deleted) and records it; returns the erasure's state (pending or completed).
 */
export async function deleteAuthUser(deps: ErasureDeps, erasureId: number, userId: string, attempts: number): Promise<string | null> {
  let failure: string | null = null;
  try {
    await deps.auth.admin.deleteUser(userId);
  } catch (error) {
    if (!(error instanceof AuthApiError && error.status === 404)) {
      failure = failureOf(error);
      deps.log.warn("erasure: could not delete the auth user; the worker tries again", { erasure_id: erasureId, attempts: attempts + 1, failure });
    }
  }
  const retryIn = retryDelaySeconds(deps.retry, attempts + 1);
  const [row] = await deps.sql<{ state: string | null }[]>`
    select private.record_auth_user_deletion(${erasureId}::bigint, ${failure}, ${retryIn}) as state`;
  return row?.state ?? null;
}

export interface FileDeletion {
  storage_key: string;
  attempts: number;
}

/**
 * Deletes queued files, a few at a time, recording each outcome. With stopAtFailure,
 * the first batch with a failure ends it (the storage is down: the rest is left to the
 * worker rather than waiting for every timeout). Returns how many were deleted and failed.
 */
export async function deleteStoredFiles(
  deps: ErasureDeps,
  files: FileDeletion[],
  options: { stopAtFailure?: boolean; concurrency?: number } = {},
): Promise<{ deleted: number; failed: number }> {
  const concurrency = options.concurrency ?? 5;
  let deleted = 0;
  let failed = 0;
  for (let start = 0; start < files.length; start += concurrency) {
    const batch = files.slice(start, start + concurrency);
    const outcomes = await Promise.all(
      batch.map(async (file) => {
        let failure: string | null = null;
        try {
          await storeOfKey(deps, file.storage_key).delete(file.storage_key);
        } catch (error) {
          failure = failureOf(error);
          deps.log.warn("erasure: could not delete a stored file; the worker tries again", {
            key: file.storage_key,
            attempts: file.attempts + 1,
            ...errorFields(error),
            stack: undefined,
          });
        }
        await deps.sql`select private.record_stored_file_deletion(${file.storage_key}, ${failure}, ${retryDelaySeconds(deps.retry, file.attempts + 1)})`;
        return failure === null;
      }),
    );
    deleted += outcomes.filter(Boolean).length;
    failed += outcomes.filter((ok) => !ok).length;
    if (options.stopAtFailure && outcomes.some((ok) => !ok)) break;
  }
  return { deleted, failed };
}

/** Worker: takes due file deletions (SKIP LOCKED, under a lease) and deletes them. */
export async function finishFileDeletions(deps: ErasureDeps, batchSize: number, leaseSeconds: number): Promise<number> {
  const files = await deps.sql<FileDeletion[]>`select * from private.claim_stored_file_deletions(${batchSize}, ${leaseSeconds})`;
  if (files.length === 0) return 0;
  const { deleted, failed } = await deleteStoredFiles(deps, files);
  if (deleted > 0) deps.log.info("erasure: stored files deleted", { deleted, failed });
  return files.length;
}

/** Worker: takes erasures whose auth user is still there and deletes it through Supabase Auth. */
export async function finishAuthUserDeletions(deps: ErasureDeps, batchSize: number, leaseSeconds: number): Promise<number> {
  const due = await deps.sql<{ erasure_id: number; user_id: string; attempts: number }[]>`
    select * from private.claim_auth_user_deletions(${batchSize}, ${leaseSeconds})`;
  for (const erasure of due) {
    const state = await deleteAuthUser(deps, erasure.erasure_id, erasure.user_id, erasure.attempts);
    if (state === "completed") deps.log.info("erasure: completed", { erasure_id: erasure.erasure_id });
  }
  return due.length;
}
