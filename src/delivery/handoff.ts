/**
 * A run's planning hands what it plans straight to the run's first batch, when nothing else was due: the
 * batch is then claimed before its deliveries are written, and its context is what planning read, so the
 * run sends without reading back what it has just written (on FerretDB each such read decodes the whole
 * collection: the page of due deliveries, the claimed groups' deliveries, their changes, tasks and people,
 * 350 ms of a /send of 1,000 deliveries).
 *
 * Safe because the claims come first: a delivery that does not exist yet cannot have been sent by anyone,
 * and once it exists its (person, channel) group is ours. A worker that dies between the claims and the
 * insert leaves claims over nothing, which whoever takes them over finds empty and gives back. The hand-off
 * is all or nothing: when anything else was due in the run's scope, when a group is someone else's, when a
 * delivery turns out to be planned already (another worker planned the same change at once), or when the
 * page is larger than a batch, the run claims everything the usual way (src/delivery/claiming.ts).
 */
import type { LeanDelivery } from '../db/documents.js';
import { insertLeasedClaims } from '../db/leased-claims.js';
import { releaseOwnKeys } from '../db/claims.js';
import { DeliveryModel } from '../db/models/index.js';
import { groupBy } from '../domain/collections.js';
import { dueFilter, groupKey } from './claiming.js';
import type { BatchContext } from './compose.js';
import { insertDeliveries, type NewDelivery } from './new-delivery.js';

/** What the run's first batch gets from planning. */
export interface HandedBatch {
  /** The deliveries, claimed (every due one of their groups: nothing else was due). */
  winners: LeanDelivery[];
  /** Their claims' keys. */
  groups: string[];
  /** What planning read: their changes, tasks and people, as they were when it decided who hears. */
  ctx: BatchContext;
}

export class HandOff {
  #othersDue: Promise<boolean> = Promise.resolve(true);
  #batch: HandedBatch | undefined;
  /** Every delivery planned due in scope is in the batch: the run needs no page of its own. */
  #complete = false;

  constructor(
    private readonly opts: {
      owner: string;
      leaseMs: number;
      taskNumber?: number | undefined;
      /** Largest batch handed over (DISPATCH_BATCH). */
      limit: number;
      clock: () => Date;
    },
  ) {}

  /**
   * Called by planning before it reads the changes (and after the reminders are planned): is anything due
   * already in the run's scope (a retry, a reminder, a dead worker's claim)? Read while planning reads.
   */
  start(): void {
    this.#othersDue = DeliveryModel.exists(dueFilter({ dueBy: this.opts.clock(), taskNumber: this.opts.taskNumber }))
      .then((found) => found !== null)
      // Any doubt: no hand-off. The usual claim finds out.
      .catch(() => true);
  }

  /**
   * Planning's insert of its one page of deliveries: claims their groups first, then writes them. Returns how
   * many were new, as {@link insertDeliveries} does.
   */
  async insert(docs: NewDelivery[], ctx: BatchContext): Promise<number> {
    const now = this.opts.clock();
    const due = docs.filter((d) => d.nextAttemptAt <= now && this.#inScope(d) && !d.heldFor);
    if (due.length === 0 || due.length > this.opts.limit || (await this.#othersDue)) return insertDeliveries(docs);
    const entries = [...groupBy(due, groupKey, (d) => d._id)].map(([key, items]) => ({ key, items }));
    const won = await insertLeasedClaims(entries, this.opts.owner, now, new Date(now.getTime() + this.opts.leaseMs));
    let written: number;
    try {
      written = await insertDeliveries(docs);
    } catch (err) {
      await this.#release(won);
      throw err;
    }
    if (written < docs.length) {
      // Some were planned already (by another worker, at once): what exists is not what we claimed.
      await this.#release(won);
      return written;
    }
    const mine = due.filter((d) => won.has(groupKey(d)));
    if (mine.length === 0) return written;
    this.#complete = mine.length === due.length;
    this.#batch = { winners: mine, groups: [...won], ctx };
    return written;
  }

  /**
   * The batch, once; undefined when nothing was handed over. `complete`: it is all that is due in the run's
   * scope (nothing else was, and no group was someone else's), so the run needs no page of its own.
   */
  take(): (HandedBatch & { complete: boolean }) | undefined {
    const batch = this.#batch;
    this.#batch = undefined;
    return batch && { ...batch, complete: this.#complete };
  }

  #inScope(d: NewDelivery): boolean {
    return this.opts.taskNumber === undefined || d.taskNumber === this.opts.taskNumber;
  }

  async #release(won: Set<string>): Promise<void> {
    await releaseOwnKeys([...won], this.opts.owner);
  }
}
