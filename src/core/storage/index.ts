// The storage interface and its two implementations. The processes that store or
// delete files (facade, edge functions, worker, local stack) read their configuration
// and call createStorage.
import { type BunnyStorageOptions, createBunnyStorage } from "./bunny.ts";
import { createLocalStorage, type LocalStorageOptions } from "./local.ts";
import type { FileStorage } from "./types.ts";

export type StorageConfig = ({ kind: "bunny" } & BunnyStorageOptions) | ({ kind: "local" } & LocalStorageOptions);

export function createStorage(config: StorageConfig): FileStorage {
  return config.kind === "bunny" ? createBunnyStorage(config) : createLocalStorage(config);
}

export {
  BUNNY_STORAGE_HOSTS,
  type BunnyStorageOptions,
  type BunnyStorageRegion,
  createBunnyStorage,
  DEFAULT_BUNNY_TIMEOUT_MS,
  parseBunnyStorageRegion,
  sha256HexUpper,
} from "./bunny.ts";
export { assertStorageKey, isValidStorageKey, MAX_KEY_LENGTH, storageKeyProblem, storagePath } from "./keys.ts";
export { createLocalStorage, type LocalStorageOptions, localFilePath } from "./local.ts";
export {
  DEFAULT_SIGNED_URL_SECONDS,
  type FileStorage,
  type SignedUrlOptions,
  StorageError,
  type StorageErrorKind,
  type StorageOperation,
} from "./types.ts";
