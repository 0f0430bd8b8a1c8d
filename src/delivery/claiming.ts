/**
 * Claiming due deliveries: several workers share the work, each delivery goes to one of them, and all that
 * one person has due on one channel goes to the same one, in one message.
 *
 * The claim is the message: one leased claim per (person, channel), inserted with the deliveries it
 * covers before anything is sent (src/db/leased-claims.ts). Its lease is renewed while the worker works; a
 * worker that dies leaves it to run out, and whoever takes it over sends the same deliveries again, as the
 * same message with the same Message-ID, but for what the dead worker recorded as done in the outcome journal
 * (src/delivery/journal.ts), which is folded in first. The deliveries themselves are not written until their
 * outcome is.
 */
import { groupBy } from '../domain/collections.js';
import type { Types } from 'mongoose';
import { ONE_ANSWER, type LeanDelivery } from '../db/documents.js';
import { insertLeasedClaims, setClaimItems, takeOverLapsed, type HeldClaim } from '../db/leased-claims.js';
import { releaseOwnKeys } from '../db/claims.js';
import { DeliveryModel } from '../db/models/index.js';
import { recoverOutcomes } from './journal.js';

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
  /** Deliveries of this page whose outcomes a dead worker had recorded: folded in, not sent again. */
  recovered: number;
  /**
   * The page was everything due then (but what `exclude` left out), and every group of it is won or held by
   * someone: the pass need not read another page for what was due when it started.
   */
  last: boolean;
}

/** The claim key of what one person has due on one channel: held by one worker at a time. */
export function groupKey(d: Pick<LeanDelivery, 'person' | 'channel'>): string {
  return `group:${String(d.person)}:${d.channel}`;
}

/**
 * Claims the (person, channel) groups of up to `limit` due deliveries (pending and due by `dueBy`), each with
 * every due delivery of the group.
 * A group whose claim lapsed (its worker died) is taken over with the deliveries it covered. The groups'
 * deliveries are read once the claims are ours (two reads of deliveries in all: the page, then its groups),
 * so that what another worker sent between our page and our claim is not sent twice. Returns 'none' when
 * nothing is due.
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
  const { candidates, more } = await duePage(due, opts.limit, opts.exclude ?? []);
  if (candidates.length === 0) return 'none';
  // One claim per (person, channel) group of the page, listing the page's deliveries of it for now.
  const byGroup = groupBy(candidates, groupKey, (d) => d._id);
  const leaseUntil = new Date(opts.now.getTime() + opts.leaseMs);
  const entries = [...byGroup].map(([key, items]) => ({ key, items }));
  const won = await insertLeasedClaims(entries, opts.owner, opts.now, leaseUntil);
  const fresh: HeldClaim[] = entries.filter((e) => won.has(e.key)).map((e) => ({ ...e, takenOver: false }));
  const { taken, lost } = await takeOverLapsed(
    entries.filter((e) => !won.has(e.key)).map((e) => e.key),
    opts.owner,
    opts.now,
    leaseUntil,
  );
  const leaseEnds = lost.flatMap((l) => (l.leaseUntil ? [l.leaseUntil.getTime()] : []));
  const lostInfo = { count: lost.length, firstLeaseEnd: leaseEnds.length ? new Date(Math.min(...leaseEnds)) : undefined };
  const lostKeys = new Set(lost.map((l) => l.key));
  const lostDeliveries = candidates.filter((d) => lostKeys.has(groupKey(d))).map((d) => d._id);
  // A key neither won nor held by someone was released after our insert failed: only a next page takes it.
  const takenKeys = new Set(taken.map((t) => t.key));
  const last = !more && entries.every((e) => won.has(e.key) || takenKeys.has(e.key) || lostKeys.has(e.key));
  if (fresh.length === 0 && taken.length === 0) return { winners: [], groups: [], lost: lostInfo, lostDeliveries, recovered: 0, last };

  // Read once the claims are ours, so that what another worker sent before we claimed is seen as sent:
  // - a group claimed anew: everything due of it, not only what the page held (one message each). A
  //   group with more than the page held gets its claim's list completed before anything is sent.
  // - a group taken over: exactly what its claim lists, whatever this run's scope (the message its first
  //   worker was sending).
  const freshKeys = new Set(fresh.map((h) => h.key));
  const people = [...new Set(candidates.filter((d) => freshKeys.has(groupKey(d))).map((d) => String(d.person)))];
  const dueOfFresh = people.length
    ? (
        await DeliveryModel.find({ ...due, person: { $in: people } })
          .batchSize(ONE_ANSWER)
          .lean<LeanDelivery[]>()
      ).filter((d) => freshKeys.has(groupKey(d)))
    : [];
  await completeItems(fresh, dueOfFresh, opts.owner);
  const current = [...dueOfFresh, ...(await readDue(taken, dueFilter({ dueBy: opts.dueBy })))];
  // A worker that died between recording outcomes and folding them (src/delivery/journal.ts) left them in
  // the journal: they are put into the documents now, and those deliveries are not sent as they were read.
  const recovered = await recoverOutcomes({ deliveries: current.map((d) => d._id) });
  const takenItems = new Map(taken.map((h) => [h.key, new Set(h.items.map(String))]));
  const winners = current.filter(
    (d) => (freshKeys.has(groupKey(d)) || takenItems.get(groupKey(d))?.has(String(d._id))) && !recovered.has(String(d._id)),
  );
  // A claim none of whose deliveries is left is given back at once.
  const busy = new Set(winners.map(groupKey));
  await releaseOwnKeys(
    [...fresh, ...taken].map((h) => h.key).filter((k) => !busy.has(k)),
    opts.owner,
  );
  return { winners, groups: [...busy], lost: lostInfo, lostDeliveries, recovered: recovered.size, last };
}

/**
 * Completes the lists of fresh claims whose groups have more due than the page held: what a worker that
 * takes the claim over after a crash sends is then the whole message. One update per such claim (rare:
 * a person with more due on a channel than a page reaches).
 */
