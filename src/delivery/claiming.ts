/**
 * Claiming due deliveries: several workers share the work, each delivery goes to one of them, and all that
 * one person has due on one channel goes to the same one, so that it leaves as one digest.
 */
import { claimKeys, releaseOwnKeys } from '../db/claims.js';
import type { LeanDelivery } from '../db/documents.js';
import { DeliveryModel } from '../db/models/index.js';

export interface ClaimedBatch {
  /** Deliveries this call won: every due delivery of each (person, channel) group it won. */
  winners: LeanDelivery[];
  /**
   * Group keys this call holds: released with {@link releaseGroups} once the batch's outcomes are written,
   * so that a later run (of this worker or another) may take the group again.
   */
  groups: string[];
  /** Claim keys someone else holds: groups and pending deliveries (for the stale-claim release). */
  lostPending: string[];
}

/** The claim key of a delivery's next claim, `<id>:<claimSeq>` (see src/db/claims.ts). */
export function claimKey(d: Pick<LeanDelivery, '_id' | 'claimSeq'>): string {
  return `${String(d._id)}:${d.claimSeq}`;
}

/** The claim key of what one person has due on one channel: held by one worker at a time. */
export function groupKey(d: Pick<LeanDelivery, 'person' | 'channel'>): string {
  return `group:${String(d.person)}:${d.channel}`;
}

/**
 * Claims the (person, channel) groups of up to `limit` due deliveries (pending and due by `dueBy`, or
 * sending with a lease run out at `now`), then every due delivery of each group won. Both claims are unique
 * inserts (see src/db/claims.ts): the group's keeps a person's deliveries with one worker — whatever the
 * batch size, however many workers share the work — and the delivery's keeps each delivery to one claim.
 * The lease itself is written afterwards, through the batch's writer. Returns 'none' when nothing is due.
 */
export async function claimDue(opts: {
  owner: string;
  limit: number;
  dueBy: Date;
  now: Date;
  taskNumber?: number | undefined;
}): Promise<ClaimedBatch | 'none'> {
  const due = dueFilter(opts);
  const candidates = await DeliveryModel.find(due).sort({ nextAttemptAt: 1 }).limit(opts.limit).lean<LeanDelivery[]>();
  if (candidates.length === 0) return 'none';
  const keys = [...new Set(candidates.map(groupKey))];
  const wonGroups = await claimKeys(keys, opts.owner, opts.now);
  // A delivery whose lease ran out was let go by its worker (it died, or lost touch): so was its group.
  // Its group claim is given up in that worker's name — only if that worker still holds it — and claimed anew.
  const lapsed = new Map<string, string[]>();
  for (const c of candidates) {
    const key = groupKey(c);
    if (c.status !== 'sending' || !c.leaseOwner || wonGroups.has(key)) continue;
    lapsed.set(c.leaseOwner, [...(lapsed.get(c.leaseOwner) ?? []), key]);
  }
  if (lapsed.size > 0) {
    for (const [holder, held] of lapsed) await releaseOwnKeys([...new Set(held)], holder);
    const retaken = await claimKeys([...new Set([...lapsed.values()].flat())], opts.owner, opts.now);
    for (const k of retaken) wonGroups.add(k);
  }
  const lost = keys.filter((k) => !wonGroups.has(k));
  if (wonGroups.size === 0) return { winners: [], groups: [], lostPending: lost };

  // Everything due of the groups won, not only what this page of candidates held.
  const people = [...new Set(candidates.filter((c) => wonGroups.has(groupKey(c))).map((c) => String(c.person)))];
  const all = await DeliveryModel.find({ ...due, person: { $in: people } }).lean<LeanDelivery[]>();
  const mine = all.filter((d) => wonGroups.has(groupKey(d)));
  const won = await claimKeys(mine.map(claimKey), opts.owner, opts.now);
  const winners = mine.filter((d) => won.has(claimKey(d)));
  // A group none of whose deliveries could be claimed is given back at once.
  const held = new Set(winners.map(groupKey));
  const empty = [...wonGroups].filter((k) => !held.has(k));
  await releaseOwnKeys(empty, opts.owner);
  return {
    winners,
    groups: [...held],
    lostPending: [...lost, ...mine.filter((d) => !won.has(claimKey(d)) && d.status === 'pending').map(claimKey)],
  };
}

/** Gives back the groups of a batch whose outcomes are written. */
export async function releaseGroups(keys: string[], owner: string): Promise<void> {
  await releaseOwnKeys(keys, owner);
}

/** What a run takes: pending and due by `dueBy`, or sending with a lease run out at `now` (of one task, with `taskNumber`). */
export function dueFilter(opts: { dueBy: Date; now: Date; taskNumber?: number | undefined }): Record<string, unknown> {
  return {
    $or: [
      { status: 'pending', nextAttemptAt: { $lte: opts.dueBy } },
      { status: 'sending', leaseUntil: { $lt: opts.now } },
    ],
    ...(opts.taskNumber !== undefined ? { taskNumber: opts.taskNumber } : {}),
  };
}
