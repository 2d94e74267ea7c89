// Authentication shared by the facade and the edge functions (runtime-neutral).
export {
  createJwtVerifier,
  InvalidTokenError,
  JwksUnavailableError,
  type InvalidTokenReason,
  type JwtVerifier,
  type JwtVerifierOptions,
} from "./jwt-verifier.ts";
export { createProjectJwtVerifier, type ProjectVerifierSettings } from "./project-verifier.ts";
export { bearerChallenge, readBearerToken } from "./bearer.ts";
export {
  AuthApiError,
  AuthUnavailableError,
  authErrorFromResponse,
  createSupabaseAuthClient,
  type AdminUserAttributes,
  type AuthIdentity,
  type AuthSession,
  type AuthUser,
  type OnBehalfOf,
  type SignOutScope,
  type SignUpResult,
  type SupabaseAuthClient,
  type SupabaseAuthClientOptions,
} from "./supabase-auth-client.ts";
export { authenticate, authenticateIfPresent } from "./authenticate.ts";
