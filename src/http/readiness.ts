/**
 * `/readyz`: whether this process can do its work now, as opposed to `/healthz` (is it alive at all). A load
 * balancer or Kubernetes stops sending it work while it is not ready; nobody restarts it for that.
 */
import type { Readiness } from '../scheduler/dispatch-thread.js';

export type { Readiness };

/** The parts of one process: the database always; the dispatch thread for a worker; polling or the webhook for a bot. */
export interface ReadinessChecks {
  database: () => Promise<boolean>;
  worker?: () => Readiness;
  bot?: () => Readiness;
}

/** The first part that is not ready gives the reason; else the details of all. */
export async function checkReadiness(
  checks: ReadinessChecks,
): Promise<{ ready: true; checks: Record<string, string> } | { ready: false; reason: string }> {
  if (!(await checks.database())) return { ready: false, reason: 'database unreachable' };
  const found: Record<string, string> = { database: 'up' };
  for (const [name, check] of [
    ['worker', checks.worker],
    ['bot', checks.bot],
  ] as const) {
    if (!check) continue;
    const r = check();
    if (!r.ready) return { ready: false, reason: r.reason };
    found[name] = r.detail;
  }
  return { ready: true, checks: found };
}

/** What the bot's long polling last did (times in ms since the epoch; 0: never). */
export interface PollingState {
  /** When the getUpdates now waiting for its answer was sent; 0 when none is. */
  waitingSince: number;
  /** When a getUpdates last answered. */
  answeredAt: number;
  /** Why the last getUpdates failed, until the next one is sent. */
  lastError?: string;
}

/**
 * Long polling is receiving while its last getUpdates did not fail and it answered, or was sent, within
 * `staleMs` (a long poll waits up to its timeout, 50 s in telegraf, when nothing arrives). In webhook mode
 * the bot is ready once the webhook is set, which start-up does before serving.
 */
export function pollingReadiness(mode: 'webhook' | 'polling', state: PollingState, staleMs: number, now = Date.now()): Readiness {
  if (mode === 'webhook') return { ready: true, detail: 'webhook set' };
  // The error's own words stay in the log: /readyz may be reachable by more people than the log.
  if (state.lastError !== undefined) return { ready: false, reason: 'bot polling: getUpdates failed (see the log)' };
  const last = Math.max(state.waitingSince, state.answeredAt);
  if (last === 0) return { ready: false, reason: 'bot polling not started yet' };
  const age = now - last;
  if (age > staleMs) return { ready: false, reason: `bot polling: no answer from Telegram for ${Math.round(age / 1000)} s` };
  return { ready: true, detail: 'polling' };
}
