// The two ends of bearer authentication over HTTP (RFC 6750) that both faces need:
// reading the token from the Authorization header, and the challenge sent with a 401.
import type { InvalidTokenError } from "./jwt-verifier.ts";

// Same rule as Supabase Auth: the scheme in any case, one space, one token, nothing after.
const bearerPattern = /^bearer (\S+)$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function readBearerToken(authorization: string | null | undefined): string | undefined {
  return authorization ? bearerPattern.exec(authorization)?.[1] : undefined;
}

/**
 * The `WWW-Authenticate` value for a 401: bare `Bearer` when no token came, else
 * `error="invalid_token"` with the reason (never the token or a secret).
 */
export function bearerChallenge(error?: InvalidTokenError): string {
  if (!error) return "Bearer";
  // Quoted-string content: drop quotes, backslashes and control characters.
  const description = error.message.replace(/["\\\u0000-\u001f\u007f]/g, "");
  return `Bearer error="invalid_token", error_description="${description}"`;
}
