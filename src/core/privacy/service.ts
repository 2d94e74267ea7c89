// The caller's own account as data: export everything stored about them, or erase the
// account in one request. Plain values in, values or ApiErrors out; never sees the HTTP
// context.
//
// Export: public.export_my_data() as the caller (under their session: RLS's own
// caller_may_act check), the document the registry private.personal_data describes;
// this adds short-lived signed links to the stored files.
//
// Erasure (private.begin_account_erasure, then erasure.ts), in this order:
//   1. the account's state: an erasure under way is answered as it stands (200), an
//      account that is gone 404, a deactivated one 403, an ended session 401;
//   2. fresh authentication: the password, or a token from a sign-in of the last
//      ERASURE_REAUTH_SECONDS (its iat, and the sign-in time in its amr: a refreshed
//      token has a new iat but no new sign-in); otherwise 401;
//   3. one transaction disables the account, deletes its rows, keeps others' records
//      without it, and queues its files;
//   4. the auth user and the files are deleted now; whatever fails is finished by the
//      worker with backoff, and the answer says "pending".
import { AuthApiError, AuthUnavailableError, type SupabaseAuthClient } from "../../auth/index.ts";
import { apiErrorFromDatabase, ApiError, callerRefusal, notFound, serviceUnavailable, tooManyRequests, unauthorized } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { FacadeSettings } from "../settings.ts";
import type { FileStorage } from "../storage/index.ts";
import { asCaller, CallerRefusedError, type SignedInCaller, type Sql } from "../../db/client.ts";
import type { RateLimiter, RateLimitRule } from "../../db/rate-limit.ts";
import { storeOfKey } from "../resumes/stored-files.ts";
import { deleteAuthUser, deleteStoredFiles, erasureRetryPolicy, type ErasureDeps } from "./erasure.ts";
import type { EraseBody, EraseResponse, ExportQuery, ExportResponse } from "./model.ts";

export interface PrivacyServiceDeps {
  sql: Sql;
  auth: SupabaseAuthClient;
  storage: FileStorage;
  thumbnails: FileStorage;
  rateLimiter: RateLimiter;
  settings: Pick<FacadeSettings, "SIGNED_URL_TTL_SECONDS" | "ERASURE_REAUTH_SECONDS" | "ERASURE_RETRY_BASE_MS">;
  log: Logger;
}

