// Accounts over Supabase Auth: the seed's registration (with or without a recruiter
// profile) and login, plus refresh, logout and the caller's own profile, each held to
// its rate limits. Plain values in, values or ApiErrors out; never sees the HTTP context.
import { AuthApiError, AuthUnavailableError, type AuthSession, type JwtVerifier, type SupabaseAuthClient } from "../../auth/index.ts";
import { ApiError, badRequest, forbidden, serviceUnavailable, tooManyRequests, unauthorized } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Settings } from "../settings.ts";
import { asCaller, CallerRefusedError, type Sql, type SignedInCaller } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import type { RateLimiter, RateLimitRule } from "../../db/rate-limit.ts";
import type {
  LoginBody,
  LogoutResponse,
  MeResponse,
  RefreshBody,
  RegisterBody,
  RegisterRecruiterBody,
  RegisterRecruiterResponse,
  RegisterResponse,
  SessionResponse,
} from "./model.ts";

/**
 * Per-IP limits follow Supabase Auth's own defaults (every attempt counts). Guessing one
 * account's password is slowed by two limits that count only wrong passwords, so that
 * strangers cannot lock its owner out (hole 4 of issue 11):
 *   - per email and IP: one client may get an account's password wrong 10 times in 5
 *     minutes; the owner's own IP has its own count, whatever others try;
 *   - per email, from every IP together: 100 in 5 minutes. Ten times the pair limit in
 *     the same window, so no single client can reach it (locking an account out takes
 *     at least ten addresses, and lasts only while they keep failing), while a botnet
 *     guessing one password gets at most 1,200 tries an hour. A window of an hour would
 *     slow a botnet further, but one client alone (10 every 5 minutes) could then keep
 *     the owner out for the rest of every hour.
 */
export const authRateLimits = {
  registerPerIp: { maxHits: 20, windowSeconds: 3600 },
  registerPerEmail: { maxHits: 5, windowSeconds: 3600 },
  loginPerIp: { maxHits: 30, windowSeconds: 300 },
  loginFailuresPerEmailAndIp: { maxHits: 10, windowSeconds: 300 },
  loginFailuresPerEmail: { maxHits: 100, windowSeconds: 300 },
  refreshPerIp: { maxHits: 150, windowSeconds: 300 },
} satisfies Record<string, RateLimitRule>;

export interface AccountServiceDeps {
  sql: Sql;
  auth: SupabaseAuthClient;
  verifier: JwtVerifier;
  rateLimiter: RateLimiter;
  settings: Pick<Settings, "PUBLIC_PROFILE_BASE_URL">;
  log: Logger;
}

/** What the service knows of the client: its IP, when we can tell. */
export interface ClientContext {
  ip: string | undefined;
}

type ProfileRow = Pick<
  Tables<"profiles">,
  "id" | "email" | "full_name" | "user_type" | "is_active" | "is_verified" | "last_login" | "created_at"
