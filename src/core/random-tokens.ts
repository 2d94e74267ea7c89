// Unguessable identifiers (resume share tokens, storage file names), the digest API
// tokens are checked by, and a constant-time comparison. API tokens themselves are
// made in the database, by private.create_api_token.
//
// Runtime-neutral (Bun and Deno): only crypto.getRandomValues and crypto.subtle.

/** Bytes of entropy in a share token: base64url of 32 bytes is 43 characters. */
export const PERMANENT_TOKEN_BYTES = 32;

/** What the resumes table accepts (constraint resumes_permanent_token_format). */
export const PERMANENT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** base64url without padding (RFC 4648 section 5). */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function hexEncode(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** The secret of a share link https://previewcv.com/r/{token}. */
export function newPermanentToken(): string {
  return base64UrlEncode(randomBytes(PERMANENT_TOKEN_BYTES));
}

export function isPermanentToken(value: string): boolean {
  return PERMANENT_TOKEN_PATTERN.test(value);
}

/**
 * Storage key of a new upload: `{32 hex chars}.pdf`, 128 random bits in lower-case hex,
 * so it is unguessable and still unique on case-insensitive disks (local storage on
 * macOS). No user id in it: the key is part of every signed URL the public fetch hands
 * out. Who owns the file is the resume row's user_id (the resumes table checks the key's
 * format, constraint resumes_pdf_filename_format).
 */
export function newStorageFileName(): string {
  return `${hexEncode(randomBytes(16))}.pdf`;
}

/** sha256 of the whole token string (UTF-8), as stored in api_tokens.token_hash. */
export async function apiTokenDigest(token: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

/**
 * Equality whose running time depends only on the lengths, not on where the inputs
 * differ, so a remote caller cannot find a secret byte by byte from response times.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  }
  return difference === 0;
}
