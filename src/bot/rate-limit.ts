/**
 * Per-person limit on what reaches the bot: a fixed one-minute window per Telegram id, in memory, per
 * process (with several bot processes each counts on its own). Past the limit the person is told once
 * per window, then ignored until the window has passed.
 */
export type RateVerdict = 'ok' | 'warn' | 'silent';

export class RateLimiter {
  private readonly windows = new Map<number, { start: number; count: number }>();

  /**
   * @param perWindow updates one person may send in a window
   * @param windowMs the window's length, in ms. @defaultValue 60_000
   */
  constructor(
    private readonly perWindow: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one update of `personId`: `ok` to handle it, `warn` for the first one past the limit, then `silent`. */
  hit(personId: number): RateVerdict {
    const now = this.now();
    let w = this.windows.get(personId);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 10_000) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(personId, w);
    }
    w.count++;
    if (w.count <= this.perWindow) return 'ok';
    return w.count === this.perWindow + 1 ? 'warn' : 'silent';
  }

  /** Forgets windows that have passed, so that memory stays bounded by the people active in a minute. */
  private sweep(now: number): void {
    for (const [id, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(id);
  }
}
