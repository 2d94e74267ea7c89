// Storage keys are relative paths we build ourselves (`{random}.pdf`, `{random}.png`;
// uploads before 2026-12 have `{userId}/{name}.pdf`), but they end up in URLs and on
// disk, so every one is checked before any I/O: a path smuggled into a key (`../`, an
// absolute path, a backslash, an encoded character) is refused.
import { StorageError, type StorageOperation } from "./types.ts";

/** resumes.pdf_filename is varchar(500). */
export const MAX_KEY_LENGTH = 500;
const MAX_SEGMENT_LENGTH = 255;
// No leading dot: rules out `.`, `..` and hidden files (the local store's temp files).
const SEGMENT_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The reason `key` is not a safe storage key, or undefined when it is. */
export function storageKeyProblem(key: unknown): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "the key is empty";
  if (key.length > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith("/")) return "the key is an absolute path";
  if (key.includes("\\")) return "the key contains a backslash";
  for (const segment of key.split("/")) {
    if (segment.length === 0) return "the key has an empty path segment";
    if (segment === "." || segment === "..") return "the key contains a dot segment";
    if (segment.length > MAX_SEGMENT_LENGTH) return "a segment of the key is too long";
    if (!SEGMENT_PATTERN.test(segment)) {
      return "the key may only contain letters, digits, '-', '_', '.' (not first) and '/' between segments";
    }
  }
  return undefined;
}

export function isValidStorageKey(key: unknown): key is string {
  return storageKeyProblem(key) === undefined;
}

/** Throws StorageError("invalid-key") unless `key` is safe. */
export function assertStorageKey(key: unknown, operation: StorageOperation): asserts key is string {
  const problem = storageKeyProblem(key);
  if (problem) throw new StorageError("invalid-key", operation, `Invalid storage key: ${problem}.`);
}

/** The configured folder (`pdfs`): same rules as a key, or empty for the zone's root. */
export function normalizeStorageFolder(folder: string): string {
  const trimmed = folder.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return "";
  const problem = storageKeyProblem(trimmed);
  if (problem) throw new TypeError(`Invalid storage folder ${JSON.stringify(folder)}: ${problem}.`);
  return trimmed;
}

/** `/{folder}/{key}`: the path under the zone, the pull zone and the local server alike. */
export function storagePath(folder: string, key: string): string {
  return folder ? `/${folder}/${key}` : `/${key}`;
}
