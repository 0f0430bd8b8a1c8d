/**
 * A per-person wait between two uses of a command (`/send <n>`), kept in the bot process: Telegram lets one
 * process take a bot's updates (one long-polling consumer, or one webhook), so this is the only copy.
 */

export interface Cooldown {
  /** Takes the turn of `key`: 0 when granted (and the wait starts), else the ms left before it may be tried again. */
  take(key: string | number): number;
}

/** A cooldown of `ms` milliseconds (0: none); `now` is the clock, in ms. */
export function createCooldown(ms: number, now: () => number = Date.now): Cooldown {
  const last = new Map<string, number>();
  return {
    take(key) {
      if (ms <= 0) return 0;
      const t = now();
      // Forget whoever may act again, so that the map holds only the people waiting.
      for (const [k, at] of last) if (t - at >= ms) last.delete(k);
      const at = last.get(String(key));
      if (at !== undefined) return ms - (t - at);
      last.set(String(key), t);
      return 0;
    },
  };
}
