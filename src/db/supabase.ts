// Typed supabase-js clients: the one place frontends and servers get a Supabase client.
//
// `Database` comes from database.types.ts, generated from supabase/migrations by
// scripts/gen-types.ts (npm run gen:types). Read rows as `Tables<'resumes'>`, write them
// as `TablesInsert<'resumes'>` / `TablesUpdate<'resumes'>`, name enum values as
// `Enums<'user_type'>`: these helpers are the generator's own, re-exported here.
//
// Runtime-neutral: browsers and Bun load it, and Deno would too (no edge function imports
// it today, so functions/deno.json, generated from what the functions import, has no
// entry for @supabase/supabase-js).
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "./database.types.ts";

export type { CompositeTypes, Database, Enums, Json, Tables, TablesInsert, TablesUpdate } from "./database.types.ts";
/** Enum values as arrays, e.g. `Constants.public.Enums.user_type` (for select boxes, zod enums). */
export { Constants } from "./database.types.ts";

export type TypedSupabaseClient = SupabaseClient<Database>;

export interface ClientOptions {
  /** A fetch to use instead of the global one (tests, instrumentation). */
  fetch?: typeof fetch;
}

/**
 * A client that acts as a user, under row-level security: the anon key identifies the
 * project, the user's access token (or the anon role, without one) decides what rows
 * are visible.
 *
 * - Without `accessToken` (frontends): the client keeps its own session, so
 *   `auth.signInWithPassword()` / `auth.signUp()` sign in and later queries carry the
 *   user's token, refreshed automatically.
 * - With `accessToken` (servers acting for a caller whose token they already have):
 *   every request carries that token; nothing is stored or refreshed, so use one
 *   client per request. Check the user with `auth.getUser(accessToken)`.
 */
export function createUserClient(url: string, anonKey: string, accessToken?: string, options: ClientOptions = {}): TypedSupabaseClient {
  if (accessToken === undefined) {
    return createClient<Database>(url, anonKey, { global: { fetch: options.fetch } });
  }
  if (accessToken.trim() === "") throw new TypeError("createUserClient: accessToken is empty; omit it to act as anon.");
  return createClient<Database>(url, anonKey, {
    global: { fetch: options.fetch, headers: { Authorization: `Bearer ${accessToken}` } },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

/**
 * The admin client: the service-role key, which BYPASSES ROW-LEVEL SECURITY and can
 * read and change every row and every user (`auth.admin.*`). Server-side only, and
 * rarely: for work no user may do through the API (creating users from an admin
 * tool, maintenance jobs). Each call site says why it needs it. Never ship the key
 * to a browser; ordinary requests use `createUserClient` with the caller's token.
 */
export function createAdminClient(url: string, serviceRoleKey: string, options: ClientOptions = {}): TypedSupabaseClient {
  if (typeof (globalThis as { document?: unknown }).document !== "undefined") {
    throw new Error("createAdminClient: the service-role key must never be used in a browser.");
  }
  return createClient<Database>(url, serviceRoleKey, {
    global: { fetch: options.fetch },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}