>;
export function createAccountService(deps: AccountServiceDeps) {
  const { sql, auth, verifier, rateLimiter } = deps;

  async function enforce(bucket: string, rule: RateLimitRule): Promise<void> {
    const decision = await rateLimiter.hit(bucket, rule);
    if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
  }

  async function enforceAll(limits: [string, RateLimitRule][]): Promise<void> {
    for (const [bucket, rule] of limits) await enforce(bucket, rule);
  }

  /**
   * Counts an attempt against limits that should count only failures, before the
   * attempt is made (parallel attempts cannot slip past a limit between a check and a
   * count). Past any of them the counts are taken back and the attempt refused; else
   * the caller gets `refund`, to call unless the attempt failed.
   */
  async function reserveFailure(limits: [string, RateLimitRule][]): Promise<{ refund(): Promise<void> }> {
    const decisions = await Promise.all(limits.map(([bucket, rule]) => rateLimiter.hit(bucket, rule)));
    const refund = () => Promise.all(limits.map(([bucket, rule]) => rateLimiter.refund(bucket, rule))).then(() => {});
    const refused = decisions.filter((decision) => !decision.allowed);
    if (refused.length > 0) {
      // Refused unchecked: no password was tried, so no failure is counted.
      await refund();
      throw tooManyRequests(Math.max(...refused.map((decision) => decision.retryAfterSeconds)));
    }
    return { refund };
  }

  /** Supabase Auth's failures, in the seed's words where the seed has them. */
  function fromAuthError(error: unknown, context: "register" | "login" | "refresh"): never {
    if (error instanceof AuthUnavailableError) throw serviceUnavailable("Authentication service unavailable");
    if (!(error instanceof AuthApiError)) throw error;
    switch (error.code) {
      case "email_exists":
      case "user_already_exists":
        throw badRequest("Email already registered");
      case "weak_password":
        throw badRequest("Password is too weak", { reasons: error.weakPasswordReasons ?? [] });
      case "invalid_credentials":
        throw unauthorized("Incorrect email or password");
      case "user_banned":
        throw forbidden("Account is inactive");
      case "email_not_confirmed":
        throw forbidden("Email not confirmed");
      case "refresh_token_not_found":
      case "refresh_token_already_used":
      case "session_not_found":
      case "session_expired":
        throw unauthorized("Invalid refresh token");
      case "over_request_rate_limit":
        throw tooManyRequests(60);
      case "validation_failed":
      case "email_address_invalid":
        throw badRequest(error.message);
      case "signup_disabled":
        throw forbidden("Sign-ups are disabled");
    }
    if (error.status >= 500) {
      deps.log.error("supabase auth failed", { context, status: error.status, code: error.code, error: error.message });
      throw new ApiError(502, "Authentication service error");
    }
    if (context === "login" && error.status === 400) throw unauthorized("Incorrect email or password");
    throw badRequest(error.message);
  }

  async function profileOf(caller: SignedInCaller) {
    const [profile] = await asCaller(sql, caller, (tx) => tx<ProfileRow[]>`
      select id, email, full_name, user_type, is_active, is_verified, last_login, created_at
        from public.profiles where id = ${caller.claims.sub}`);
    return profile;
  }

  /** The seed's login answer, plus refresh_token, expires_in and expires_at. */
  async function sessionAnswer(session: AuthSession): Promise<SessionResponse> {
    const caller: SignedInCaller = { role: "authenticated", claims: await verifier.verifyAccessToken(session.access_token) };
    // A session Supabase Auth just issued to an account that may not act (deactivated
    // while its ban was lifted by hand, say) is refused below like an inactive profile.
    const profile = await profileOf(caller).catch((error) => {
      if (error instanceof CallerRefusedError) return undefined;
      throw error;
    });
    if (!profile || !profile.is_active) {
      // Do not leave a live session behind for an account we refuse.
      await auth.signOut(session.access_token).catch(() => {});
      throw forbidden("Account is inactive");
    }
    const user = { id: profile.id, email: profile.email, full_name: profile.full_name, user_type: profile.user_type };
    return {
      success: true as const,
      access_token: session.access_token,
      token_type: "bearer" as const,
      expires_in: session.expires_in,
      expires_at: session.expires_at,
      refresh_token: session.refresh_token,
      user,
    };
  }

  return {
    async register(body: RegisterBody, client: ClientContext): Promise<RegisterResponse> {
      await enforceAll([
        [`register:ip:${client.ip ?? "unknown"}`, authRateLimits.registerPerIp],
        [`register:email:${body.email}`, authRateLimits.registerPerEmail],
      ]);
      // The admin API, as the seed's register did: the account is usable at once,
      // and Supabase Auth's per-IP limits do not lump every facade client together.
      const user = await auth.admin
        .createUser({
          email: body.email,
          password: body.password,
          email_confirm: true,
          user_metadata: { full_name: body.full_name, user_type: body.user_type },
        })
        .catch((error) => fromAuthError(error, "register"));
      return { success: true as const, user_id: user.id, email: user.email, message: "User registered successfully" };
    },

    async registerRecruiter(body: RegisterRecruiterBody, client: ClientContext): Promise<RegisterRecruiterResponse> {
      await enforceAll([
        [`register:ip:${client.ip ?? "unknown"}`, authRateLimits.registerPerIp],
        [`register:email:${body.email}`, authRateLimits.registerPerEmail],
      ]);
      const { username } = body.recruiter_profile;
      if (!(await usernameAvailable(username))) throw badRequest("Username already taken");

      // The profile rides in user_metadata: the database creates it in the same
      // transaction as the auth user, so a username taken meanwhile fails both.
      const user = await auth.admin
        .createUser({
          email: body.email,
          password: body.password,
          email_confirm: true,
          user_metadata: { full_name: body.full_name, user_type: "recruiter", recruiter_profile: body.recruiter_profile },
        })
        .catch(async (error) => {
          if (error instanceof AuthApiError && error.status >= 500 && !(await usernameAvailable(username))) {
            throw badRequest("Username already taken");
          }
          return fromAuthError(error, "register");
        });

      const [profile] = await asCaller(sql, { role: "anon" }, (tx) => tx<Pick<Tables<"recruiter_profiles">, "id" | "username">[]>`
        select id, username from public.recruiter_profiles where user_id = ${user.id}`);
      if (!profile) throw new Error(`recruiter profile missing for new user ${user.id}`);
      return {
        success: true as const,
        user_id: user.id,
        profile_id: profile.id,
        username: profile.username,
        public_profile_url: `${deps.settings.PUBLIC_PROFILE_BASE_URL}/${encodeURIComponent(profile.username)}`,
        message: "Recruiter account created successfully",
      };
    },

    async login(body: LoginBody, client: ClientContext): Promise<SessionResponse> {
      const ip = client.ip ?? "unknown";
      await enforce(`login:ip:${ip}`, authRateLimits.loginPerIp);
      // Bucket names end with the email, so an account's export and erasure find them.
      const failures = await reserveFailure([
        [`login-failures:ip:${ip}:email:${body.email}`, authRateLimits.loginFailuresPerEmailAndIp],
        [`login-failures:email:${body.email}`, authRateLimits.loginFailuresPerEmail],
      ]);
      try {
        const session = await auth
          .signInWithPassword({ email: body.email, password: body.password }, { forwardedFor: client.ip })
          .catch((error) => fromAuthError(error, "login"));
        // last_login is kept by the database: auth.users.last_sign_in_at → profiles.
        const answer = await sessionAnswer(session);
        await failures.refund();
        return answer;
      } catch (error) {
        // Only a wrong email or password (401) is a failure; anything else (an inactive
        // account, Supabase Auth unavailable) tried no guess worth counting.
        if (!(error instanceof ApiError && error.status === 401)) await failures.refund();
        throw error;
      }
    },

    async refresh(body: RefreshBody, client: ClientContext): Promise<SessionResponse> {
      await enforce(`refresh:ip:${client.ip ?? "unknown"}`, authRateLimits.refreshPerIp);
      const session = await auth
        .refreshSession(body.refresh_token, { forwardedFor: client.ip })
        .catch((error) => fromAuthError(error, "refresh"));
      return sessionAnswer(session);
    },

    async logout(accessToken: string): Promise<LogoutResponse> {
      await auth.signOut(accessToken).catch((error) => {
        // An already-ended session is logged out as far as the caller is concerned.
        if (error instanceof AuthApiError && error.status < 500) return;
        fromAuthError(error, "login");
      });
      return { success: true as const, message: "Logged out" };
    },

    async me(caller: SignedInCaller): Promise<MeResponse> {
      const profile = await profileOf(caller);
      if (!profile) throw unauthorized("Could not validate credentials");
      return {
        success: true as const,
        user: {
          id: profile.id,
          email: profile.email,
          full_name: profile.full_name,
          user_type: profile.user_type,
          is_active: profile.is_active,
          is_verified: profile.is_verified,
          last_login: profile.last_login,
          created_at: profile.created_at,
        },
      };
    },
  };

  async function usernameAvailable(username: string): Promise<boolean> {
    const [row] = await asCaller(sql, { role: "anon" }, (tx) => tx`select public.recruiter_username_available(${username}) as available`);
    return row!.available as boolean;
  }
}

export type AccountService = ReturnType<typeof createAccountService>;
