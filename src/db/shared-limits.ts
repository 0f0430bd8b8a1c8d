/**
 * Limits that hold for the whole deployment, however many bot and worker processes share the database:
 * counted in slots (src/db/slots.ts), so that two processes never count the same use twice and never both
 * grant the last one.
 */
import type { SlotStore } from './slots.js';

export type WindowVerdict = 'ok' | 'warn' | 'silent';

/**
 * At most `perWindow` uses per key in each fixed window of `windowMs` (windows start at multiples of it).
 * Each use takes the next free numbered slot of its key and window; this process remembers where its last
 * one was, so a use costs one insert unless another process took slots meanwhile.
 */
export class WindowLimiter {
  private readonly next = new Map<string, { window: number; k: number }>();

  /**
   * @param name what is limited, part of every slot id (`cmd`, `api` …)
   * @param perWindow uses of one key in one window
   * @param windowMs the window, in ms
   */
  constructor(
    private readonly name: string,
    private readonly perWindow: number,
    private readonly windowMs: number,
    private readonly store: SlotStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one use of `key`: `ok` within the limit; past it `warn` for the first use (in the whole
   * deployment) and `silent` after; `resetInMs` is when the window ends.
   */
  async hit(key: string | number): Promise<{ verdict: WindowVerdict; resetInMs: number }> {
    const t = this.now();
    const window = Math.floor(t / this.windowMs);
    const until = (window + 1) * this.windowMs;
    const resetInMs = until - t;
    const id = (k: number | string) => `${this.name}:${key}:${window}:${k}`;
    const memo = this.next.get(String(key));
    // Forget keys of past windows when a new key comes and the memory is large (not on every use).
    if (!memo && this.next.size > 10_000) for (const [other, v] of this.next) if (v.window < window) this.next.delete(other);
    let k = memo?.window === window ? memo.k : 0;
    for (; k < this.perWindow; k++) {
      if (await this.store.take(id(k), until)) {
        this.next.set(String(key), { window, k: k + 1 });
        return { verdict: 'ok', resetInMs };
      }
    }
    this.next.set(String(key), { window, k });
    return { verdict: (await this.store.take(id('over'), until)) ? 'warn' : 'silent', resetInMs };
  }
}

/**
 * A wait of `ms` between two uses of a key (the `/send` cooldown), for the whole deployment. A use takes
 * the slot of its key in the window of `ms` it falls in (kept until its wait ends), then looks at both
 * neighbouring windows: a use there whose wait has not ended (or a use racing in the next window) wins, and
 * this one gives its slot back. So two processes never both grant uses closer than `ms`; in a race within
 * a few milliseconds both may refuse, and the person is told to wait.
 */
export class SharedCooldown {
  constructor(
    private readonly name: string,
    private readonly ms: number,
    private readonly store: SlotStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the turn of `key`: 0 when granted (and the wait starts), else the ms left before it may be tried again. */
  async take(key: string | number): Promise<number> {
    if (this.ms <= 0) return 0;
    const t = this.now();
    const window = Math.floor(t / this.ms);
    const id = (w: number) => `${this.name}:${key}:${w}`;
    const mine = id(window);
    if (!(await this.store.take(mine, t + this.ms))) {
      const until = await this.store.until(mine);
      return Math.max(1, (until ?? t + this.ms) - t);
    }
    const before = await this.store.until(id(window - 1));
    const after = await this.store.until(id(window + 1));
    const waitMs = Math.max(before !== undefined ? before - t : 0, after !== undefined ? this.ms : 0);
    if (waitMs <= 0) return 0;
    await this.store.release(mine);
    return waitMs;
  }
}
