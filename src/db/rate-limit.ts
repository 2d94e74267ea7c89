// Rate limits shared by every instance: counters live in Postgres (private.hit_rate_limit),
// never in process memory, so N facade instances behind a load balancer enforce one
// limit, not N.
import type { Sql } from "./client.ts";

export interface RateLimitRule {
  /** Hits allowed per window. */
  maxHits: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  hits: number;
  /** Seconds until the window resets (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit in `bucket` and decides. */
  hit(bucket: string, rule: RateLimitRule): Promise<RateLimitDecision>;
  /**
   * Takes back one hit of `bucket` in the current window (never below zero): for limits
   * that count only some outcomes (failed logins), an attempt is counted first, so
   * parallel attempts cannot slip past the limit, and refunded when it did not count.
   */
  refund(bucket: string, rule: RateLimitRule): Promise<void>;
}

export function postgresRateLimiter(sql: Sql): RateLimiter {
  return {
    async hit(bucket, rule) {
      // With the servers' own login role, no role switch: counters are server state that
      // no API role may read or reset, and hit_rate_limit is granted to that role alone
      // (migration 20261201000100_servers_login_role.sql).
      const [row] = await sql`select allowed, hits, retry_after_seconds from private.hit_rate_limit(${bucket}, ${rule.maxHits}, ${rule.windowSeconds})`;
      return { allowed: row!.allowed as boolean, hits: row!.hits as number, retryAfterSeconds: row!.retry_after_seconds as number };
    },
    async refund(bucket, rule) {
      await sql`select private.refund_rate_limit(${bucket}, ${rule.windowSeconds})`;
    },
  };
}
