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

// Takes one hit back, never below zero, and never creates a key.
const refundHit = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('DECR', KEYS[1]) end
return hits`;

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
  const keyOf = (bucket: string, windowSeconds: number) =>
    `previewcv:rate:${bucket}:${windowSeconds}:${Math.floor(Date.now() / 1000 / windowSeconds)}`;
  /** One script call; a connection lost or never made is replaced on the next call. */
  const run = async (script: string, key: string, ...args: string[]): Promise<unknown> => {
    const used = connected();
    try {
      return await used.send("EVAL", [script, "1", key, ...args]);
    } catch (error) {
      // ERR_REDIS_CONNECTION_CLOSED, _TIMEOUT...: drop the client; a script error keeps it.
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && code.startsWith("ERR_REDIS_CONNECTION") && client === used) {
        client = undefined;
        used.close();
      }
      throw error;
    }
  };
  return {
    async hit(bucket, rule) {
      const [hits, ttl] = (await run(countHit, keyOf(bucket, rule.windowSeconds), String(rule.windowSeconds))) as [number, number];
      const allowed = hits <= rule.maxHits;
      return { allowed, hits, retryAfterSeconds: allowed ? 0 : Math.max(1, ttl) };
    },
    async refund(bucket, rule) {
      await run(refundHit, keyOf(bucket, rule.windowSeconds));
    },
    close: () => client?.close(),
  };
}
