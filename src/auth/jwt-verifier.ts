// Verifies Supabase access tokens for the facade and the edge functions.
//
// Supabase Auth signs access tokens with the project's asymmetric signing key (ES256,
// or RS256 when the project chose an RSA key), named by `kid` and published at
// `/auth/v1/.well-known/jwks.json`. Projects that have not migrated still sign with the
// legacy HS256 JWT secret, so that secret is accepted as a fallback, for HS256 only.
// Everything else is refused: `alg: none`, other algorithms, a symmetric key smuggled
// in through the JWKS, and the classic confusion of an HS256 token "signed" with the
// public key (HS256 is only ever checked against the legacy secret).
//
// The signature is checked before any claim, so an unsigned token never learns which of
// its claims we disliked. Runtime-neutral: Web APIs and jose only.
import { compactVerify, decodeProtectedHeader, errors as joseErrors, type ProtectedHeaderParameters } from "jose";
import { UUID_PATTERN } from "../core/validation.ts";
import type { AccessTokenClaims } from "../db/client.ts";
import { RemoteKeySet, type RemoteKeySetOptions } from "./remote-key-set.ts";

/** Why a token was refused: stable, machine-readable, safe to log and to show. */
export type InvalidTokenReason =
  /** Not a compact JWS with a JSON header and a JSON object payload. */
  | "malformed"
  /** `none`, an algorithm we do not accept, HS256 without a configured legacy secret, or a key of another algorithm. */
  | "algorithm_not_allowed"
  /** No `kid`, or a `kid` the project's JWKS does not hold even after a refetch. */
  | "unknown_key"
  | "bad_signature"
  | "expired"
  /** `nbf` or `iat` in the future beyond the clock tolerance. */
  | "not_yet_valid"
  /** `exp` missing, or a time claim that is not a number. */
  | "invalid_claims"
  | "wrong_audience"
  | "wrong_issuer"
  /** A valid JWT of a role that is not a user (the anon key, the service_role key). */
  | "role_not_allowed"
  /** `sub` missing or not a uuid. */
  | "invalid_subject";

/** The caller presented a token we refuse: answer 401 with `WWW-Authenticate: Bearer`. */
export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
  constructor(
    readonly reason: InvalidTokenReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * We could not check the token because the project's JWKS could not be fetched (and no
 * fresh copy is cached). Not the caller's fault: answer 503, not 401.
 */
export class JwksUnavailableError extends Error {
  override readonly name = "JwksUnavailableError";
}

export interface JwtVerifierOptions {
  /** The project's `.../auth/v1/.well-known/jwks.json`. */
  jwksUrl: string | URL;
  /** The project's legacy HS256 JWT secret; without it HS256 tokens are refused. */
  legacyJwtSecret?: string;
  /** Required `aud`; Supabase user tokens carry "authenticated". */
  audience?: string;
  /**
   * The `iss` a token must carry: the project's Auth URL ("https://<ref>.supabase.co/auth/v1",
   * authIssuers in src/core/settings.ts), or a list of those accepted. Required: a token
   * of another issuer (another project sharing a legacy secret, a key reused elsewhere)
   * is refused even when its signature verifies.
   */
  issuer: string | readonly string[];
  /** Roles accepted; the anon and service_role keys are valid JWTs but not user tokens. */
  allowedRoles?: readonly string[];
  /**
   * Clock skew allowed on exp, nbf and iat. 30 s, as PostgREST allows, so a token the
   * database would accept is not refused by the facade a moment earlier.
   */
  clockToleranceSeconds?: number;
  fetch?: typeof fetch;
  /** How long a fetched JWKS is trusted (Supabase serves it with max-age=600). */
  jwksMaxAgeMs?: number;
  /** Least time between two JWKS fetches triggered by unknown kids. */
  jwksRefetchCooldownMs?: number;
  /** A JWKS fetch slower than this fails rather than hanging the request. */
  jwksTimeoutMs?: number;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}

