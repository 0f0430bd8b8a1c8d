import { decideRetry, RETRY_AFTER_MAX_MS, type RetryPolicy } from '../../src/delivery/retry.js';
import { classifyTelegramError } from '../../src/delivery/channels/telegram.js';
import { parseRetryAfter } from '../../src/delivery/channels/sms/http.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from '../../src/delivery/channels/types.js';

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ maxAttempts: 8, baseMs: 1000, maxMs: 60_000, ...over });
const temporary = new TemporaryDeliveryError('HTTP 503');
const delay = (attempts: number, random: number, over: Partial<RetryPolicy> = {}) => {
  const d = decideRetry(temporary, attempts, policy({ random: () => random, ...over }));
  if (!d.retry) throw new Error(`expected a retry, got ${JSON.stringify(d)}`);
  return d.delayMs;
};

describe('decideRetry: exponential backoff with equal jitter', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [7, 60_000], // 64 s, capped at maxMs
  ])('attempt %i waits between half of and the whole %i ms', (attempts, full) => {
    expect(delay(attempts, 0)).toBe(full / 2);
    expect(delay(attempts, 0.999_999)).toBe(full);
    const mid = delay(attempts, 0.5);
    expect(mid).toBe((3 * full) / 4);
  });

  it('never waits longer than maxMs, however many attempts', () => {
    for (let n = 1; n <= 40; n++) expect(delay(n, 0.999_999, { maxAttempts: 100 })).toBeLessThanOrEqual(60_000);
  });

  it('spreads retries of the same attempt (jitter comes from the random source)', () => {
    const values = new Set([0, 0.25, 0.5, 0.75].map((r) => delay(3, r)));
    expect(values.size).toBe(4);
  });
});

describe('decideRetry: when to stop', () => {
  it('gives up on a temporary error after maxAttempts, with the last reason', () => {
    expect(decideRetry(temporary, 7, policy()).retry).toBe(true);
    const last = decideRetry(temporary, 8, policy());
    expect(last).toMatchObject({ retry: false, reason: 'gave up after 8 attempts: HTTP 503' });
  });

  it('never retries a permanent error, even on the first attempt, and keeps its cause', () => {
    const d = decideRetry(new PermanentDeliveryError('sms.ru 201: not enough money', 'balance', '201'), 1, policy());
    expect(d).toEqual({ retry: false, reason: 'sms.ru 201: not enough money', cause: 'balance' });
  });

  it('retries an unexpected error (a network fault we did not classify) as temporary', () => {
    expect(decideRetry(new Error('socket hang up'), 1, policy())).toMatchObject({ retry: true, cause: 'other' });
  });
});

describe("decideRetry: the provider's Retry-After", () => {
  it('waits exactly what the provider asked, without jitter, even above maxMs', () => {
    const d = decideRetry(new TemporaryDeliveryError('Too Many Requests', 120_000), 1, policy({ maxMs: 5, random: () => 0.9 }));
    expect(d).toMatchObject({ retry: true, delayMs: 120_000 });
  });

  it('holds an absurd Retry-After to its own bound (a day by default, configurable)', () => {
    const week = 7 * 24 * 3600_000;
    expect(decideRetry(new TemporaryDeliveryError('later', week), 1, policy())).toMatchObject({ delayMs: RETRY_AFTER_MAX_MS });
    expect(decideRetry(new TemporaryDeliveryError('later', week), 1, policy({ retryAfterMaxMs: 3_600_000 }))).toMatchObject({
      delayMs: 3_600_000,
    });
  });

  it('still gives up after maxAttempts when the provider keeps asking to wait', () => {
    expect(decideRetry(new TemporaryDeliveryError('later', 1000), 8, policy()).retry).toBe(false);
  });

  it("honours Telegram's 429 retry_after (seconds) through the channel's error mapping", () => {
    const err = classifyTelegramError({
      response: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 17', parameters: { retry_after: 17 } },
    });
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect(decideRetry(err, 1, policy({ maxMs: 5 }))).toMatchObject({ retry: true, delayMs: 17_000 });
  });

  it('reads an HTTP Retry-After in seconds or as a date, against the given clock', () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
