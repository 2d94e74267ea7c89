// The local auth stand-in against the run's migrated database: served on its own over
// real HTTP, with supabase-js clients for it (the stand-in's suites, and src/auth's
// client suite, which needs a real Supabase Auth API to talk to), or answering in this
// process (the in-process facade, tests/support/facade.ts).
import { afterAll, beforeAll, expect } from "bun:test";
import { AuthApiError, createClient, type SupabaseClient } from "@supabase/supabase-js";
import postgres from "postgres";
import {
  createAuthStandIn,
  createProjectApiKeys,
  generateSigningKey,
  supabaseCliJwtSecret,
  type AuthStandIn,
  type AuthStandInOptions,
  type SigningJwk,
} from "../../src/local/auth/index.ts";
import { freePort } from "../../src/local/ports.ts";
import { testPassword } from "./accounts.ts";
import { migratedTestDatabase } from "./database.ts";
import { uniqueEmail } from "./personas.ts";

export interface RunningStandIn {
  /** The project URL supabase-js takes (the stand-in answers under /auth/v1). */
  url: string;
  issuer: string;
  jwksUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  legacyJwtSecret: string;
  signingKey: SigningJwk;
  /** Superuser connection, for reading what the stand-in wrote. */
  sql: postgres.Sql;
  /** What the stand-in logged (database errors behind 500s). */
  logged: string[];
  /** A supabase-js client as a browser would have it (anon key, no storage, no timers). */
  anonClient(): SupabaseClient;
  /** A supabase-js client with the service-role key (admin API). */
  serviceClient(): SupabaseClient;
  stop(): Promise<void>;
}

export type StandInOverrides = Partial<Omit<AuthStandInOptions, "sql" | "issuer" | "signingKey" | "legacyJwtSecret" | "apiKeys">>;

/** A stand-in over the run's database with its keys, answering at `url` once something serves it there. */
export async function testStandIn(url: string, overrides: StandInOverrides = {}) {
  const databaseUrl = await migratedTestDatabase();
  // Room for the concurrency suite's parallel transactions.
  const sql = postgres(databaseUrl, { max: 24, onnotice: () => {} });
  const legacyJwtSecret = supabaseCliJwtSecret;
  const { anonKey, serviceRoleKey } = await createProjectApiKeys(legacyJwtSecret);
  const signingKey = await generateSigningKey();
  const issuer = `${url}/auth/v1`;
  const logged: string[] = [];
  const standIn: AuthStandIn = await createAuthStandIn({
    sql,
    issuer,
    signingKey,
    legacyJwtSecret,
    apiKeys: { anonKey, serviceRoleKey },
    // The minimum bcrypt cost keeps the suites fast; production-like cost is tested on its own.
    bcryptCost: 4,
    log: (message) => logged.push(message),
    ...overrides,
  });
  return { standIn, sql, issuer, legacyJwtSecret, anonKey, serviceRoleKey, signingKey, logged };
}

export async function startAuthStandIn(overrides: StandInOverrides = {}): Promise<RunningStandIn> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { standIn, sql, issuer, legacyJwtSecret, anonKey, serviceRoleKey, signingKey, logged } = await testStandIn(url, overrides);
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch: (request, bunServer) => standIn.handle(request, { clientAddress: bunServer.requestIP(request)?.address }),
  });
  const clientOptions = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };
  return {
    url,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    anonKey,
    serviceRoleKey,
    legacyJwtSecret,
    signingKey,
    sql,
    logged,
    anonClient: () => createClient(url, anonKey, clientOptions),
    serviceClient: () => createClient(url, serviceRoleKey, clientOptions),
    async stop() {
      await server.stop(true);
      await sql.end();
    },
  };
}

/** A stand-in served for one suite: filled in before its first test, stopped after its last. */
export function useAuthStandIn(overrides: StandInOverrides = {}): RunningStandIn {
  const handle = {} as RunningStandIn;
  beforeAll(async () => {
    Object.assign(handle, await startAuthStandIn(overrides));
  });
  // Not a cleanup returned by beforeAll: bun ignores those.
  afterAll(() => handle.stop());
  return handle;
}

/** A candidate signed up through supabase-js: the client (holding the session), the email, the user, the session. */
export async function signUpCandidate(standIn: RunningStandIn, fullName = "Ann Candidate") {
  const client = standIn.anonClient();
  const email = uniqueEmail("candidate");
  const { data, error } = await client.auth.signUp({ email, password: testPassword, options: { data: { full_name: fullName, user_type: "candidate" } } });
  expect(error).toBeNull();
  return { client, email, user: data.user!, session: data.session! };
}

/** auth.users.last_sign_in_at beside profiles.last_login, which our trigger copies it to. */
export async function lastSignIn(standIn: RunningStandIn, userId: string) {
  const [row] = await standIn.sql`
    select u.last_sign_in_at, p.last_login from auth.users u join public.profiles p on p.id = u.id where u.id = ${userId}`;
  return row as { last_sign_in_at: Date; last_login: Date };
}

/** A supabase-js error that must be GoTrue's answer (AuthApiError): its status, code and message. */
export function apiError(error: unknown) {
  expect(error).toBeInstanceOf(AuthApiError);
  const { status, code, message } = error as AuthApiError;
  return { status, code, message };
}
