// When to try a failed delivery again: exponential backoff with full jitter (a random
// delay between 0 and base * 2^(attempt - 1), capped), so receivers that fail together
// are not retried together. A Retry-After the receiver sent (429, 503) is a floor.
// The whole schedule spans the retry window (a day); past it the delivery fails.

export interface RetryPolicy {
  baseMs: number;
  maxDelayMs: number;
}

/** Seconds until the next attempt after `attempt` failed attempts (1 = the first one failed). */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  const jittered = random() * ceiling;
  const floor = retryAfterSeconds === undefined ? 0 : Math.min(retryAfterSeconds * 1000, policy.maxDelayMs);
  return Math.max(jittered, floor) / 1000;
}

/** Retry-After as seconds: a number of seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
