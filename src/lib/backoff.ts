import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** Upper bound of the first wait; it doubles on each retry (full jitter, as AWS advises). */
  baseDelayMs: number;
  maxDelayMs?: number;
}

/** Waits before retry number `retry` (1 for the first retry). */
export function backoff(retry: number, options: BackoffOptions): Promise<void> {
  const cap = Math.min(options.maxDelayMs ?? 2_000, options.baseDelayMs * 2 ** (retry - 1));
  return sleep(Math.floor(Math.random() * cap));
}

/**
 * Runs `attempt` on what is still pending (a batch's unprocessed keys, its failed entries) until nothing is, or
 * `options.attempts` tries are spent, waiting with backoff between tries; answers what is still pending then.
 */
export async function retryPending<T>(
  pending: readonly T[],
  attempt: (pending: readonly T[]) => Promise<readonly T[]>,
  options: BackoffOptions,
): Promise<readonly T[]> {
  let left = pending;
  for (let tried = 1; left.length > 0 && tried <= options.attempts; tried += 1) {
    if (tried > 1) await backoff(tried - 1, options);
    left = await attempt(left);
  }
  return left;
}

/** Runs `work`, again after a failure while `options.attempts` allows and `mayRetry()` says so; the last error throws. */
export async function retrying<T>(
  work: () => Promise<T>,
  options: BackoffOptions,
  mayRetry: () => boolean = () => true,
): Promise<T> {
  for (let tried = 1; ; tried += 1) {
    try {
      return await work();
    } catch (error) {
      if (tried >= options.attempts || !mayRetry()) throw error;
      await backoff(tried, options);
    }
  }
}