async function completeItems(fresh: HeldClaim[], due: LeanDelivery[], owner: string): Promise<void> {
  const listed = new Map(fresh.map((h) => [h.key, new Set(h.items.map(String))]));
  for (const [key, items] of groupBy(due, groupKey, (d) => d._id)) {
    if (items.some((id) => !listed.get(key)?.has(String(id)))) await setClaimItems(key, owner, items);
  }
}

/** What a page needs of a candidate: its group and its place in line (the whole document is read once claimed). */
type Candidate = Pick<LeanDelivery, '_id' | 'person' | 'channel' | 'nextAttemptAt'>;
const CANDIDATE = { _id: 1, person: 1, channel: 1, nextAttemptAt: 1 } as const;

/**
 * The first `limit` due deliveries but those of `exclude`, and whether more are due (one more is read to
 * tell). An exclusion list of a few batches (this pass's own, in flight) is left out here rather than in the
 * query: FerretDB 1.x checks `$nin` value by value for every document it scans (time in proportion to the
 * collection times the list), and reading that many more documents costs less; on MongoDB both walk the
 * same index.
 */
async function duePage(
  due: Record<string, unknown>,
  limit: number,
  exclude: Types.ObjectId[],
): Promise<{ candidates: Candidate[]; more: boolean }> {
  const page = (read: Candidate[]) => ({ candidates: read.slice(0, limit), more: read.length > limit });
  if (exclude.length > 3 * limit) {
    return page(
      await DeliveryModel.find({ ...due, _id: { $nin: exclude } })
        .select(CANDIDATE)
        .sort({ nextAttemptAt: 1 })
        .limit(limit + 1)
        .batchSize(limit + 1)
        .lean<Candidate[]>(),
    );
  }
  const skip = new Set(exclude.map(String));
  const read = await DeliveryModel.find(due)
    .select(CANDIDATE)
    .sort({ nextAttemptAt: 1 })
    .limit(limit + 1 + skip.size)
    .batchSize(limit + 1 + skip.size)
    .lean<Candidate[]>();
  return page(read.filter((d) => !skip.has(String(d._id))));
}

async function readDue(claims: HeldClaim[], due: Record<string, unknown>): Promise<LeanDelivery[]> {
  const ids = claims.flatMap((h) => h.items);
  return ids.length
    ? DeliveryModel.find({ ...due, _id: { $in: ids } })
        .batchSize(ONE_ANSWER)
        .lean<LeanDelivery[]>()
    : [];
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
