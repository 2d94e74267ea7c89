// The verifier of the project's user tokens, built the same way by both faces (the
// facade's server.ts and each edge function) from the settings they read: the JWKS at
// SUPABASE_URL/auth/v1/.well-known/jwks.json, the legacy HS256 secret as fallback, and
// the issuer Supabase Auth writes into every token (authIssuers).
import { authIssuers, type Settings } from "../core/settings.ts";
import { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from "./jwt-verifier.ts";

export type ProjectVerifierSettings = Pick<Settings, "SUPABASE_URL" | "SUPABASE_JWT_SECRET" | "AUTH_JWT_ISSUER">;

export function createProjectJwtVerifier(
  settings: ProjectVerifierSettings,
  options: Omit<Partial<JwtVerifierOptions>, "jwksUrl" | "legacyJwtSecret" | "issuer"> = {},
): JwtVerifier {
  return createJwtVerifier({
    ...options,
    jwksUrl: new URL("/auth/v1/.well-known/jwks.json", settings.SUPABASE_URL),
    legacyJwtSecret: settings.SUPABASE_JWT_SECRET,
    issuer: authIssuers(settings),
  });
}
