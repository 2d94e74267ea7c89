// Both rate-limiter backends keep one count for every instance: two limiters (two
// connections, as two facade processes would have) share each bucket's window.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { redisRateLimiter } from "../../src/api/redis-rate-limiter.ts";
import { apiErrorFromDatabase } from "../../src/core/errors.ts";
import { freePort } from "../../src/local/ports.ts";
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

/** The answer the facade gives when a hit fails: what its error handler maps the error to. */
async function answerToFailedHit(limiter: RateLimiter) {
  const started = Date.now();
  const error = await limiter.hit(`test:${crypto.randomUUID()}`, rule).then(() => undefined, (failure: unknown) => failure);
  const answer = apiErrorFromDatabase(error);
  return { status: answer?.status, retryAfter: answer?.headers["Retry-After"], ms: Date.now() - started };
}

describe("Redis out of reach (issue 11: 503, not 500)", () => {
  test("a closed port: each hit fails at once, answered 503 with Retry-After", async () => {
    const limiter = redisRateLimiter(`redis://127.0.0.1:${await freePort()}`);
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await answerToFailedHit(limiter);
        expect({ status: answer.status, retryAfter: answer.retryAfter }).toEqual({ status: 503, retryAfter: "5" });
        // Not Bun's default of ~30 s of reconnection attempts per command.
        expect(answer.ms).toBeLessThan(3_000);
      }
    } finally {
      limiter.close();
    }
  });

  // A Redis server of our own, stopped and started again (where the machine has one).
  describe.skipIf(!Bun.which("redis-server"))("a Redis that goes down and comes back", () => {
    test("refused (503) while it is down, counting again once it is back, without a restart of the facade", async () => {
      const port = await freePort();
      const start = () => Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
      const waitForRedis = async (limiter: RateLimiter) => {
        for (let i = 0; i < 50; i++) {
          if (await limiter.hit(`test:${crypto.randomUUID()}`, rule).then(() => true, () => false)) return;
          await Bun.sleep(100);
        }
        throw new Error("redis-server did not start");
      };
      let server = start();
      const limiter = redisRateLimiter(`redis://127.0.0.1:${port}`);
      try {
        await waitForRedis(limiter);
        server.kill();
        await server.exited;
        expect(await answerToFailedHit(limiter)).toMatchObject({ status: 503, retryAfter: "5" });
        expect(await answerToFailedHit(limiter)).toMatchObject({ status: 503, retryAfter: "5" });
        server = start();
        await waitForRedis(limiter);
        const bucket = `test:${crypto.randomUUID()}`;
        expect((await limiter.hit(bucket, rule)).hits).toBe(1);
        expect((await limiter.hit(bucket, rule)).hits).toBe(2);
      } finally {
        limiter.close();
        server.kill();
        await server.exited;
      }
    });
  });
});
