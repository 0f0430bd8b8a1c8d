/**
 * What becomes of a delivery after an attempt: the update of each outcome (one place for the state machine
 * pending → sent | pending (retry, quiet hours) | failed | skipped), the tally of failures a run
 * reports, and the admin alert a failure raises.
 */
import type { AnyBulkWriteOperation, Types } from 'mongoose';
import type { Channel } from '../domain/types.js';
import type { RunFailure } from './port.js';
import type { Alerter } from './alerts.js';
import { alertFor } from '../i18n/alerts.js';
import type { FailureCause } from '../domain/types.js';

/**
 * One update of one delivery, by `_id` alone. Exclusivity comes from the claim, not from the filter; and
 * an `_id`-only filter is the one FerretDB 1.x looks up through its index (any other filter scans the
 * whole collection), while on MongoDB it is as cheap as it gets.
 */
export function byId(id: Types.ObjectId, update: Record<string, unknown>): AnyBulkWriteOperation {
  return { updateOne: { filter: { _id: id }, update } };
}

/**
 * The update of each outcome: the one write a delivery gets in a run (its claim is a separate document,
 * src/db/leased-claims.ts).
 */
export const outcome = {
  skipped: (reason: string) => ({ $set: { status: 'skipped', lastError: reason } }),
  /** Held until the person's quiet hours end. */
  held: (until: Date) => ({ $set: { status: 'pending', nextAttemptAt: until, heldFor: 'quiet' } }),
  /**
   * Sent. Only what differs from message to message makes two updates differ, so that the outcomes of many
   * messages are one statement (see {@link mergeOutcomes}): the address only when it is not the one
   * planned, the provider's id only where something reads it back (SMS delivery reports, Telegram message
   * ids). An e-mail's Message-ID is not kept: it is made again from the deliveries (messageIdOf).
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

/**
 * Outcome updates as few statements: updates that are the same (but for `sentAt`, the moment of each send)
 * become one `updateMany` of their `_id`s, with the latest `sentAt` of them (the same write, within
 * milliseconds). Order does not matter: each delivery has one update in a write.
 */
export function mergeOutcomes(ops: AnyBulkWriteOperation[]): AnyBulkWriteOperation[] {
  const groups = new Map<string, { ids: Types.ObjectId[]; update: Record<string, unknown>; sentAt?: Date }>();
  const other: AnyBulkWriteOperation[] = [];
  for (const op of ops) {
    const u = 'updateOne' in op ? op.updateOne : undefined;
    const id = (u?.filter as { _id?: Types.ObjectId } | undefined)?._id;
    if (!u || !id || Object.keys(u.filter).length !== 1) {
      other.push(op);
      continue;
    }
    const update = u.update as Record<string, Record<string, unknown> | undefined>;
    const { sentAt, ...set } = update.$set ?? {};
    const key = JSON.stringify({ ...update, $set: set });
    const g = groups.get(key) ?? { ids: [], update };
    g.ids.push(id);
    if (sentAt instanceof Date && (!g.sentAt || sentAt > g.sentAt)) g.sentAt = sentAt;
    groups.set(key, g);
  }
  const merged = [...groups.values()].map(({ ids, update, sentAt }): AnyBulkWriteOperation => {
    const u = sentAt ? { ...update, $set: { ...(update.$set as object), sentAt } } : update;
    return ids.length === 1 ? byId(ids[0]!, u) : { updateMany: { filter: { _id: { $in: ids } }, update: u } };
  });
  return [...merged, ...other];
}

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
