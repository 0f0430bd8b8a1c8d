/**
 * A timer for a moment however far away. Node clamps a `setTimeout` delay above 2^31−1 ms (about 24.8 days)
 * to 1 ms, so a yearly or monthly schedule armed with one plain timer fires at once, re-arms, fires again:
 * a busy loop writing a Run every few milliseconds. An alarm waits in steps no longer than that limit and
 * looks at the clock again after each step.
 */

/** The largest delay Node's timers honour, in ms; a larger one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Alarm {
  /** Stops the alarm; safe to call twice, and after it has rung. */
  cancel(): void;
}

/**
 * Calls `ring` once, at `at` or just after it (never before, by `now`). Timers are unref'd: an alarm alone
 * does not keep the process alive.
 * @param now the clock, in ms since the epoch. @defaultValue Date.now
 */
export function setAlarm(at: Date, ring: () => void, now: () => number = Date.now): Alarm {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const wait = (): void => {
    if (cancelled) return;
    const left = at.getTime() - now();
    if (left <= 0) {
      timer = undefined;
      ring();
      return;
    }
    timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  wait();
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
