// What `total` of GET /jobs/list costs, kept in proportion. Counting is O(matches):
// every open posting that matches must be visited (in an index at best, in the table
// for text and location searches), while a page is O(limit). At 1,000,000 postings the
// count of all open ones takes ~100 ms against ~0.7 ms for the page. So:
//   - a total below `minCachedTotal` is always counted fresh: cheap, and exact (a
//     recruiter sees the posting they just created counted);
//   - a total at or above it is reused for `ttlMs`; after that the next request still
//     gets it at once while one recount runs in the background (stale-while-revalidate),
//     so a large total is at most about `ttlMs` plus one count old, and is counted at
//     most once per `ttlMs` per filter combination, however many requests ask for it.
// The counted set does not depend on the caller (public.count_open_job_postings shows
// everyone the same open postings), so one entry serves every caller.
export interface TotalCacheOptions {
  ttlMs: number;
  minCachedTotal: number;
  /** Distinct filter combinations remembered (the least recently used go first). */
  maxEntries: number;
  now?: () => number;
  /** A background recount failed (the stale total stays; the next request retries). */
  onRefreshError?: (error: unknown) => void;
}

export const defaultTotalCacheOptions: TotalCacheOptions = { ttlMs: 10_000, minCachedTotal: 1_000, maxEntries: 1_000 };

export interface TotalCache {
  /** The total for `key`, from the cache or from `count`. */
  get(key: string, count: () => Promise<number>): Promise<number>;
}

export function createTotalCache(options: TotalCacheOptions = defaultTotalCacheOptions): TotalCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { total: number; freshUntil: number }>();
  const refreshing = new Set<string>();
  // Concurrent first requests for one key share a single count.
  const counting = new Map<string, Promise<number>>();

  function remember(key: string, total: number) {
    entries.delete(key);
    if (total < options.minCachedTotal) return;
    entries.set(key, { total, freshUntil: now() + options.ttlMs });
    if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
  }

  return {
    async get(key, count) {
      const entry = entries.get(key);
      if (!entry) {
        let pending = counting.get(key);
        if (!pending) {
          pending = count()
            .then((total) => {
              remember(key, total);
              return total;
            })
            .finally(() => counting.delete(key));
          counting.set(key, pending);
        }
        return pending;
      }
      // Most recently used last.
      entries.delete(key);
      entries.set(key, entry);
      if (entry.freshUntil <= now() && !refreshing.has(key)) {
        refreshing.add(key);
        count()
          .then((total) => remember(key, total))
          .catch((error) => options.onRefreshError?.(error))
          .finally(() => refreshing.delete(key));
      }
      return entry.total;
    },
  };
}
