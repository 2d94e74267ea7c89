// Who is calling, for both faces (the facade's caller plugin and the edge functions):
// the verified claims of the request's Supabase access token, or the ApiError to
// answer with (401 with WWW-Authenticate: Bearer; 503 when the JWKS is unreachable).
import { serviceUnavailable, unauthorized } from "../core/errors.ts";
import { anonymous, type Caller, type SignedInCaller } from "../db/client.ts";
import { bearerChallenge, readBearerToken } from "./bearer.ts";
import { InvalidTokenError, JwksUnavailableError, type JwtVerifier } from "./jwt-verifier.ts";

export async function authenticate(verifier: JwtVerifier, authorization: string | null): Promise<SignedInCaller> {
  const token = readBearerToken(authorization);
  if (!token) throw unauthorized("Not authenticated", bearerChallenge());
  try {
    return { role: "authenticated", claims: await verifier.verifyAccessToken(token) };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized("Could not validate credentials", bearerChallenge(error));
    if (error instanceof JwksUnavailableError) throw serviceUnavailable("Cannot verify tokens right now");
    throw error;
  }
}

/** For a read anyone may make: anon without an Authorization header; a header that is sent must hold a valid token. */
export async function authenticateIfPresent(verifier: JwtVerifier, authorization: string | null): Promise<Caller> {
  return authorization ? authenticate(verifier, authorization) : anonymous;
}
