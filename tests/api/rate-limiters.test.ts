// Both rate-limiter backends keep one count for every instance: two limiters (two
// connections, as two facade processes would have) share each bucket's window.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { redisRateLimiter } from "../../src/api/redis-rate-limiter.ts";
import { createDatabasePool, type Sql } from "../../src/db/client.ts";
import { postgresRateLimiter, type RateLimiter } from "../../src/db/rate-limit.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";

const rule = { maxHits: 5, windowSeconds: 60 };

async function sharedWindow(first: RateLimiter, second: RateLimiter) {
  const bucket = `test:${crypto.randomUUID()}`;
  const decisions = [];
  for (let i = 0; i < rule.maxHits + 2; i++) decisions.push(await (i % 2 ? second : first).hit(bucket, rule));
  expect(decisions.slice(0, rule.maxHits).every((d) => d.allowed)).toBe(true);
  expect(decisions.map((d) => d.hits)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  for (const refused of decisions.slice(rule.maxHits)) {
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(rule.windowSeconds);
  }
  // Another bucket is not affected.
  expect((await first.hit(`${bucket}:other`, rule)).allowed).toBe(true);
}

/** A refund through either instance takes one hit back, never below zero, for both. */
async function sharedRefunds(first: RateLimiter, second: RateLimiter) {
  const bucket = `test:${crypto.randomUUID()}`;
  for (let i = 0; i < rule.maxHits; i++) await first.hit(bucket, rule);
  expect(await second.hit(bucket, rule)).toMatchObject({ allowed: false, hits: rule.maxHits + 1 });
  await second.refund(bucket, rule);
  await first.refund(bucket, rule);
  expect(await second.hit(bucket, rule)).toMatchObject({ allowed: true, hits: rule.maxHits });

  // Refunds past zero leave nothing owed: the next hit is the first.
  const fresh = `test:${crypto.randomUUID()}`;
  await first.refund(fresh, rule);
  await first.hit(fresh, rule);
  await second.refund(fresh, rule);
  await second.refund(fresh, rule);
  expect(await first.hit(fresh, rule)).toMatchObject({ allowed: true, hits: 1 });
}

describe("Postgres counters", () => {
  const pools: Sql[] = [];
  afterAll(() => Promise.all(pools.map((pool) => pool.end())));

  test("two connections share one window", async () => {
    const url = asAuthenticatorUrl(await migratedTestDatabase());
    pools.push(createDatabasePool(url, { max: 2 }), createDatabasePool(url, { max: 2 }));
    await sharedWindow(postgresRateLimiter(pools[0]!), postgresRateLimiter(pools[1]!));
  });

  test("a refund takes one hit back for every connection, never below zero", async () => {
    await sharedRefunds(postgresRateLimiter(pools[0]!), postgresRateLimiter(pools[1]!));
  });
});

// Redis is optional (REDIS_URL); CI sets it to the machine's Redis.
describe.skipIf(!process.env.REDIS_URL)("Redis counters", () => {
  const limiters: ReturnType<typeof redisRateLimiter>[] = [];
  beforeAll(() => {
    limiters.push(redisRateLimiter(process.env.REDIS_URL!), redisRateLimiter(process.env.REDIS_URL!));
  });
  afterAll(() => limiters.forEach((limiter) => limiter.close()));

  test("two clients share one window", () => sharedWindow(limiters[0]!, limiters[1]!));
  test("a refund takes one hit back for every client, never below zero", () => sharedRefunds(limiters[0]!, limiters[1]!));
});
