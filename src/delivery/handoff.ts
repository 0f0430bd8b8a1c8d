/**
 * A run's planning hands what it plans straight to the run's first batch, when nothing else was due: the
 * batch is then claimed before its deliveries are written, and its context is what planning read, so the
 * run sends without reading back what it has just written (on FerretDB each such read decodes the whole
 * collection: the page of due deliveries, the claimed groups' deliveries, their changes, tasks and people,
 * 350 ms of a /send of 1,000 deliveries).
 *
 * Safe because the claims come first: a delivery that does not exist yet cannot have been sent by anyone,
 * and once it exists its (person, channel) group is ours. A worker that dies between the claims and the
 * insert leaves claims over nothing, which whoever takes them over finds empty and gives back.
 *
 * It is written in parts: the first {@link FIRST_GROUPS} groups (claims, then deliveries), which the batch
 * starts sending at once, then {@link PART_GROUPS} groups at a time, one part after another while those go
 * out; a group is sent once its part is written. Whatever would make a part's deliveries not all ours — a
 * delivery planned already (another worker planned the same change at once: the unique key refuses ours),
 * a group someone else holds — keeps that part's groups (or that group) out of the batch, their claims given
 * back, for the run's usual claim (src/delivery/claiming.ts). Nothing is handed over when anything else was
 * due in the run's scope, or when the page is larger than a batch.
 */
import type { LeanDelivery } from '../db/documents.js';
import { insertLeasedClaims } from '../db/leased-claims.js';
import { releaseOwnKeys } from '../db/claims.js';
import { DeliveryModel } from '../db/models/index.js';
import { groupBy } from '../domain/collections.js';
import { dueFilter, groupKey } from './claiming.js';
import type { BatchContext } from './compose.js';
import { insertDeliveries, type NewDelivery } from './new-delivery.js';

/**
 * Groups of the first part: written before anything is sent. Enough to keep a pool of
 * `DISPATCH_CONCURRENCY` busy while the next part is written.
 */
export const FIRST_GROUPS = 64;

/**
 * Groups of each further part, written one after another while the batch sends: a pool slot that reaches a
 * group of a part not yet written waits for it (on FerretDB about 15 ms a part).
 */
export const PART_GROUPS = 128;

/** `groups` cut into parts: `first`, then `size` at a time. */
function partsOf<T>(groups: T[], first: number, size: number): T[][] {
  const parts = [groups.slice(0, first)];
  for (let i = first; i < groups.length; i += size) parts.push(groups.slice(i, i + size));
  return parts;
}

/** A failed write, kept as a value. */
const caught = (err: unknown) => ({ err });

/** What the run's first batch gets from planning. */
export interface HandedBatch {
  /** The deliveries: claimed, or (those of later parts) to be sent once {@link HandedBatch.ready} says so. */
  winners: LeanDelivery[];
  /** Their claims' keys. */
  groups: string[];
  /** What planning read: their changes, tasks and people, as they were when it decided who hears. */
  ctx: BatchContext;
  /** Whether the group `key` may be sent: its claim is ours and its deliveries are written as planned. */
  ready: (key: string) => Promise<boolean>;
  /**
   * Whether the batch is all that is due in the run's scope (nothing else was, no group was someone else's,
   * no delivery planned already), so the run needs no page of its own. Never rejects.
   */
  complete: Promise<boolean>;
}

interface Part {
  /** Its groups whose claims are ours and whose deliveries are written. */
  ours: Set<string>;
  /** Every due delivery of the part is in `ours`' groups. */
  whole: boolean;
}

export class HandOff {
  #othersDue: Promise<boolean> = Promise.resolve(true);
  #batch: HandedBatch | undefined;
  /** The later parts' writes, and that of the deliveries not handed over: what planning's mark waits for. */
  #later: Promise<{ whole: boolean } | { err: unknown }> = Promise.resolve({ whole: true });

  constructor(
    private readonly opts: {
      owner: string;
      leaseMs: number;
      taskNumber?: number | undefined;
      /** Largest batch handed over (DISPATCH_BATCH). */
      limit: number;
      clock: () => Date;
      /** @defaultValue {@link FIRST_GROUPS} */
      firstGroups?: number;
      /** @defaultValue {@link PART_GROUPS} */
      partGroups?: number;
    },
  ) {}

  /**
   * Called by planning as it starts: once `after` (the reminders' planning) has settled, is anything due
   * already in the run's scope (a retry, a reminder, a dead worker's claim)? Read while planning reads.
   */
  start(after: Promise<unknown>): void {
    this.#othersDue = after
      .then(() => DeliveryModel.exists(dueFilter({ dueBy: this.opts.clock(), taskNumber: this.opts.taskNumber })))
      .then((found) => found !== null)
      // Any doubt (the reminders or the read failed): no hand-off. The usual claim finds out.
      .catch(() => true);
  }

