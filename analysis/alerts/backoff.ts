/** Exponential back-off between failed delivery rounds. */
export interface BackoffOptions {
  /** Wait after the first failure, ms. */
  readonly initialMs: number;
  /** Longest wait, ms. */
  readonly maxMs: number;
}

/**
 * How long to wait after `failures` failed rounds in a row (1 for the first): the exponential step
 * `initialMs × 2^(failures−1)`, capped at `maxMs`, with "equal jitter" (a uniform draw from the upper
 * half of the step), so many feeds failing together spread out without ever retrying at once. A
 * receiver's `Retry-After` raises the wait, still capped at `maxMs`.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/.
 *
 * @example backoffDelay(3, {initialMs: 1000, maxMs: 60000}, () => 0.5) // 3000: step 4000, half of it plus 0.5 × 2000
 */
export function backoffDelay(failures: number, opts: BackoffOptions, random: () => number = Math.random, retryAfterMs?: number): number {
  if (!Number.isInteger(failures) || failures < 1) throw new Error(`cannot compute back-off: failures must be a positive integer, got ${failures}`);
  const step = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(failures - 1, 52));
  const jittered = step / 2 + random() * (step / 2);
  return Math.round(Math.min(opts.maxMs, Math.max(jittered, retryAfterMs ?? 0)));
}
