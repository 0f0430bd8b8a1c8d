/**
 * What becomes of a delivery after an attempt: the update of each outcome (one place for the state machine
 * pending → sent | pending (retry, quiet hours) | failed | skipped), the tally of failures a run
 * reports, and the admin alert a failure raises.
 */
import type { Types } from 'mongoose';
import type { Channel } from '../domain/types.js';
import type { RunFailure } from './port.js';
import type { Alerter } from './alerts.js';
import { alertFor } from '../i18n/alerts.js';
import type { FailureCause } from '../domain/types.js';
import type { DeliveryUpdate, OutcomeUpdate } from './journal.js';

/** The outcome `update` of delivery `id` (recorded in the journal, src/delivery/journal.ts). */
export function byId(id: Types.ObjectId, update: DeliveryUpdate): OutcomeUpdate {
  return { id, update };
}

/**
 * The change each outcome makes to its delivery: recorded in the outcome journal, then folded into the
 * delivery's document once per batch (src/delivery/journal.ts). Its claim is a separate document
 * (src/db/leased-claims.ts).
 */
export const outcome = {
  skipped: (reason: string) => ({ $set: { status: 'skipped', lastError: reason } }),
  /** Held until the person's quiet hours end. */
  held: (until: Date) => ({ $set: { status: 'pending', nextAttemptAt: until, heldFor: 'quiet' } }),
  /**
   * Sent: the address only when it is not the one planned, the provider's id only where something reads it
   * back (SMS delivery reports, Telegram message ids). An e-mail's Message-ID is not kept: it is made again
   * from the deliveries (messageIdOf).
   */
  sent: (r: { at: Date; attempts: number; address?: string | undefined; providerMessageId?: string | undefined }) => ({
    $set: {
      status: 'sent',
      sentAt: r.at,
      attempts: r.attempts,
      ...(r.address ? { address: r.address } : {}),
      ...(r.providerMessageId ? { providerMessageId: r.providerMessageId } : {}),
    },
    $unset: { heldFor: '', lastError: '', failureCause: '', failureDetail: '' },
  }),
  retrying: (r: { attempts: number; at: Date; reason: string; cause: FailureCause; detail: string }) => ({
    $set: {
      status: 'pending',
      attempts: r.attempts,
      nextAttemptAt: r.at,
      heldFor: 'retry',
      lastError: r.reason,
      failureCause: r.cause,
      failureDetail: r.detail,
    },
  }),
  failed: (r: { attempts: number; reason: string; cause: FailureCause; detail: string }) => ({
    $set: { status: 'failed', attempts: r.attempts, lastError: r.reason, failureCause: r.cause, failureDetail: r.detail },
    $unset: { heldFor: '' },
  }),
} as const;

/** Deliveries that failed for good in a run, grouped by channel and reason. */
export class FailureTally {
  readonly #byKey = new Map<string, RunFailure>();

  /** Counts `count` messages failed for `failure.reason` on `failure.channel` (its cause and detail kept once). */
  add(failure: Omit<RunFailure, 'count'>, count: number): void {
    const key = `${failure.channel}:${failure.reason}`;
    const f = this.#byKey.get(key) ?? { ...failure, count: 0 };
    f.count += count;
    this.#byKey.set(key, f);
  }

  list(): RunFailure[] {
    return [...this.#byKey.values()];
  }
}

/** The alert key of a cause: a bad address is one person's, any other cause the channel's. */
export function alertKey(cause: FailureCause, channel: Channel, personId: string): string {
  return cause === 'address' ? `address:${personId}:${channel}` : `${channel}:${cause}`;
}

/** Tells admins about a failure, once per cause (causes not worth an alert raise nothing). */
export async function raiseAlert(
  alerter: Alerter,
  failure: { cause: FailureCause; detail: string; retrying: boolean },
  channel: Channel,
  person: { id: string; name: string; address: string },
): Promise<void> {
  const alert = alertFor(failure.cause, channel, failure.detail, person, failure.retrying);
  if (alert) await alerter.raise(alertKey(failure.cause, channel, person.id), alert);
}

/** Clears the alerts a success proves wrong: the channel's, and this person's address on it. */
export async function resolveAlerts(alerter: Alerter, channel: Channel, personId: string): Promise<void> {
  await alerter.resolve(`${channel}:`, alertKey('address', channel, personId));
}
