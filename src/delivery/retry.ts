import { PermanentDeliveryError, TemporaryDeliveryError, type FailureCause } from './channels/types.js';
import { scrub } from '../logger.js';

export interface RetryPolicy {
  /** Attempts before a temporary failure becomes final. */
  maxAttempts: number;
  /** First retry delay in ms; doubles each attempt. */
  baseMs: number;
  /** Longest backoff delay in ms (our own schedule; a provider's Retry-After is not held to it). */
  maxMs: number;
  /**
   * Longest delay a provider's Retry-After may ask for, in ms; above it the wait is cut to this bound.
   * @defaultValue {@link RETRY_AFTER_MAX_MS} (one day)
   */
  retryAfterMaxMs?: number;
  /** Source of jitter in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

/** A day: no provider asks for more, and a delivery should not wait longer on one answer. */
export const RETRY_AFTER_MAX_MS = 24 * 3600_000;

export type RetryDecision =
  { retry: true; delayMs: number; reason: string; cause: FailureCause } | { retry: false; reason: string; cause: FailureCause };

export function errorText(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err)).slice(0, 500);
}

/**
 * The one retry policy. A permanent error fails at once. A temporary one (and anything unexpected:
 * a network fault we did not classify is worth another try) is retried after the delay the provider asked
 * for (Telegram retry_after, HTTP Retry-After: honoured in full even above `maxMs`, up to `retryAfterMaxMs`),
 * or after base·2^(n-1) with "equal jitter" (half fixed, half random), capped at `maxMs`; after
 * `maxAttempts` it fails with its last reason.
 */
export function decideRetry(err: unknown, attempts: number, policy: RetryPolicy): RetryDecision {
  const reason = errorText(err);
  if (err instanceof PermanentDeliveryError) return { retry: false, reason, cause: err.failureCause };
  const cause: FailureCause = err instanceof TemporaryDeliveryError ? err.failureCause : 'other';
  if (attempts >= policy.maxAttempts) {
    return { retry: false, reason: `gave up after ${attempts} attempts: ${reason}`, cause };
  }
  if (err instanceof TemporaryDeliveryError && err.retryAfterMs !== undefined) {
    return { retry: true, delayMs: Math.min(Math.max(0, err.retryAfterMs), policy.retryAfterMaxMs ?? RETRY_AFTER_MAX_MS), reason, cause };
  }
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  const random = policy.random ?? Math.random;
  return { retry: true, delayMs: Math.round(exp / 2 + (exp / 2) * random()), reason, cause };
}
