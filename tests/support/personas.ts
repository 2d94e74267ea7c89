// Test users, created the way Supabase Auth creates them (a row in auth.users, which
// fires our profile triggers, and a signed-in session in auth.sessions), and the JWT
// claims PostgREST would set for them. The claims name a real session: the database
// refuses a token whose session does not exist (private.caller_may_act).
import type { Sql } from "postgres";
import type { AccessTokenClaims, Caller } from "../../src/db/client.ts";

export interface TestUser {
  id: string;
  email: string;
  claims: AccessTokenClaims;
  caller: Caller;
}

export interface NewTestUser {
  email?: string;
  userType?: "candidate" | "recruiter";
  fullName?: string;
  /** Extra raw_user_meta_data, e.g. a recruiter_profile block. */
  metadata?: Record<string, unknown>;
}

let sequence = 0;

/** An email no other case of the run uses. */
export function uniqueEmail(label = "user"): string {
  sequence += 1;
  return `${label}.${process.pid}.${Date.now().toString(36)}.${sequence}@example.test`;
}

/** A recruiter username no other case of the run uses (3 to 100 of [A-Za-z0-9_-]). */
export function uniqueUsername(label: string): string {
  sequence += 1;
  return `${label}_${process.pid}_${Date.now().toString(36)}_${sequence}`;
}

/** The claims of an access token of user `id` in session `sessionId`. */
export function claimsFor(id: string, email: string, sessionId: string): AccessTokenClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: id,
    aud: "authenticated",
    role: "authenticated",
    email,
    phone: "",
    iat: now,
    exp: now + 3600,
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    aal: "aal1",
    amr: [{ method: "password", timestamp: now }],
    session_id: sessionId,
    is_anonymous: false,
  };
}

/** A new signed-in session of the user, as Supabase Auth writes it on sign-in; returns its id. */
export async function startTestSession(superuser: Sql, userId: string): Promise<string> {
  const id = crypto.randomUUID();
  await superuser`
    insert into auth.sessions (id, user_id, created_at, updated_at, aal)
    values (${id}, ${userId}, now(), now(), 'aal1')`;
  return id;
}

/** Inserts an auth user as Supabase Auth would (superuser connection), signed in once. */
export async function createTestUser(superuser: Sql, options: NewTestUser = {}): Promise<TestUser> {
  const id = crypto.randomUUID();
  const email = options.email ?? uniqueEmail(options.userType ?? "candidate");
  const metadata = {
    full_name: options.fullName ?? `Test ${options.userType ?? "candidate"}`,
    user_type: options.userType ?? "candidate",
    ...options.metadata,
  };
  await superuser`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                            raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email}, '',
            now(), ${superuser.json({ provider: "email", providers: ["email"] })}, ${superuser.json(metadata as never)}, now(), now())`;
  const claims = claimsFor(id, email, await startTestSession(superuser, id));
  return { id, email, claims, caller: { role: "authenticated", claims } };
}
