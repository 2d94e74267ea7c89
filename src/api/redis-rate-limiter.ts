// Rate-limit counters in Redis, when REDIS_URL is set: the same fixed windows as the
// Postgres counters (src/db/rate-limit.ts), shared by every facade instance, without
// a database write per request. Facade-only: it uses Bun's built-in Redis client.
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

export function redisRateLimiter(url: string): RateLimiter & { close(): void } {
  const client = new RedisClient(url);
  const keyOf = (bucket: string, windowSeconds: number) =>
    `previewcv:rate:${bucket}:${windowSeconds}:${Math.floor(Date.now() / 1000 / windowSeconds)}`;
  return {
    async hit(bucket, rule) {
      const key = keyOf(bucket, rule.windowSeconds);
      const [hits, ttl] = (await client.send("EVAL", [countHit, "1", key, String(rule.windowSeconds)])) as [number, number];
      const allowed = hits <= rule.maxHits;
      return { allowed, hits, retryAfterSeconds: allowed ? 0 : Math.max(1, ttl) };
    },
    async refund(bucket, rule) {
      await client.send("EVAL", [refundHit, "1", keyOf(bucket, rule.windowSeconds)]);
    },
    close: () => client.close(),
  };
}
