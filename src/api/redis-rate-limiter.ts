// Rate-limit counters in Redis, when REDIS_URL is set: the same fixed windows as the
// Postgres counters (src/db/rate-limit.ts), shared by every facade instance, without
// a database write per request. Facade-only: it uses Bun's built-in Redis client.
//
// A Redis outage refuses the requests that count hits (503 with Retry-After: the
// client's RedisError is mapped in src/core/errors.ts), quickly, and the limiter
// recovers by itself once Redis is back. Bun's client with its defaults does neither:
// the first command of an outage waits through every reconnection attempt (about 30 s),
// and once those are spent the client stays failed for good. So the client does not
// reconnect by itself; a connection that failed is dropped and the next hit opens a
// new one, bounded by connectTimeoutMs.
import { RedisClient } from "bun";
import type { RateLimiter } from "../db/rate-limit.ts";

// One round trip: count the hit, give the window its lifetime on the first hit.
const countHit = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('TTL', KEYS[1])}`;

export interface RedisRateLimiterOptions {
  /** How long opening a connection may take before the hit fails (503). */
  connectTimeoutMs?: number;
}

export function redisRateLimiter(url: string, options: RedisRateLimiterOptions = {}): RateLimiter & { close(): void } {
  let client: RedisClient | undefined;
  const connected = () => {
    client ??= new RedisClient(url, { connectionTimeout: options.connectTimeoutMs ?? 2_000, autoReconnect: false });
    return client;
  };
  return {
    async hit(bucket, rule) {
      const window = Math.floor(Date.now() / 1000 / rule.windowSeconds);
      const key = `previewcv:rate:${bucket}:${rule.windowSeconds}:${window}`;
      const used = connected();
      let answer: [number, number];
      try {
        answer = (await used.send("EVAL", [countHit, "1", key, String(rule.windowSeconds)])) as [number, number];
      } catch (error) {
        // A connection lost or never made (ERR_REDIS_CONNECTION_CLOSED, _TIMEOUT) is
        // replaced on the next hit; a script error keeps it.
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && code.startsWith("ERR_REDIS_CONNECTION") && client === used) {
          client = undefined;
          used.close();
        }
        throw error;
      }
      const [hits, ttl] = answer;
      const allowed = hits <= rule.maxHits;
      return { allowed, hits, retryAfterSeconds: allowed ? 0 : Math.max(1, ttl) };
    },
    close: () => client?.close(),
  };
}