export const privacyRateLimits = {
  /** An export reads every row of the account: a few an hour is plenty. */
  exportPerUser: { maxHits: 10, windowSeconds: 3600 },
  /** Password confirmations of an erasure (a stolen token must not guess the password). */
  erasurePasswordPerUser: { maxHits: 5, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

const accountNotFound = () => notFound("Account not found");
const sessionEnded = () => unauthorized("The session has ended: sign in again");

/**
 * True when the token comes from a sign-in of the last `maxAgeSeconds`: issued (iat)
 * that recently, and, when it says how its session was authenticated (amr), that too.
 */
export function freshlyAuthenticated(claims: SignedInCaller["claims"], maxAgeSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const issuedAt = typeof claims.iat === "number" ? claims.iat : undefined;
  if (issuedAt === undefined || nowSeconds - issuedAt > maxAgeSeconds || issuedAt - nowSeconds > 60) return false;
  const methods = Array.isArray(claims.amr) ? (claims.amr as { timestamp?: unknown }[]) : [];
  const signedInAt = methods.map((method) => method?.timestamp).filter((time): time is number => typeof time === "number");
  return signedInAt.length === 0 || nowSeconds - Math.max(...signedInAt) <= maxAgeSeconds;
}

type ExportDocument = Omit<ExportResponse, "success" | "files"> & {
  files: { source: string; row_id: number | null; column: string; storage_key: string }[];
};

export function createPrivacyService(deps: PrivacyServiceDeps) {
  const { sql, log } = deps;
  const erasureDeps: ErasureDeps = { sql, storage: deps.storage, thumbnails: deps.thumbnails, auth: deps.auth, retry: erasureRetryPolicy(deps.settings.ERASURE_RETRY_BASE_MS), log };

  function ownAccountOnly(caller: SignedInCaller, userId: string | undefined): void {
    if (userId !== undefined && userId.toLowerCase() !== caller.claims.sub.toLowerCase()) throw accountNotFound();
  }

  async function limit(bucket: string, rule: RateLimitRule): Promise<void> {
    const decision = await deps.rateLimiter.hit(bucket, rule);
    if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
  }

  /** The refusal for an account that may not act, from its state. */
  /** As every route answers a caller who may not act (callerRefusal), but an account that is gone is this module's 404. */
  function refusalFor(state: string | null | undefined): ApiError {
    return state === "no_account" ? accountNotFound() : state ? callerRefusal(state) : sessionEnded();
  }

  async function confirmIdentity(caller: SignedInCaller, password: string | undefined): Promise<void> {
    if (password === undefined) {
      if (freshlyAuthenticated(caller.claims, deps.settings.ERASURE_REAUTH_SECONDS)) return;
      throw unauthorized(
        `Confirm it is you: send your password, or sign in again (erasing an account needs a sign-in of the last ${Math.round(deps.settings.ERASURE_REAUTH_SECONDS / 60)} minutes)`,
      );
    }
    await limit(`erasure:user:${caller.claims.sub}`, privacyRateLimits.erasurePasswordPerUser);
    const [profile] = await asCaller(sql, caller, (tx) => tx<{ email: string | null }[]>`select email from public.profiles where id = ${caller.claims.sub}`);
    if (!profile?.email) throw sessionEnded();
    try {
      // A throwaway session: the erasure ends every session of the account.
      await deps.auth.signInWithPassword({ email: profile.email, password });
    } catch (error) {
      if (error instanceof AuthUnavailableError) throw serviceUnavailable("Authentication service unavailable");
      if (error instanceof AuthApiError && error.status < 500) throw unauthorized("Incorrect password");
      throw error;
    }
  }

  async function progress(caller: SignedInCaller, erasureId: number, keys: string[]): Promise<EraseResponse> {
    // The auth user first (its email and credentials), then the files; each failure is
    // recorded and left to the worker.
    await deleteAuthUser(erasureDeps, erasureId, caller.claims.sub, 0);
    const files = keys.map((storage_key) => ({ storage_key, attempts: 0 }));
    await deleteStoredFiles(erasureDeps, files, { stopAtFailure: true });
    const [state] = await sql<{ state: string; pending_files: number | null }[]>`
      select state, pending_files from private.account_erasure_state(${caller.claims.sub}::uuid, null)`;
    const pending = state?.state === "erasing";
    const pendingFiles = pending ? Number(state?.pending_files ?? 0) : 0;
    log.info("account erasure", { erasure_id: erasureId, status: pending ? "pending" : "completed", pending_files: pendingFiles });
    return {
      success: true,
      user_id: caller.claims.sub,
      status: pending ? "pending" : "completed",
      pending_files: pendingFiles,
      message: pending
        ? "The account is disabled and its data deleted; what is left (the sign-in account or stored files) is being deleted and will be gone shortly"
        : "The account and all its data are deleted",
    };
  }

  return {
    async exportData(caller: SignedInCaller, query: ExportQuery): Promise<ExportResponse> {
      ownAccountOnly(caller, query.user_id);
      await limit(`export:user:${caller.claims.sub}`, privacyRateLimits.exportPerUser);
      const [row] = await asCaller(sql, caller, (tx) => tx<{ document: ExportDocument | null; state: string }[]>`
        select public.export_my_data() as document, private.caller_state() as state`).catch((error) => {
        throw error instanceof CallerRefusedError ? refusalFor(error.state) : error;
      });
      if (!row?.document) throw refusalFor(row?.state);
      const ttl = deps.settings.SIGNED_URL_TTL_SECONDS;
      const files = await Promise.all(
        row.document.files.map(async (file) => {
          try {
            const signed = await storeOfKey(deps, file.storage_key).signedUrl(file.storage_key, { expiresInSeconds: ttl });
            return { ...file, signed_url: signed, expires_at: new Date(Date.now() + ttl * 1000).toISOString() };
          } catch (error) {
            log.error("export: could not sign a file link", { key: file.storage_key, error: String(error) });
            return { ...file, signed_url: null, expires_at: null };
          }
        }),
      );
      return { success: true, ...row.document, files };
    },

    async erase(caller: SignedInCaller, body: EraseBody): Promise<EraseResponse> {
      ownAccountOnly(caller, body.user_id);
      const sub = caller.claims.sub;
      const session = caller.claims.session_id ?? null;
      const [state] = await sql<{ state: string }[]>`select state from private.account_erasure_state(${sub}::uuid, ${session}::uuid)`;
      if (state?.state !== "erasing") {
        if (state?.state !== "active") throw refusalFor(state?.state);
        await confirmIdentity(caller, body.password);
      }
      let begun: { erasure_id: number; storage_keys: string[] } | undefined;
      try {
        [begun] = await sql<{ erasure_id: number; storage_keys: string[] }[]>`
          select erasure_id, storage_keys from private.begin_account_erasure(${sub}::uuid, ${session}::uuid)`;
      } catch (error) {
        const refused = apiErrorFromDatabase(error);
        if (refused?.status === 401 && /no longer exists/.test(refused.detail)) throw accountNotFound();
        throw refused ?? error;
      }
      if (!begun) throw accountNotFound();
      return progress(caller, begun.erasure_id, begun.storage_keys ?? []);
    },
  };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
