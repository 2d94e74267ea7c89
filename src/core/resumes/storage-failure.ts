// How a failed storage call reaches the client, for both faces.
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
