// Bunny Edge Storage for uploads and deletes, Bunny token authentication for downloads.
//
//   PUT    https://{regionHost}/{storageZone}/{folder}/{key}   AccessKey, Checksum -> 201
//   DELETE https://{regionHost}/{storageZone}/{folder}/{key}   AccessKey           -> 200 (404: already gone)
//   signed https://{zone}.b-cdn.net/{folder}/{key}?token=HS256-...&expires=...
//
// Runtime-neutral (Bun and Deno): fetch, AbortSignal.timeout, crypto.subtle.
import { sha256 } from "../digest.ts";
import { hexEncode } from "../encoding.ts";
import { signedCdnUrls } from "./cdn-urls.ts";
import { assertStorageKey, normalizeStorageFolder, storagePath } from "./keys.ts";
import { type FileStorage, StorageError, type StorageOperation } from "./types.ts";

/** Storage API host per primary storage region (Frankfurt is Bunny's default). */
export const BUNNY_STORAGE_HOSTS = {
  de: "storage.bunnycdn.com",
  uk: "uk.storage.bunnycdn.com",
  ny: "ny.storage.bunnycdn.com",
  la: "la.storage.bunnycdn.com",
  sg: "sg.storage.bunnycdn.com",
  se: "se.storage.bunnycdn.com",
  br: "br.storage.bunnycdn.com",
  jh: "jh.storage.bunnycdn.com",
  syd: "syd.storage.bunnycdn.com",
} as const;

export type BunnyStorageRegion = keyof typeof BUNNY_STORAGE_HOSTS;

export const DEFAULT_BUNNY_TIMEOUT_MS = 30_000;

export interface BunnyStorageOptions {
  /** Storage zone name (the first segment of every Storage API path). */
  storageZone: string;
  /** The storage zone's password (FTP & API access), not the account API key. */
  accessKey: string;
  /** Primary region of the zone; default `de` (Frankfurt, storage.bunnycdn.com). */
  region?: BunnyStorageRegion;
  /** Replaces `https://{regionHost}`, e.g. a stand-in server in tests. */
  storageApiUrl?: string;
  /** Folder inside the zone the keys live under (`pdfs`). */
  folder: string;
  /** The pull zone in front of the storage zone, e.g. `https://letsmakecv.b-cdn.net`. */
  pullZoneUrl: string;
  /** The pull zone's URL Token Authentication Key. */
  securityKey: string;
  /** Per request, including reading the answer; default 30 s. */
  timeoutMs?: number;
}

/** Reads a region setting such as `BUNNY_STORAGE_REGION=UK`; empty means Frankfurt. */
export function parseBunnyStorageRegion(value: string | undefined): BunnyStorageRegion {
  const region = (value ?? "").trim().toLowerCase();
  if (region === "" || region === "falkenstein" || region === "frankfurt") return "de";
  if (region in BUNNY_STORAGE_HOSTS) return region as BunnyStorageRegion;
  throw new TypeError(
    `Unknown Bunny storage region ${JSON.stringify(value)}; expected one of ${Object.keys(BUNNY_STORAGE_HOSTS).join(", ")}.`,
  );
}

export function createBunnyStorage(options: BunnyStorageOptions): FileStorage {
  for (const name of ["storageZone", "accessKey", "pullZoneUrl", "securityKey"] as const) {
    if (!options[name]) throw new TypeError(`Bunny storage needs ${name}.`);
  }
  if (!/^[A-Za-z0-9-]+$/.test(options.storageZone)) throw new TypeError("storageZone is not a Bunny zone name.");
  const folder = normalizeStorageFolder(options.folder);
  const apiBase = trimSlashes(options.storageApiUrl ?? `https://${BUNNY_STORAGE_HOSTS[options.region ?? "de"]}`);
  const pullZoneUrl = trimSlashes(options.pullZoneUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_BUNNY_TIMEOUT_MS;

  const objectUrl = (key: string) => `${apiBase}/${options.storageZone}${storagePath(folder, key)}`;

  async function send(operation: StorageOperation, key: string, init: RequestInit): Promise<StorageAnswer> {
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(objectUrl(key), { ...init, signal });
    } catch (error) {
      throw transportError(operation, key, signal, error, timeoutMs);
    }
    try {
      // Read the (small JSON) answer under the same deadline; it also frees the connection.
      return { status: response.status, body: await response.text() };
    } catch (error) {
      throw transportError(operation, key, signal, error, timeoutMs);
    }
  }

  return {
    kind: "bunny",

    async put(key, bytes, contentType) {
      assertStorageKey(key, "put");
      const answer = await send("put", key, {
        method: "PUT",
        headers: {
          AccessKey: options.accessKey,
          // Bunny refuses the upload when the bytes it received hash differently.
          Checksum: await sha256HexUpper(bytes),
          "Content-Type": contentType,
        },
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      if (answer.status === 201) return;
      throw statusError("put", key, answer);
    },

    async delete(key) {
      assertStorageKey(key, "delete");
      const answer = await send("delete", key, { method: "DELETE", headers: { AccessKey: options.accessKey } });
      if ((answer.status >= 200 && answer.status < 300) || answer.status === 404) return;
      throw statusError("delete", key, answer);
    },

    ...signedCdnUrls({ baseUrl: pullZoneUrl, folder, securityKey: options.securityKey }),
  };
}

interface StorageAnswer {
  status: number;
  body: string;
}

/** The Checksum header Bunny checks an upload against: SHA-256 of the body, hex, upper-case. */
export async function sha256HexUpper(bytes: Uint8Array): Promise<string> {
  return hexEncode(await sha256(bytes)).toUpperCase();
}

function transportError(
  operation: StorageOperation,
  key: string,
  signal: AbortSignal,
  error: unknown,
  timeoutMs: number,
): StorageError {
  if (signal.aborted) {
    return new StorageError("timeout", operation, `Bunny storage did not answer ${operation} ${key} within ${timeoutMs} ms.`, undefined, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError("network", operation, `Bunny storage could not be reached for ${operation} ${key}: ${detail}`, undefined, {
    cause: error,
  });
}

function statusError(operation: StorageOperation, key: string, answer: StorageAnswer): StorageError {
  const detail = answer.body.slice(0, 300);
  const status = answer.status;
  const where = `Bunny storage answered ${status} to ${operation} ${key}`;
  if (status === 401 || status === 403) {
    return new StorageError("unauthorized", operation, `${where}: check the storage zone password (AccessKey).`, status);
  }
  if (status >= 500) return new StorageError("server", operation, `${where}: ${detail}`, status);
  return new StorageError("rejected", operation, `${where}: ${detail}`, status);
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}
