/**
 * Readiness of long polling, learned from the paced Bot API client's observe hooks (src/telegram/client.ts):
 * when getUpdates, which telegraf's polling loop calls, was last sent and last answered. Nothing of
 * telegraf is patched.
 */
import { pollingReadiness, type PollingState, type Readiness } from '../http/readiness.js';
import type { Pacing } from '../telegram/client.js';

/** Long polling counts as stopped when getUpdates has not answered for this long (telegraf's long poll is 50 s), in ms. */
const POLLING_STALE_MS = 90_000;

export function watchPolling(): { observeApi: NonNullable<Pacing['observe']>; readiness: (mode: 'webhook' | 'polling') => Readiness } {
  const polling: PollingState = { waitingSince: 0, answeredAt: 0 };
  return {
    observeApi: {
      start(method: string) {
        if (method !== 'getUpdates') return;
        // A new request (telegraf retries a failed one after a pause) is a new chance: the failure is past.
        polling.waitingSince = Date.now();
        polling.lastError = undefined;
      },
      end(method: string, _seconds: number, err?: unknown) {
        if (method !== 'getUpdates') return;
        polling.waitingSince = 0;
        if (err === undefined) polling.answeredAt = Date.now();
        else polling.lastError = err instanceof Error ? err.message : JSON.stringify(err);
      },
    },
    readiness: (mode) => pollingReadiness(mode, polling, POLLING_STALE_MS),
  };
}
