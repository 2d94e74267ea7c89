// The local Supabase Auth stand-in (development tool) and the local project's keys.
export { createAuthStandIn, type AuthStandIn, type AuthStandInOptions } from "./stand-in.ts";
export {
  createProjectApiKeys,
  generateSigningKey,
  importSigningKey,
  loadOrCreateSigningKey,
  publicJwkOf,
  supabaseCliJwtSecret,
  type ProjectApiKeys,
  type SigningJwk,
} from "./keys.ts";
