// Unguessable identifiers made here: resume share tokens and storage file names. API
// tokens are made in the database, by private.create_api_token (their digest is
// digest.ts's); how bytes become text is encoding.ts's.
//
// Runtime-neutral (Bun and Deno): only crypto.getRandomValues.
import { base64UrlEncode, hexEncode } from "./encoding.ts";
import { UUID_PATTERN } from "./validation.ts";

/** Bytes of entropy in a share token: base64url of 32 bytes is 43 characters. */
export const PERMANENT_TOKEN_BYTES = 32;

/** What the resumes table accepts (constraint resumes_permanent_token_format). */
export const PERMANENT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
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
