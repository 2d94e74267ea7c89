// Files on disk, for the local stack and tests: `{rootDir}/{folder}/{key}`, downloadable
// from the local server at `{baseUrl}/{folder}/{key}?token=...&expires=...`, signed with
// the Bunny scheme so the code paths and URLs look like production. The signature path
// is the path after `baseUrl`, exactly as on a pull zone. Serving the files is the local
// stack's (src/local/storage/file-server.ts); this side only writes and deletes them.
//
// Uses node:fs/promises and node:path, which Bun and Deno both provide.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { hexEncode } from "../encoding.ts";
import { randomBytes } from "../random-tokens.ts";
import { signedCdnUrls } from "./cdn-urls.ts";
import { assertStorageKey, normalizeStorageFolder, storageKeyProblem, storagePath } from "./keys.ts";
import { type FileStorage, StorageError, type StorageOperation } from "./types.ts";

export interface LocalStorageOptions {
  /** Directory the files live under (the local stack passes `.local/storage`). */
  rootDir: string;
  /** Folder under the root the keys live in (`pdfs`), as on Bunny. */
  folder: string;
  /** Where the local server serves rootDir, e.g. `http://127.0.0.1:54321/storage/v1/cdn`. */
  baseUrl: string;
  /** Signs the URLs; the local server verifies with the same key. */
  securityKey: string;
}

export function createLocalStorage(options: LocalStorageOptions): FileStorage {
  if (!options.rootDir) throw new TypeError("Local storage needs rootDir.");
  if (!options.securityKey) throw new TypeError("Local storage needs securityKey.");
  const rootDir = path.resolve(options.rootDir);
  const folder = normalizeStorageFolder(options.folder);
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  new URL(baseUrl); // fail at start-up, not at the first signed URL

  const fileOf = (key: string, operation: StorageOperation): string => {
    assertStorageKey(key, operation);
    return localFilePath(rootDir, storagePath(folder, key).slice(1));
  };

  return {
    kind: "local",

    async put(key, bytes) {
      const file = fileOf(key, "put");
      // Write beside the target and rename, so a reader never sees half a file. The
      // temporary name starts with a dot, which no valid key (so no URL) can name.
      const temporary = path.join(path.dirname(file), `.upload-${hexEncode(randomBytes(8))}.tmp`);
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(temporary, bytes);
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => {});
        throw ioError("put", key, error);
      }
    },

    async delete(key) {
      const file = fileOf(key, "delete");
      try {
        await rm(file, { force: true });
      } catch (error) {
        throw ioError("delete", key, error);
      }
    },

    ...signedCdnUrls({ baseUrl: baseUrl, folder, securityKey: options.securityKey }),
  };
}

/**
 * The file for `relativePath` (`pdfs/{random}.pdf`) under `rootDir`, or a
 * StorageError("invalid-key") when the path is not a safe relative path. Checked twice:
 * by the key rules, then by resolving and confirming the result is still under the root.
 * The one rule for where a key lives on disk: the writer here and the local stack's file
 * server both ask it.
 */
export function localFilePath(rootDir: string, relativePath: string): string {
  const problem = storageKeyProblem(relativePath);
  if (problem) throw new StorageError("invalid-key", "read", `Invalid storage path: ${problem}.`);
  const root = path.resolve(rootDir);
  const file = path.resolve(root, ...relativePath.split("/"));
  if (!file.startsWith(root + path.sep)) {
    throw new StorageError("invalid-key", "read", "Invalid storage path: it leaves the storage root.");
  }
  return file;
}

function ioError(operation: StorageOperation, key: string, error: unknown): StorageError {
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError("io", operation, `Local storage could not ${operation} ${key}: ${detail}`, undefined, {
    cause: error,
  });
}
