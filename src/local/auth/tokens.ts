// Access tokens as Supabase Auth makes them, and the checks it runs on the bearer
// tokens it receives (internal/tokens/service.go, internal/api/auth.go).
import { compactVerify, decodeProtectedHeader, errors as joseErrors, importJWK, SignJWT, type JWK } from "jose";
import { forbidden } from "./errors.ts";
import { importSigningKey, publicJwkOf, type SigningJwk } from "./keys.ts";
import type { GoTrueUserJson, SessionRow } from "./store.ts";

/** The claims GoTrue puts in an access token, in its order. */
export interface IssuedClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  email: string;
  phone: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  role: string;
  aal: string;
  amr: { method: string; timestamp: number }[];
  session_id: string;
  is_anonymous: boolean;
}

/** What a verified bearer token says (any JWT the project's keys signed, users' or API keys'). */
export interface BearerClaims {
  sub?: unknown;
  role?: unknown;
  aud?: unknown;
  session_id?: unknown;
  is_anonymous?: unknown;
  [claim: string]: unknown;
}

export interface TokenServiceOptions {
  issuer: string;
  signingKey: SigningJwk;
  legacyJwtSecret: string;
  expirySeconds: number;
}

export interface TokenService {
  /** The public JWKS GoTrue serves at /.well-known/jwks.json. */
  readonly jwks: { keys: JWK[] };
  issueAccessToken(user: GoTrueUserJson, session: SessionRow): Promise<{ accessToken: string; expiresAt: number }>;
  /** GoTrue's parseJWTClaims: 403 bad_jwt for anything its keys did not sign or that has expired. */
  verifyBearer(token: string): Promise<BearerClaims>;
}

export async function createTokenService(options: TokenServiceOptions): Promise<TokenService> {
  const privateKey = await importSigningKey(options.signingKey);
  const publicKey = await importJWK(publicJwkOf(options.signingKey), "ES256");
  const legacySecret = new TextEncoder().encode(options.legacyJwtSecret);

  async function issueAccessToken(user: GoTrueUserJson, session: SessionRow) {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + options.expirySeconds;
    const claims: IssuedClaims = {
      iss: options.issuer,
      sub: user.id,
      aud: user.aud,
      exp: expiresAt,
      iat: issuedAt,
      email: user.email,
      phone: user.phone,
      app_metadata: user.app_metadata,
      user_metadata: user.user_metadata,
      role: user.role,
      aal: session.aal ?? "aal1",
      // Every session here starts with a password (sign-up or sign-in); GoTrue records
      // that in auth.mfa_amr_claims, which our local auth schema does not have.
      amr: [{ method: "password", timestamp: session.created_at_epoch }],
      session_id: session.id,
      is_anonymous: user.is_anonymous,
    };
    const accessToken = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "ES256", kid: options.signingKey.kid, typ: "JWT" })
      .sign(privateKey);
    return { accessToken, expiresAt };
  }

  async function verifyBearer(token: string): Promise<BearerClaims> {
    const refuse = (detail: string) => forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${detail}`);
    let header;
    try {
      if (token.split(".").length !== 3) throw new Error("token contains an invalid number of segments");
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw refuse(`token is malformed: ${error instanceof Error ? error.message : "could not decode"}`);
    }
    // GoTrue's valid methods are its keys' algorithms: the ES256 signing key and the legacy HS256 secret.
    if (header.alg !== "ES256" && header.alg !== "HS256") throw refuse(`token signature is invalid: signing method ${String(header.alg)} is invalid`);
    let key: CryptoKey | Uint8Array;
    if (header.kid === options.signingKey.kid) key = publicKey as CryptoKey;
    else if (header.alg === "HS256") key = legacySecret;
    else throw refuse(`token is unverifiable: error while executing keyfunc: unrecognized JWT kid ${String(header.kid)} for algorithm ${header.alg}`);
    // The signing key's kid presented with HS256 is the classic confusion: refused, as Go's types refuse it.
    if (key !== legacySecret && header.alg !== "ES256") throw refuse("token signature is invalid: key is of invalid type");

    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, key, { algorithms: [header.alg] }));
    } catch (error) {
      const detail = error instanceof joseErrors.JWSSignatureVerificationFailed ? "signature is invalid" : "token could not be verified";
      throw refuse(`token signature is invalid: ${detail}`);
    }
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      throw refuse("token is malformed: could not JSON decode claim");
    }
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw refuse("token is malformed: could not JSON decode claim");
    const { exp, nbf } = claims as BearerClaims;
    const now = Date.now() / 1000;
    if (typeof exp === "number" && exp <= now) throw refuse("token has invalid claims: token is expired");
    if (typeof nbf === "number" && nbf > now) throw refuse("token has invalid claims: token is not valid yet");
    return claims as BearerClaims;
  }

  return { jwks: { keys: [publicJwkOf(options.signingKey)] }, issueAccessToken, verifyBearer };
}
