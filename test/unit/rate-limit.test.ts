import { RateLimiter } from '../../src/bot/rate-limit.js';

it('lets the limit through, warns once past it, then is silent until the window has passed', () => {
  let now = 1_000_000;
  const limiter = new RateLimiter(3, 60_000, () => now);
  expect([1, 2, 3].map(() => limiter.hit(7))).toEqual(['ok', 'ok', 'ok']);
  expect(limiter.hit(7)).toBe('warn');
  expect(limiter.hit(7)).toBe('silent');
  expect(limiter.hit(8)).toBe('ok');
  now += 59_999;
  expect(limiter.hit(7)).toBe('silent');
  now += 1;
  expect(limiter.hit(7)).toBe('ok');
});
