// The job board's pure pieces, in process: the keyset cursor (src/core/keyset.ts, the
// one every list pages with) and the cache of large list totals.
import { describe, expect, test } from "bun:test";
import { JOB_LIST_CURSOR } from "../../src/core/jobs/model.ts";
import { decodeKeysetCursor, encodeKeysetCursor } from "../../src/core/keyset.ts";

const encodeCursor = (cursor: { createdAt: string; id: number }) => encodeKeysetCursor(JOB_LIST_CURSOR, cursor);
const decodeCursor = (text: string) => decodeKeysetCursor(JOB_LIST_CURSOR, text);
import { createTotalCache } from "../../src/core/jobs/total-cache.ts";

describe("keyset cursor", () => {
  test("round-trips created_at to the microsecond and the id", () => {
    const cursor = { createdAt: "2026-11-25T10:00:00.123456Z", id: 9_007_199_254_740_991 };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  test("anything it did not issue is refused", () => {
    const forge = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const value of [
      "",
      "not base64!",
      forge("notifications:2026-11-25T10:00:00.123456Z:1"),
      forge("jobs:2026-11-25T10:00:00.123Z:1"),
      forge("jobs:2026-11-25 10:00:00.123456:1"),
      forge("jobs:2026-13-45T10:00:00.123456Z:1"),
      forge("jobs:2026-11-25T10:00:00.123456Z:0"),
      forge("jobs:2026-11-25T10:00:00.123456Z:-1"),
      forge("jobs:2026-11-25T10:00:00.123456Z:99999999999999999"),
      forge("jobs:2026-11-25T10:00:00.123456Z:1:extra"),
      forge("jobs:2026-11-25T10:00:00.123456Z:1; drop table x"),
      "A".repeat(201),
    ]) {
      expect(decodeCursor(value)).toBeUndefined();
    }
  });
});

describe("total cache", () => {
  const setup = (options: { ttlMs?: number; minCachedTotal?: number; maxEntries?: number } = {}) => {
    let clock = 0;
    const cache = createTotalCache({ ttlMs: 1000, minCachedTotal: 100, maxEntries: 3, ...options, now: () => clock });
    return { cache, tick: (ms: number) => (clock += ms) };
  };
  const counter = (values: number[]) => {
    let calls = 0;
    return {
      count: async () => values[Math.min(calls++, values.length - 1)]!,
      get calls() {
        return calls;
      },
    };
  };

  test("small totals are always counted fresh", async () => {
    const { cache } = setup();
    const c = counter([5, 6, 7]);
    expect(await cache.get("k", c.count)).toBe(5);
    expect(await cache.get("k", c.count)).toBe(6);
    expect(c.calls).toBe(2);
  });

  test("a large total is reused until it is stale, then served once more while one recount runs", async () => {
    const { cache, tick } = setup();
    const c = counter([500, 600, 700]);
    expect(await cache.get("k", c.count)).toBe(500);
    tick(999);
    expect(await cache.get("k", c.count)).toBe(500);
    expect(c.calls).toBe(1);
    tick(1);
    // Stale: answered at once with the old total; exactly one recount starts.
    const answers = await Promise.all([cache.get("k", c.count), cache.get("k", c.count), cache.get("k", c.count)]);
    expect(answers).toEqual([500, 500, 500]);
    await Bun.sleep(0);
    expect(c.calls).toBe(2);
    expect(await cache.get("k", c.count)).toBe(600);
  });

  test("concurrent first requests for one filter share one count", async () => {
    const { cache } = setup();
    const c = counter([500, 600]);
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.get("k", c.count)));
    expect(answers).toEqual(Array(10).fill(500));
    expect(c.calls).toBe(1);
  });

  test("a large total that shrinks below the threshold is counted fresh again", async () => {
    const { cache, tick } = setup();
    const c = counter([500, 50, 40]);
    await cache.get("k", c.count);
    tick(1000);
    await cache.get("k", c.count);
    await Bun.sleep(0);
    expect(await cache.get("k", c.count)).toBe(40);
    expect(c.calls).toBe(3);
  });

  test("a failed recount keeps the stale total and is retried by the next request", async () => {
    const errors: unknown[] = [];
    let clock = 0;
    const cache = createTotalCache({ ttlMs: 1000, minCachedTotal: 100, maxEntries: 3, now: () => clock, onRefreshError: (e) => errors.push(e) });
    await cache.get("k", async () => 500);
    clock = 2000;
    expect(await cache.get("k", async () => Promise.reject(new Error("db down")))).toBe(500);
    await Bun.sleep(0);
    expect(errors).toHaveLength(1);
    expect(await cache.get("k", async () => 800)).toBe(500);
    await Bun.sleep(0);
    expect(await cache.get("k", async () => 900)).toBe(800);
  });

  test("a failed first count fails the request and caches nothing", async () => {
    const { cache } = setup();
    await expect(cache.get("k", async () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect(await cache.get("k", async () => 500)).toBe(500);
  });

  test("remembers at most maxEntries filter combinations, dropping the least recently used", async () => {
    const { cache } = setup({ maxEntries: 2 });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const count = (key: string) => async () => {
      counts[key]! += 1;
      return 1000;
    };
    await cache.get("a", count("a"));
    await cache.get("b", count("b"));
    await cache.get("a", count("a")); // a is now the most recently used
    await cache.get("c", count("c")); // evicts b
    await cache.get("a", count("a"));
    await cache.get("b", count("b"));
    expect(counts).toEqual({ a: 1, b: 2, c: 1 });
  });
});
