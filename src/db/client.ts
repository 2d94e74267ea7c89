// The one database client of the facade and the edge functions, and the ways to use it.
//
// Every query runs as someone. `asCaller` runs it as the caller, exactly as PostgREST
// does for supabase-js: inside a transaction, `role` switched to anon or authenticated
// and `request.jwt.claims` set to the verified JWT claims, so the same RLS policies hold
// the facade, the edge functions and the frontends. The few server-only operations (rate
// limits, the public fetch, recording an upload) are private functions granted to the
// servers' login role, previewcv_api, which they run without switching role; that role
// is no member of service_role, so nothing here can bypass RLS.
//
// Runtime-neutral: no Bun or Deno globals, so both runtimes load it.
import postgres from "postgres";

export type Sql = postgres.Sql;
export type Transaction = postgres.TransactionSql;

/** Claims of a verified Supabase access token (the subset the database reads). */
export interface AccessTokenClaims {
  sub: string;
  role: string;
  aud?: string | string[];
  email?: string;
  exp?: number;
  iat?: number;
  session_id?: string;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
  [claim: string]: unknown;
}

/** Who a query runs as: an anonymous visitor, or a signed-in user with their claims. */
export type Caller = { role: "anon" } | { role: "authenticated"; claims: AccessTokenClaims };

export const anonymous: Caller = { role: "anon" };

/** A caller with a verified Supabase access token. */
export type SignedInCaller = Extract<Caller, { role: "authenticated" }>;

export interface DatabaseOptions {
  /** Pool size per process (the servers take DB_POOL_SIZE). Supabase's pooler (Supavisor) multiplexes beyond this. */
  max: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/** A pool of connections to `url` (opened as queries need them), typed as the generated row types say. */
export function createDatabasePool(url: string, options: DatabaseOptions): Sql {
  return postgres(url, {
    max: options.max,
    idle_timeout: 30,
    connect_timeout: 10,
    // Transaction-mode poolers (Supavisor on port 6543) cannot keep prepared statements.
    prepare: !/:6543\//.test(url),
    connection: { application_name: options.applicationName ?? "previewcv" },
    onnotice: () => {},
    // Rows arrive as src/db/database.types.ts describes them (and as PostgREST hands
    // them to supabase-js), so the generated row types hold for our queries too.
    types: {
      // bigint ids as JS numbers (they stay far below 2^53).
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      // Timestamps as ISO 8601 strings in UTC, ready for JSON answers.
      timestamptz: {
        to: 1184,
        from: [1184, 1114],
        serialize: (x: Date | string) => (x instanceof Date ? x.toISOString() : x),
        parse: (x: string) => new Date(x).toISOString(),
      },
      date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x },
    },
  });
}

/** Runs `fn` in a transaction as `caller`, under RLS, as PostgREST would. */
export function asCaller<T>(sql: Sql, caller: Caller, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const claims = caller.role === "anon" ? { role: "anon" } : { ...caller.claims, role: "authenticated" };
  return sql.begin(async (tx) => {
    // Sent without waiting for its answer: it travels in the same round trip as the
    // first query of `fn` (postgres.js keeps a transaction's queries in order).
    const switched = tx`select set_config('role', ${caller.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`.execute();
    const [result] = await Promise.all([fn(tx), switched]);
    return result;
  }) as Promise<T>;
}
