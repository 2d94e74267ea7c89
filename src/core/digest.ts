// SHA-256 digests: of API tokens (what api_tokens.token_hash stores) and of uploads
// (Bunny's Checksum header).
//
// node:crypto's createHash, which Bun and Deno both provide (node: specifiers): it
// hashes on the calling thread, in place, where crypto.subtle.digest copies its input
// and hands the work to another thread (a thread hop on every public fetch, and a second
// copy of every uploaded PDF).
import { createHash } from "node:crypto";

/** SHA-256 of `bytes` (read in place, never copied). */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** sha256 of the whole token string (UTF-8), as stored in api_tokens.token_hash. */
export async function apiTokenDigest(token: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(createHash("sha256").update(token, "utf8").digest());
}
