import { setTimeout as pause } from 'node:timers/promises';

/**
 * Waits until `check` holds, looking every `everyMs` (default 50 ms); throws naming `what` after `timeoutMs`.
 * Tests wait on conditions like this one, never for a fixed time.
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(everyMs);
  }
}
