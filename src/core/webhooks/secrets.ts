// Webhook signing secrets: made here, shown to their owner once, and stored only
// sealed with AES-256-GCM (WebCrypto) under one of the servers' keys, so a dump of the
// database alone does not yield them.
//
// The keys come from WEBHOOK_SECRET_KEYS: `id:base64` entries of 32 random bytes,
// comma-separated, the first one current. Rotation: put a new key first and keep the
// old ones after it; new secrets are sealed with the new key, the worker re-seals the
// old rows (private.worker_webhook_secrets_to_rewrap), and an old key can go once no
// row names it (select count(*) from public.webhook_endpoints where secret_key_id = 'old').
//
// Each sealed secret is bound to its owner (the AES-GCM additional data), so a sealed
// value copied onto another user's row does not open.
//
// Runtime-neutral: crypto.subtle and crypto.getRandomValues only.

/** Standard Webhooks: symmetric secrets are 24 to 64 random bytes, base64, prefixed whsec_. */
const SECRET_BYTES = 32;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export interface SecretKeyring {
  /** The key new secrets are sealed with. */
  currentKeyId: string;
  keys: ReadonlyMap<string, CryptoKey>;
}

export interface SealedSecret {
  ciphertext: Uint8Array<ArrayBuffer>;
  keyId: string;
}

/** A new signing secret in Standard Webhooks' form: whsec_ + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** The problems of a WEBHOOK_SECRET_KEYS value (empty when it is well-formed). */
export function secretKeysProblems(value: string): string[] {
  const entries = value.split(",").map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) return ["Needs at least one key: id:base64 of 32 random bytes (e.g. from `openssl rand -base64 32`)"];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const [id, key, ...rest] = entry.split(":");
    if (!id || !KEY_ID.test(id) || key === undefined || rest.length > 0) {
      problems.push("Each key is id:base64, the id of letters, digits, _ or - (at most 32)");
      continue;
    }
    if (seen.has(id)) problems.push(`Key id ${id} is listed twice`);
    seen.add(id);
    if (decodeBase64(key)?.length !== KEY_BYTES) problems.push(`Key ${id} must be the base64 of exactly ${KEY_BYTES} bytes`);
  }
  return problems;
}

/** The keyring of a WEBHOOK_SECRET_KEYS value (checked by the settings first). */
export async function loadKeyring(value: string): Promise<SecretKeyring> {
  const problems = secretKeysProblems(value);
  if (problems.length) throw new Error(`WEBHOOK_SECRET_KEYS: ${problems.join("; ")}`);
  const keys = new Map<string, CryptoKey>();
  let currentKeyId: string | undefined;
  for (const entry of value.split(",").map((item) => item.trim()).filter(Boolean)) {
    const [id, key] = entry.split(":") as [string, string];
    keys.set(id, await crypto.subtle.importKey("raw", decodeBase64(key)!, "AES-GCM", false, ["encrypt", "decrypt"]));
    currentKeyId ??= id;
  }
  return { currentKeyId: currentKeyId!, keys };
}

/** Seals `secret` for `ownerId` under the current key: IV, then ciphertext and tag. */
export async function sealSecret(keyring: SecretKeyring, ownerId: string, secret: string): Promise<SealedSecret> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ownerBinding(ownerId) }, keyring.keys.get(keyring.currentKeyId)!, new TextEncoder().encode(secret)),
  );
  const ciphertext = new Uint8Array(IV_BYTES + sealed.length);
  ciphertext.set(iv);
  ciphertext.set(sealed, IV_BYTES);
  return { ciphertext, keyId: keyring.currentKeyId };
}

/** Opens a sealed secret; throws when the key is unknown or the value was not sealed for this owner. */
export async function openSecret(keyring: SecretKeyring, ownerId: string, sealed: SealedSecret): Promise<string> {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new Error(`No key ${sealed.keyId} in WEBHOOK_SECRET_KEYS to open a webhook secret with`);
  const bytes = sealed.ciphertext;
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: ownerBinding(ownerId) },
    key,
    bytes.slice(IV_BYTES),
  );
  return new TextDecoder().decode(plain);
}

function ownerBinding(ownerId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`previewcv:webhook-secret:v1:${ownerId}`);
}

function decodeBase64(value: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(value), (character) => character.charCodeAt(0));
  } catch {
    return undefined;
  }
}
