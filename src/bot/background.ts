/**
 * Work a handler starts and does not wait for (e.g. editing `/send`'s message when its run ends): in long
 * polling telegraf handles one update at a time, so a handler that waited would keep everyone else waiting.
 * Each task is tracked: its error is logged, and stopping the bot waits for what is still running.
 */
import type { Logger } from '../logger.js';

export interface Background {
  /** Runs `fn` without holding the caller; a failure is logged with `what`. */
  run(what: string, fn: () => Promise<unknown>): void;
  /** Tasks still running. */
  readonly size: number;
  /** Waits for the running tasks, at most `timeoutMs` ms; resolves with how many were still running then. */
  drain(timeoutMs: number): Promise<number>;
}

export function createBackground(logger: Logger): Background {
  const running = new Set<Promise<void>>();
  return {
    run(what, fn) {
      const p: Promise<void> = fn()
        .then(() => undefined)
        .catch((err: unknown) => logger.error({ err }, `${what} failed`))
        .finally(() => running.delete(p));
      running.add(p);
    },
    get size() {
      return running.size;
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
      try {
        await Promise.race([Promise.allSettled([...running]), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return running.size;
    },
  };
}
