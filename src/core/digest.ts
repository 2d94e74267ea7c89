// SHA-256 digests: of API tokens (what api_tokens.token_hash stores) and of uploads
// (Bunny's Checksum header).
//
// Runtime-neutral (Bun and Deno): crypto.subtle only.

/** SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** sha256 of the whole token string (UTF-8), as stored in api_tokens.token_hash. */
export async function apiTokenDigest(token: string): Promise<Uint8Array<ArrayBuffer>> {
  return sha256(new TextEncoder().encode(token));
}
