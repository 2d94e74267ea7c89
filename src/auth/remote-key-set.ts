// The project's published signing keys (JWKS), fetched over HTTP and cached.
//
// Keys are looked up by kid. A kid we have never seen triggers one refetch (the project
// may have rotated its key), but at most one per cooldown window: otherwise anyone
// could make us hammer the JWKS endpoint by sending tokens with random kids. Concurrent
// lookups share one fetch. Only asymmetric public keys are taken from the set (EC P-256
// for ES256, RSA for RS256): a symmetric key in a JWKS would let its readers forge tokens.
import { importJWK, type JWK } from "jose";

export type AsymmetricAlgorithm = "ES256" | "RS256";

export interface PublishedKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  /** The imported public key (imported once, on first use). */
  key(): Promise<CryptoKey>;
}

export interface RemoteKeySetOptions {
  url: URL;
  fetch?: typeof fetch;
  /** How long a fetched set is trusted before it is fetched again (10 min, as supabase-js). */
  maxAgeMs?: number;
  /** Least time between two fetches caused by unknown kids or failures (30 s, as jose). */
  refetchCooldownMs?: number;
  timeoutMs?: number;
  now: () => number;
}

type UnavailableError = (message: string, cause?: unknown) => Error;

export class RemoteKeySet {
  private keys = new Map<string, PublishedKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly options: RemoteKeySetOptions,
    private readonly unavailable: UnavailableError,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.cooldownMs = options.refetchCooldownMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The published key with this kid, or undefined when the project does not publish it. */
  async find(kid: string): Promise<PublishedKey | undefined> {
    const now = this.options.now();
    const fresh = now - this.fetchedAt < this.maxAgeMs;
    if (!fresh) {
      await this.refresh(now);
    } else if (!this.keys.has(kid) && now - this.lastAttemptAt >= this.cooldownMs) {
      await this.refresh(now);
    }
    return this.keys.get(kid);
  }

  private async refresh(now: number): Promise<void> {
    if (this.inflight) return this.inflight;
    if (now - this.lastAttemptAt < this.cooldownMs && now - this.fetchedAt >= this.maxAgeMs) {
      // The last attempt failed moments ago and nothing fresh is cached: don't retry yet.
      throw this.unavailable("The project's JWKS could not be fetched recently; not retrying yet");
    }
    this.lastAttemptAt = now;
    this.inflight = this.load()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = this.options.now();
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<Map<string, PublishedKey>> {
    const fetcher = this.options.fetch ?? fetch;
    let body: unknown;
    try {
      const response = await fetcher(this.options.url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      throw this.unavailable(`The project's JWKS could not be fetched: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    const entries = typeof body === "object" && body !== null ? (body as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(entries)) throw this.unavailable("The project's JWKS is not a JSON Web Key Set");

    const keys = new Map<string, PublishedKey>();
    for (const entry of entries) {
      const published = publishedKey(entry);
      if (published) keys.set(published.kid, published);
    }
    return keys;
  }
}

/** A verification key from one JWKS entry, or undefined for entries we must not use. */
function publishedKey(entry: unknown): PublishedKey | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const jwk = entry as JWK;
  if (typeof jwk.kid !== "string" || jwk.kid === "") return undefined;
  if (jwk.use !== undefined && jwk.use !== "sig") return undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) return undefined;

  // Only the public members are imported, so a JWKS that leaks a private part still
  // yields a verify-only key.
  let alg: AsymmetricAlgorithm;
  let publicJwk: JWK;
  if (jwk.kty === "EC" && jwk.crv === "P-256" && typeof jwk.x === "string" && typeof jwk.y === "string") {
    alg = "ES256";
    publicJwk = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
  } else if (jwk.kty === "RSA" && typeof jwk.n === "string" && typeof jwk.e === "string") {
    alg = "RS256";
    publicJwk = { kty: "RSA", n: jwk.n, e: jwk.e };
  } else {
    return undefined;
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) return undefined;

  let imported: Promise<CryptoKey> | undefined;
  return {
    kid: jwk.kid,
    alg,
    key: () => {
      imported ??= importJWK(publicJwk, alg) as Promise<CryptoKey>;
      return imported;
    },
  };
}
