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

export function redisRateLimiter(url: string): RateLimiter & { close(): void } {
  const client = new RedisClient(url);
  return {
    async hit(bucket, rule) {
      const window = Math.floor(Date.now() / 1000 / rule.windowSeconds);
      const key = `previewcv:rate:${bucket}:${rule.windowSeconds}:${window}`;
      const [hits, ttl] = (await client.send("EVAL", [countHit, "1", key, String(rule.windowSeconds)])) as [number, number];
      const allowed = hits <= rule.maxHits;
      return { allowed, hits, retryAfterSeconds: allowed ? 0 : Math.max(1, ttl) };
    },
    close: () => client.close(),
  };
}