export interface JwtVerifier {
  /** The token's claims if Supabase Auth issued it to a user and it is still valid; throws InvalidTokenError otherwise. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
}

// Larger than any Supabase token with generous metadata; bounds the work spent on junk.
const maxTokenLength = 16 * 1024;
const compactJwsPattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const now = options.now ?? (() => Date.now());
  const audience = options.audience ?? "authenticated";
  const allowedRoles = options.allowedRoles ?? ["authenticated"];
  const issuers: readonly string[] = typeof options.issuer === "string" ? [options.issuer] : options.issuer;
  if (issuers.length === 0 || issuers.some((issuer) => typeof issuer !== "string" || issuer === "")) {
    throw new Error("createJwtVerifier needs the issuer (iss) of the project's tokens");
  }
  const toleranceSeconds = options.clockToleranceSeconds ?? 30;
  const legacySecret = options.legacyJwtSecret ? new TextEncoder().encode(options.legacyJwtSecret) : undefined;
  const keySetOptions: RemoteKeySetOptions = {
    url: new URL(options.jwksUrl),
    fetch: options.fetch,
    maxAgeMs: options.jwksMaxAgeMs,
    refetchCooldownMs: options.jwksRefetchCooldownMs,
    timeoutMs: options.jwksTimeoutMs,
    now,
  };
  const keySet = new RemoteKeySet(keySetOptions, (message, cause) => new JwksUnavailableError(message, { cause }));

  async function verificationKey(header: ProtectedHeaderParameters): Promise<{ key: CryptoKey | Uint8Array; alg: string }> {
    const alg = header.alg;
    if (alg === "HS256") {
      if (!legacySecret) throw new InvalidTokenError("algorithm_not_allowed", "HS256 tokens are not accepted: no legacy JWT secret is configured");
      return { key: legacySecret, alg };
    }
    if (alg !== "ES256" && alg !== "RS256") {
      throw new InvalidTokenError("algorithm_not_allowed", `Algorithm ${describe(alg)} is not accepted`);
    }
    if (typeof header.kid !== "string" || header.kid === "") {
      throw new InvalidTokenError("unknown_key", `An ${alg} token must name its signing key (kid)`);
    }
    const published = await keySet.find(header.kid);
    if (!published) throw new InvalidTokenError("unknown_key", "The token's signing key is not in the project's JWKS");
    // A kid of an ES256 key presented with alg RS256 (or the reverse) is an attack or a bug.
    if (published.alg !== alg) {
      throw new InvalidTokenError("algorithm_not_allowed", `The token's key is an ${published.alg} key, not ${alg}`);
    }
    try {
      return { key: await published.key(), alg };
    } catch (error) {
      throw new JwksUnavailableError("A key in the project's JWKS could not be imported", { cause: error });
    }
  }

  async function verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    if (typeof token !== "string" || token.length > maxTokenLength || !compactJwsPattern.test(token)) {
      throw new InvalidTokenError("malformed", "The token is not a compact JWS");
    }
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidTokenError("malformed", "The token header is not valid JSON");
    }
    // Unencoded payloads and critical extensions are never part of a Supabase token.
    if ("crit" in header || "b64" in header) {
      throw new InvalidTokenError("malformed", "The token uses JWS extensions that are not accepted");
    }

    const { key, alg } = await verificationKey(header);
    let payloadBytes: Uint8Array;
    try {
      ({ payload: payloadBytes } = await compactVerify(token, key, { algorithms: [alg] }));
    } catch (error) {
      throw fromJoseError(error);
    }

    const claims = parseClaims(payloadBytes);
    checkTimes(claims, now() / 1000, toleranceSeconds);
    if (typeof claims.role !== "string" || !allowedRoles.includes(claims.role)) {
      throw new InvalidTokenError("role_not_allowed", `Tokens of role ${describe(claims.role)} are not accepted here`);
    }
    if (!audienceIncludes(claims.aud, audience)) {
      throw new InvalidTokenError("wrong_audience", `The token is not meant for audience "${audience}"`);
    }
    if (typeof claims.iss !== "string" || !issuers.includes(claims.iss)) {
      throw new InvalidTokenError("wrong_issuer", "The token was issued by someone else");
    }
    if (typeof claims.sub !== "string" || !UUID_PATTERN.test(claims.sub)) {
      throw new InvalidTokenError("invalid_subject", "The token's subject (sub) is not a user id");
    }
    return claims as AccessTokenClaims;
  }

  return { verifyAccessToken };
}

function parseClaims(payload: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new InvalidTokenError("malformed", "The token payload is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidTokenError("malformed", "The token payload is not a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function checkTimes(claims: Record<string, unknown>, nowSeconds: number, tolerance: number): void {
  const { exp, nbf, iat } = claims;
  // Supabase always sets exp; a token without one would be valid forever.
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw new InvalidTokenError("invalid_claims", "The token has no valid expiry (exp)");
  if (nbf !== undefined && (typeof nbf !== "number" || !Number.isFinite(nbf))) throw new InvalidTokenError("invalid_claims", "The token's nbf is not a number");
  if (iat !== undefined && (typeof iat !== "number" || !Number.isFinite(iat))) throw new InvalidTokenError("invalid_claims", "The token's iat is not a number");
  if (exp <= nowSeconds - tolerance) throw new InvalidTokenError("expired", "The token has expired");
  if (typeof nbf === "number" && nbf > nowSeconds + tolerance) throw new InvalidTokenError("not_yet_valid", "The token is not valid yet (nbf)");
  if (typeof iat === "number" && iat > nowSeconds + tolerance) throw new InvalidTokenError("not_yet_valid", "The token was issued in the future (iat)");
}

function audienceIncludes(aud: unknown, expected: string): boolean {
  if (typeof aud === "string") return aud === expected;
  return Array.isArray(aud) && aud.some((entry) => entry === expected);
}

function fromJoseError(error: unknown): InvalidTokenError {
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new InvalidTokenError("bad_signature", "The token's signature does not verify");
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return new InvalidTokenError("algorithm_not_allowed", "The token's algorithm is not accepted");
  }
  if (error instanceof joseErrors.JWSInvalid) return new InvalidTokenError("malformed", "The token is not a valid JWS");
  // Anything else (a key that cannot verify this signature shape, say) is still a refusal.
  return new InvalidTokenError("bad_signature", "The token's signature could not be verified");
}

/** A value from a token, quoted for a message: short, and never more than the caller sent. */
function describe(value: unknown): string {
  if (typeof value !== "string") return value === undefined ? "(none)" : typeof value;
  return JSON.stringify(value.slice(0, 32));
}