  /**
   * Planning's insert of its one page of deliveries. Returns how many its first part wrote, as
   * {@link insertDeliveries} does (the other parts are written while the run sends: see {@link written});
   * without a hand-off, how many were written.
   */
  async insert(docs: NewDelivery[], ctx: BatchContext): Promise<number> {
    const now = this.opts.clock();
    const due = docs.filter((d) => d.nextAttemptAt <= now && this.#inScope(d) && !d.heldFor);
    if (due.length === 0 || due.length > this.opts.limit || (await this.#othersDue)) return insertDeliveries(docs);
    const groups = [...groupBy(due, groupKey, (d) => d._id)].map(([key, items]) => ({ key, items }));
    const parts = partsOf(groups, this.opts.firstGroups ?? FIRST_GROUPS, this.opts.partGroups ?? PART_GROUPS);
    const partOf = new Map(parts.flatMap((part, i) => part.map((g) => [g.key, i] as const)));
    // Each due delivery goes with its group's part; the others (not due yet, another task's) after them all.
    const dueIds = new Set(due.map((d) => String(d._id)));
    const partDocs = parts.map((): NewDelivery[] => []);
    const others: NewDelivery[] = [];
    for (const d of docs) (dueIds.has(String(d._id)) ? partDocs[partOf.get(groupKey(d))!]! : others).push(d);

    const first = await this.#write(parts[0]!, partDocs[0]!, now);
    if (!first.part) {
      const written = new Set(partDocs[0]);
      return first.written + (await insertDeliveries(docs.filter((d) => !written.has(d))));
    }

    // The other parts one after another, while the first goes out; then the others. A part that fails stops
    // the ones after it. Each result is caught at once: a failure is the mark's to see (see written), never
    // an unhandled rejection.
    const results: Array<Promise<{ part: Part } | { err: unknown }>> = [Promise.resolve({ part: first.part })];
    let previous: Promise<unknown> = Promise.resolve();
    for (const [i, part] of parts.entries()) {
      if (i === 0) continue;
      const written = previous.then(() => this.#write(part, partDocs[i]!, now));
      previous = written;
      results.push(written.then(({ part: p }) => ({ part: p ?? { ours: new Set<string>(), whole: false } }), caught));
    }
    const tail = previous.then(() => insertDeliveries(others)).then(() => ({ whole: true }), caught);
    this.#later = Promise.all([...results, tail]).then((all) => {
      const failed = all.find((r) => 'err' in r);
      return failed && 'err' in failed ? failed : { whole: all.every((r) => !('part' in r) || r.part.whole) };
    });
    const firstOurs = first.part.ours;
    this.#batch = {
      // A group of the first part someone else holds is not handed over; one of a later part is known once
      // its part is written (see ready).
      winners: due.filter((d) => partOf.get(groupKey(d)) !== 0 || firstOurs.has(groupKey(d))),
      groups: groups.map((g) => g.key),
      ctx,
      ready: async (key) => {
        const i = partOf.get(key);
        const r = i === undefined ? undefined : await results[i];
        return r !== undefined && 'part' in r && r.part.ours.has(key);
      },
      complete: this.#later.then((r) => 'whole' in r && r.whole),
    };
    return first.written;
  }

  /** The batch, once; undefined when nothing was handed over. */
  take(): HandedBatch | undefined {
    const batch = this.#batch;
    this.#batch = undefined;
    return batch;
  }

  /**
   * Gives back the claims of a batch the run never took (it failed before it sent), once the later parts are
   * written: whoever comes next takes those deliveries at once, not when the lease runs out.
   */
  async abandon(): Promise<void> {
    const batch = this.#batch;
    this.#batch = undefined;
    if (!batch) return;
    await this.#later;
    await releaseOwnKeys(batch.groups, this.opts.owner);
  }

  /** Waits for the later parts' writes; throws what one threw (then the changes must not be marked planned). */
  async written(): Promise<void> {
    const r = await this.#later;
    if ('err' in r) throw r.err;
  }

  /**
   * Claims `groups`, then writes `docs` (the groups' deliveries). `part` is undefined when the write met a
   * delivery planned already: the claims are given back.
   */
  async #write(
    groups: Array<{ key: string; items: NewDelivery['_id'][] }>,
    docs: NewDelivery[],
    now: Date,
  ): Promise<{ written: number; part?: Part }> {
    const won = groups.length
      ? await insertLeasedClaims(groups, this.opts.owner, now, new Date(now.getTime() + this.opts.leaseMs))
      : new Set<string>();
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
      return { written };
    }
    return { written, part: { ours: won, whole: won.size === groups.length } };
  }

  #inScope(d: NewDelivery): boolean {
    return this.opts.taskNumber === undefined || d.taskNumber === this.opts.taskNumber;
  }

  async #release(won: Set<string>): Promise<void> {
    await releaseOwnKeys([...won], this.opts.owner);
  }
}
