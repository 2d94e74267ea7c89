// The one database client of the facade and the edge functions, and the ways to use it.
//
// Every query runs as someone. `asCaller` runs it as the caller, exactly as PostgREST
// does for supabase-js: inside a transaction, `role` switched to anon or authenticated
// and `request.jwt.claims` set to the verified JWT claims, so the same RLS policies hold
// the facade, the edge functions and the frontends; and, in the same round trip, it
// refuses a caller whose session ended or whose account may not act. The few
// server-only operations (rate limits, the public fetch, recording an upload) are
// private functions granted to the servers' login role, previewcv_api, which they run
// without switching role; that role is no member of service_role, so nothing here can
// bypass RLS.
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
  /** How long opening a connection may take before the query fails (answered 503). Default 10 s. */
  connectTimeoutSeconds?: number;
  /** Told each statement as it is sent (postgres.js's debug hook): the tests count what a request costs. */
  debug?: (connection: number, statement: string, parameters: unknown[]) => void;
}

/** A pool of connections to `url` (opened as queries need them), typed as the generated row types say. */
export function createDatabasePool(url: string, options: DatabaseOptions): Sql {
  return postgres(url, {
    max: options.max,
    idle_timeout: 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // After failed connections postgres.js waits before the next attempt, growing to 20 s
    // by default: during an outage a request would wait that long for its 503. Capped
    // at a second (with jitter), as short as reconnecting can sensibly wait.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
    // Transaction-mode poolers (Supavisor on port 6543) cannot keep prepared statements.
    prepare: !/:6543\//.test(url),
    connection: { application_name: options.applicationName ?? "previewcv" },
    onnotice: () => {},
    debug: options.debug,
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

/** What private.caller_state() says of a token's sub and session: it may act, or why not. */
export const callerStates = ["active", "anonymous", "no_account", "deactivated", "banned", "signed_out", "session_expired"] as const;
export type CallerState = (typeof callerStates)[number];

/**
 * asCaller refused a signed-in caller who may not act: their session ended (signed out,
 * expired), their account is gone, deactivated or banned. src/core/errors.ts answers it
 * (401 or 403) on both faces.
 */
export class CallerRefusedError extends Error {
  override readonly name = "CallerRefusedError";
  constructor(readonly state: Exclude<CallerState, "active">) {
    super(`The caller may not act (${state})`);
  }
}

/**
 * Runs `fn` in a transaction as `caller`, under RLS, as PostgREST would; and refuses a
 * signed-in caller who may not act with CallerRefusedError, whatever `fn` did.
 *
 * The database already refuses such a caller everywhere (every policy asks
 * private.caller_may_act()), but only by showing nothing: an empty list, a 404. The
 * servers answer 401/403 instead, without a round trip of their own: the caller's state
 * is read in the statement that sets the role and claims, and decided once `fn` has
 * settled (its writes, refused anyway, are rolled back with the transaction).
 */
export function asCaller<T>(sql: Sql, caller: Caller, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return runAs(sql, caller, fn, true);
}

/**
 * Runs `fn` exactly as PostgREST would run a supabase-js request: role and claims, and
 * nothing else decides but RLS. The tests of the policies use it (a refused caller must
 * see nothing there); the servers use asCaller.
 */
export function asPostgrestCaller<T>(sql: Sql, caller: Caller, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return runAs(sql, caller, fn, false);
}

function runAs<T>(sql: Sql, caller: Caller, fn: (tx: Transaction) => Promise<T>, refuseWhoMayNotAct: boolean): Promise<T> {
  const claims = caller.role === "anon" ? { role: "anon" } : { ...caller.claims, role: "authenticated" };
  const checked = refuseWhoMayNotAct && caller.role === "authenticated";
  return sql.begin(async (tx) => {
    // Sent without waiting for its answer: it travels in the same round trip as the
    // first query of `fn` (postgres.js keeps a transaction's queries in order). When the
    // caller is checked, the materialized CTE sets the claims before the outer select
    // reads the state from them (private.caller_state(), three primary-key lookups).
    const switched = checked
      ? tx<{ state: CallerState }[]>`
          with switched as materialized (
            select set_config('role', ${caller.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)
          )
          select private.caller_state() as state from switched`.execute()
      : tx`select set_config('role', ${caller.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`.execute();
    // Both settle before anything is decided, so `fn` never outlives the transaction
    // (its connection goes back to the pool when this callback returns).
    const [work, switching] = await Promise.allSettled([fn(tx), switched]);
    if (switching.status === "rejected") throw switching.reason;
    const state = (switching.value[0] as { state?: CallerState } | undefined)?.state;
    if (state !== undefined && state !== "active") throw new CallerRefusedError(state);
    if (work.status === "rejected") throw work.reason;
    return work.value;
  }) as Promise<T>;
}
