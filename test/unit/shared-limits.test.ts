import { memorySlots } from '../../src/db/slots.js';
import { SharedCooldown, WindowLimiter } from '../../src/db/shared-limits.js';

describe('WindowLimiter', () => {
  it('lets the limit through, warns once past it, then is silent until the window has passed', async () => {
    let now = 1_020_000; // the start of a one-minute window
    const limiter = new WindowLimiter(
      'cmd',
      3,
      60_000,
      memorySlots(() => now),
      () => now,
    );
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push((await limiter.hit(7)).verdict);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'warn', 'silent']);
    expect((await limiter.hit(8)).verdict).toBe('ok');
    now += 59_999;
    expect(await limiter.hit(7)).toEqual({ verdict: 'silent', resetInMs: 1 });
    now += 1;
    expect((await limiter.hit(7)).verdict).toBe('ok');
  });

  it('counts the uses of two processes together, and warns only one of them', async () => {
    const now = () => 1_020_000;
    const slots = memorySlots(now);
    const a = new WindowLimiter('cmd', 4, 60_000, slots, now);
    const b = new WindowLimiter('cmd', 4, 60_000, slots, now);
    const verdicts = [];
    for (const limiter of [a, b, a, b, a, b, a]) verdicts.push((await limiter.hit(7)).verdict);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'warn', 'silent', 'silent']);
  });
});

describe('SharedCooldown', () => {
  it('grants a use, then answers the wait left until the cooldown has passed', async () => {
    let now = 1_000_000;
    const cooldown = new SharedCooldown(
      'send',
      60_000,
      memorySlots(() => now),
      () => now,
    );
    expect(await cooldown.take(5)).toBe(0);
    now += 20_000; // the next window (of 60 s) began at 1,020,000
    expect(await cooldown.take(5)).toBe(40_000);
    expect(await cooldown.take(6)).toBe(0);
    now += 39_999;
    expect(await cooldown.take(5)).toBe(1);
    now += 1;
    expect(await cooldown.take(5)).toBe(0);
    now += 1_000;
    expect(await cooldown.take(5)).toBe(59_000);
  });

  it('holds across two processes: the second one is told to wait', async () => {
    const now = () => 1_000_000;
    const slots = memorySlots(now);
    const a = new SharedCooldown('send', 30_000, slots, now);
    const b = new SharedCooldown('send', 30_000, slots, now);
    expect(await a.take(5)).toBe(0);
    expect(await b.take(5)).toBe(30_000);
  });

  it('is off at 0', async () => {
    const cooldown = new SharedCooldown('send', 0, memorySlots());
    expect([await cooldown.take(1), await cooldown.take(1)]).toEqual([0, 0]);
  });
});
