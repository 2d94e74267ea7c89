// The local project's keys: the API keys (anon, service_role) and the ES256 signing key.
//
// The API keys are HS256 JWTs signed with the legacy JWT secret, exactly as the Supabase
// CLI makes them: with the CLI's default secret they are, byte for byte, the well-known
// demo keys that `supabase start` prints, so code written against `supabase start` runs
// unchanged. The signing key is kept in a git-ignored file so access tokens stay valid
// across restarts; the file holds a JSON array of JWKs, the format of the CLI's
// `supabase gen signing-key` (signing_keys.json), so the same key can serve both stacks.
import fs from "node:fs";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";

/** The Supabase CLI's local legacy JWT secret (supabase/config.toml's default). */
export const supabaseCliJwtSecret = "super-secret-jwt-token-with-at-least-32-characters-long";

// The CLI's demo keys: issuer "supabase-demo", expiring 2032-11-12 (internal/utils/config).
const demoIssuer = "supabase-demo";
const demoExpiry = 1983812996;

export interface ProjectApiKeys {
  /** role anon: what browsers and apps send as `apikey`. */
  anonKey: string;
  /** role service_role: bypasses RLS, admin API. Server-side only. */
  serviceRoleKey: string;
}

export async function createProjectApiKeys(legacyJwtSecret: string): Promise<ProjectApiKeys> {
  const secret = new TextEncoder().encode(legacyJwtSecret);
  // Claim order and header order are part of the bytes: iss, role, exp; alg, typ.
  const sign = (role: string) =>
    new SignJWT({ iss: demoIssuer, role, exp: demoExpiry }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secret);
  return { anonKey: await sign("anon"), serviceRoleKey: await sign("service_role") };
}

/** An ES256 private JWK as Supabase stores signing keys: kid, alg, use, key_ops, d/x/y. */
export interface SigningJwk extends JWK {
  kty: "EC";
  crv: "P-256";
  kid: string;
  alg: "ES256";
  d: string;
  x: string;
  y: string;
}

/** A fresh signing key, in memory (tests). */
export async function generateSigningKey(): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    kty: "EC",
    kid: crypto.randomUUID(),
    use: "sig",
    key_ops: ["sign", "verify"],
    alg: "ES256",
    ext: true,
    d: required(jwk.d),
    crv: "P-256",
    x: required(jwk.x),
    y: required(jwk.y),
  };
}

/**
 * The signing key kept in `filePath` (created, readable by the owner only, when missing).
 * Two processes starting at once end up with the same key: the file is created exclusively.
 */
export async function loadOrCreateSigningKey(filePath: string): Promise<SigningJwk> {
  const existing = readSigningKeyFile(filePath);
  if (existing) return existing;
  const created = await generateSigningKey();
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  try {
    fs.writeFileSync(filePath, `${JSON.stringify([created], null, 2)}\n`, { flag: "wx", mode: 0o600 });
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const winner = readSigningKeyFile(filePath);
    if (!winner) throw new Error(`${filePath} appeared while creating it but holds no ES256 signing key`);
    return winner;
  }
}

function readSigningKeyFile(filePath: string): SigningJwk | undefined {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${filePath} is not JSON; delete it to have a new signing key made`);
  }
  const candidates = Array.isArray(parsed) ? parsed : [parsed];
  const key = candidates.find(isSigningJwk);
  if (!key) throw new Error(`${filePath} holds no ES256 private JWK with a kid; delete it to have a new one made`);
  return { ...key, alg: "ES256" };
}

function isSigningJwk(value: unknown): value is SigningJwk {
  if (typeof value !== "object" || value === null) return false;
  const jwk = value as Partial<SigningJwk>;
  return (
    jwk.kty === "EC" &&
    jwk.crv === "P-256" &&
    (jwk.alg === undefined || jwk.alg === "ES256") &&
    typeof jwk.kid === "string" &&
    jwk.kid !== "" &&
    typeof jwk.d === "string" &&
    typeof jwk.x === "string" &&
    typeof jwk.y === "string"
  );
}

/**
 * The private key for signing with jose. Only the key material is imported: WebCrypto
 * refuses a private EC key whose key_ops include "verify", as stored keys' do.
 */
export async function importSigningKey(key: SigningJwk): Promise<CryptoKey> {
  const { kty, crv, x, y, d } = key;
  return (await importJWK({ kty, crv, x, y, d }, "ES256")) as CryptoKey;
}

/** The public half as GoTrue publishes it in its JWKS: use "sig", key_ops ["verify"]. */
export function publicJwkOf(key: SigningJwk): JWK {
  return { alg: "ES256", crv: "P-256", kid: key.kid, key_ops: ["verify"], kty: "EC", use: "sig", x: key.x, y: key.y };
}

function required(value: string | undefined): string {
  if (!value) throw new Error("exportJWK returned an incomplete EC key");
  return value;
}
