// Cleanup of stored files no row points to: an upload whose row could not be written,
// or a PUT that failed after its bytes may have landed.
import { errorFields } from "../log.ts";
import type { ResumeDeps } from "./deps.ts";

type CleanupDeps = Pick<ResumeDeps, "storage" | "log" | "background">;

const CLEANUP_RETRY_DELAYS_MS = [2_000, 10_000, 60_000];

/**
 * Deletes a stored file that no row points to. One attempt now; if the storage fails,
 * a few more in the background, and an error log naming the key if all of them fail
 * (an orphan to delete by hand; it is unreachable without a row anyway: no signed URL
 * is ever made for it).
 */
export async function removeOrphan(deps: CleanupDeps, key: string, why: string): Promise<void> {
  try {
    await deps.storage.delete(key);
    deps.log.info("removed a stored file no row points to", { key, why });
  } catch (error) {
    deps.log.warn("could not remove a stored file no row points to; retrying in the background", { key, why, ...errorFields(error) });
    runInBackground(deps, retryRemoval(deps, key, why));
  }
}

async function retryRemoval(deps: CleanupDeps, key: string, why: string): Promise<void> {
  let lastError: unknown;
  for (const delayMs of CLEANUP_RETRY_DELAYS_MS) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await deps.storage.delete(key);
      deps.log.info("removed a stored file no row points to", { key, why, retried: true });
      return;
    } catch (error) {
      lastError = error;
    }
  }
  deps.log.error("ORPHANED FILE: a stored file no row points to could not be removed; delete it by hand", { key, why, ...errorFields(lastError) });
}

/** Hands work to the face's background runner, never letting a rejection go unhandled. */
export function runInBackground(deps: Pick<ResumeDeps, "log" | "background">, work: Promise<unknown>): void {
  const guarded = work.catch((error) => deps.log.error("background work failed", errorFields(error)));
  if (deps.background) deps.background(guarded);
}
