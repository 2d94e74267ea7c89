// Who is calling: one named plugin. A route says `auth: true` and gets `caller` (to run
// its queries under RLS with asCaller) and `userId`; without a valid Supabase access
// token it never runs (401 with WWW-Authenticate: Bearer).
import { Elysia } from "elysia";
import { bearerChallenge, InvalidTokenError, JwksUnavailableError, readBearerToken, type JwtVerifier } from "../../auth/index.ts";
import { serviceUnavailable, unauthorized } from "../../core/errors.ts";
import type { Caller } from "../../db/client.ts";

export type AuthenticatedCaller = Extract<Caller, { role: "authenticated" }>;

/** The verified caller of a request, or an ApiError to answer with. */
export async function authenticate(verifier: JwtVerifier, authorization: string | null): Promise<AuthenticatedCaller> {
  const token = readBearerToken(authorization);
  if (!token) throw unauthorized("Not authenticated", bearerChallenge());
  try {
    const claims = await verifier.verifyAccessToken(token);
    return { role: "authenticated", claims };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized("Could not validate credentials", bearerChallenge(error));
    if (error instanceof JwksUnavailableError) throw serviceUnavailable("Cannot verify tokens right now");
    throw error;
  }
}

export function callerPlugin(verifier: JwtVerifier) {
  return new Elysia({ name: "caller" }).macro({
    auth: {
      async resolve({ request }) {
        const caller = await authenticate(verifier, request.headers.get("authorization"));
        return { caller, userId: caller.claims.sub };
      },
    },
  });
}
