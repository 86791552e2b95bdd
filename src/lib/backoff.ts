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
