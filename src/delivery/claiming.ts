/**
 * Claiming due deliveries: several workers share the work, each delivery goes to one of them, and all that
 * one person has due on one channel goes to the same one, in one message.
 *
 * The claim is the message: one leased claim per (person, channel), inserted with the deliveries it
 * covers before anything is sent (src/db/leased-claims.ts). Its lease is renewed while the worker works; a
 * worker that dies leaves it to run out, and whoever takes it over sends the same deliveries again, as the
 * same message with the same Message-ID. The deliveries themselves are not written until their outcome is.
 */
import type { Types } from 'mongoose';
import type { LeanDelivery } from '../db/documents.js';
import { insertLeasedClaims, takeOverLapsed, type HeldClaim } from '../db/leased-claims.js';
import { releaseOwnKeys } from '../db/claims.js';
import { DeliveryModel } from '../db/models/index.js';

export interface ClaimedBatch {
  /** Deliveries this call won: every due delivery of each (person, channel) claim it holds. */
  winners: LeanDelivery[];
  /**
   * Group keys this call holds: renewed while the batch is sent, and released with {@link releaseGroups}
   * once the batch's outcomes are written.
   */
  groups: string[];
  /** Groups someone else holds with a live lease: how many, and when the first of those leases runs out. */
  lost: { count: number; firstLeaseEnd?: Date | undefined };
  /** The due deliveries of those groups: a later claim of this run leaves them out of its page. */
  lostDeliveries: Types.ObjectId[];
}

/** The claim key of what one person has due on one channel: held by one worker at a time. */
export function groupKey(d: Pick<LeanDelivery, 'person' | 'channel'>): string {
  return `group:${String(d.person)}:${d.channel}`;
}

/**
 * Claims the (person, channel) groups of up to `limit` due deliveries (pending and due by `dueBy`), each with
 * every due delivery of the group.
 * A group whose claim lapsed (its worker died) is taken over with the deliveries it covered. The deliveries
 * are read again after the claim, so that what another worker sent between our read and our claim is not
 * sent twice. Returns 'none' when nothing is due.
 */
export async function claimDue(opts: {
  owner: string;
  limit: number;
  dueBy: Date;
  now: Date;
  leaseMs: number;
  taskNumber?: number | undefined;
  /** Deliveries others hold (from earlier claims of this run): not candidates. */
  exclude?: Types.ObjectId[];
}): Promise<ClaimedBatch | 'none'> {
  const due = dueFilter(opts);
  const page = opts.exclude?.length ? { ...due, _id: { $nin: opts.exclude } } : due;
  const candidates = await DeliveryModel.find(page).sort({ nextAttemptAt: 1 }).limit(opts.limit).lean<LeanDelivery[]>();
  if (candidates.length === 0) return 'none';
  const keys = new Set(candidates.map(groupKey));
  // Everything due of these groups, not only what this page of candidates held: one message each.
  const people = [...new Set(candidates.map((c) => String(c.person)))];
  const all = await DeliveryModel.find({ ...due, person: { $in: people } }).lean<LeanDelivery[]>();
  const byGroup = new Map<string, Types.ObjectId[]>();
  for (const d of all) {
    const key = groupKey(d);
    if (keys.has(key)) byGroup.set(key, [...(byGroup.get(key) ?? []), d._id]);
  }
  const leaseUntil = new Date(opts.now.getTime() + opts.leaseMs);
  const entries = [...byGroup].map(([key, items]) => ({ key, items }));
  const won = await insertLeasedClaims(entries, opts.owner, opts.now, leaseUntil);
  const held: HeldClaim[] = entries.filter((e) => won.has(e.key)).map((e) => ({ ...e, takenOver: false }));
  const { taken, lost } = await takeOverLapsed(
    entries.filter((e) => !won.has(e.key)).map((e) => e.key),
    opts.owner,
    opts.now,
    leaseUntil,
  );
  held.push(...taken);
  const leaseEnds = lost.flatMap((l) => (l.leaseUntil ? [l.leaseUntil.getTime()] : []));
  const lostInfo = { count: lost.length, firstLeaseEnd: leaseEnds.length ? new Date(Math.min(...leaseEnds)) : undefined };
  const lostKeys = new Set(lost.map((l) => l.key));
  const lostDeliveries = all.filter((d) => lostKeys.has(groupKey(d))).map((d) => d._id);
  if (held.length === 0) return { winners: [], groups: [], lost: lostInfo, lostDeliveries };

  // What each claim covers, as it is now: a delivery sent (or put back for later) by another worker
  // between our read and our claim is left out. A claim taken over is sent whole, whatever this run's
  // scope: it is the message its first worker was sending.
  const current = [
    ...(await readDue(
      held.filter((h) => !h.takenOver),
      due,
    )),
    ...(await readDue(
      held.filter((h) => h.takenOver),
      dueFilter({ dueBy: opts.dueBy }),
    )),
  ];
  const covered = new Map(held.map((h) => [h.key, new Set(h.items.map(String))]));
  const winners = current.filter((d) => covered.get(groupKey(d))?.has(String(d._id)));
  // A claim none of whose deliveries is left is given back at once.
  const busy = new Set(winners.map(groupKey));
  await releaseOwnKeys(
    held.map((h) => h.key).filter((k) => !busy.has(k)),
    opts.owner,
  );
  return { winners, groups: [...busy], lost: lostInfo, lostDeliveries };
}

async function readDue(claims: HeldClaim[], due: Record<string, unknown>): Promise<LeanDelivery[]> {
  const ids = claims.flatMap((h) => h.items);
  return ids.length ? DeliveryModel.find({ ...due, _id: { $in: ids } }).lean<LeanDelivery[]>() : [];
}

/** Gives back the groups of a batch whose outcomes are written. */
export async function releaseGroups(keys: string[], owner: string): Promise<void> {
  await releaseOwnKeys(keys, owner);
}

/** What a run takes: pending and due by `dueBy` (of one task, with `taskNumber`). */
export function dueFilter(opts: { dueBy: Date; taskNumber?: number | undefined }): Record<string, unknown> {
  return {
    status: 'pending',
    nextAttemptAt: { $lte: opts.dueBy },
    ...(opts.taskNumber !== undefined ? { taskNumber: opts.taskNumber } : {}),
  };
}
