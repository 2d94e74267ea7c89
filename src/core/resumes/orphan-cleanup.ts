// How a storage failure reaches the client, and cleanup of files no row points to.
import { badGateway, serviceUnavailable } from "../errors.ts";
import { errorFields } from "../log.ts";
import { StorageError } from "../storage/index.ts";
import type { ResumeDeps } from "./deps.ts";

/**
 * A storage failure as the client should see it: 503 (with Retry-After) when trying
 * again may work (5xx, timeout, network, local disk), 502 when the storage refused us
 * (wrong AccessKey, checksum): our configuration, not the client. A bad key is a bug
 * and stays a 500.
 */
export function storageFailure(error: unknown, doing: "upload" | "delete", deps: Pick<ResumeDeps, "log">): unknown {
  if (!(error instanceof StorageError) || error.kind === "invalid-key") return error;
  deps.log.error(`storage ${doing} failed`, { kind: error.kind, status: error.status, ...errorFields(error) });
  if (error.retryable || error.kind === "io") {
    return serviceUnavailable(`File storage is unavailable, the ${doing} did not happen; please try again`);
  }
  return badGateway(`File storage refused the ${doing}`);
}

/** True when a failed PUT may still have left the file behind (it reached the storage, or might have). */
export function putMayHaveStored(error: unknown): boolean {
  return error instanceof StorageError && error.retryable;
}

const CLEANUP_RETRY_DELAYS_MS = [2_000, 10_000, 60_000];

/**
 * Deletes a stored file that no row points to. One attempt now; if the storage fails,
 * a few more in the background, and an error log naming the key if all of them fail
 * (an orphan to delete by hand; it is unreachable without a row anyway: no signed URL
 * is ever made for it).
 */
export async function removeOrphan(deps: ResumeDeps, key: string, why: string): Promise<void> {
  try {
    await deps.storage.delete(key);
    deps.log.info("removed a stored file no row points to", { key, why });
  } catch (error) {
    deps.log.warn("could not remove a stored file no row points to; retrying in the background", { key, why, ...errorFields(error) });
    runInBackground(deps, retryRemoval(deps, key, why));
  }
}

async function retryRemoval(deps: ResumeDeps, key: string, why: string): Promise<void> {
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
export function runInBackground(deps: ResumeDeps, work: Promise<unknown>): void {
  const guarded = work.catch((error) => deps.log.error("background work failed", errorFields(error)));
  if (deps.background) deps.background(guarded);
}
