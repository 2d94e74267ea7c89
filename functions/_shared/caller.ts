// Who is calling an edge function: the function verifies the Supabase access token
// itself (the project's JWKS, the legacy HS256 secret as fallback), whatever the
// gateway's verify_jwt did or did not check. Same answers as the facade's caller plugin.
import { bearerChallenge, InvalidTokenError, JwksUnavailableError, readBearerToken, type JwtVerifier } from "../../src/auth/index.ts";
import { serviceUnavailable, unauthorized } from "../../src/core/errors.ts";
import type { SignedInCaller } from "../../src/core/resumes/types.ts";

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
