// The storage resume PDFs and their thumbnails live in, as the rest of the code sees it.
// Two implementations: `bunny` (Bunny Edge Storage + signed pull-zone URLs) and `local`
// (files on disk, served by the local stack with the same signing scheme).

/** How long a signed URL works unless the caller says otherwise (the seed's one hour). */
export const DEFAULT_SIGNED_URL_SECONDS = 3600;

export interface SignedUrlOptions {
  /** Lifetime of the URL in seconds; default 3600. */
  expiresInSeconds?: number;
}

export interface FileStorage {
  readonly kind: "bunny" | "local";
  /** Stores `bytes` under `key` (`{random}.pdf`), replacing any file there. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Removes the file; a file that is already gone is not an error. */
  delete(key: string): Promise<void>;
  /** A URL that downloads the file until it expires. */
  signedUrl(key: string, options?: SignedUrlOptions): Promise<string>;
  /** The unsigned URL (what resumes.pdf_url records); it does not download by itself. */
  publicUrl(key: string): string;
}

export type StorageErrorKind =
  /** The key is not a safe relative path; refused before any I/O. */
  | "invalid-key"
  /** The storage refused our credentials (Bunny answered 401). */
  | "unauthorized"
  /** The storage failed (5xx). Retrying later may work. */
  | "server"
  /** No answer within the timeout. */
  | "timeout"
  /** The connection failed (DNS, refused, reset). */
  | "network"
  /** The storage refused the request for another reason (4xx, e.g. a checksum mismatch). */
  | "rejected"
  /** Reading or writing the local disk failed. */
  | "io";

export type StorageOperation = "put" | "delete" | "sign" | "read";

export class StorageError extends Error {
  override readonly name = "StorageError";

  constructor(
    readonly kind: StorageErrorKind,
    readonly operation: StorageOperation,
    message: string,
    /** HTTP status from the storage, when it answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when trying again later may succeed (the caller decides whether to). */
  get retryable(): boolean {
    return this.kind === "server" || this.kind === "timeout" || this.kind === "network";
  }
}

export function signedUrlLifetime(options: SignedUrlOptions | undefined): number {
  const seconds = options?.expiresInSeconds ?? DEFAULT_SIGNED_URL_SECONDS;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new TypeError("expiresInSeconds must be a positive whole number of seconds");
  }
  return seconds;
}
