/**
 * One dispatch pass: claims due deliveries in batches (src/delivery/claiming.ts) — one leased claim per
 * person and channel, which fixes the message before it is sent —, and hands each batch to batch.ts, which
 * sends its messages (send-group.ts: compose, send, decide the outcome) and records their outcomes
 * (outcomes.ts, journal.ts) before its pool slot takes the next. Its first batch may come claimed from the
 * run's planning (handoff.ts). Ends when nothing due is left in scope: a page that held all that was due is
 * the last one read.
 */
import type { Types } from 'mongoose';
import type { LeanDelivery } from '../db/documents.js';
import { DeliveryModel } from '../db/models/index.js';
import { Batch } from './batch.js';
import { claimDue, groupKey, releaseGroups } from './claiming.js';
import type { DispatchDeps, DispatchOutcome } from './dispatch-types.js';
import { FailureTally } from './outcomes.js';
import { recoverOutcomes } from './journal.js';
import type { HandedBatch, HandOff } from './handoff.js';

/** A claimed batch of a pass, with its claims (group keys) and deliveries. */
interface Claimed {
  batch: Batch;
  groups: string[];
  winners: LeanDelivery[];
}

/** Dispatches everything due (of one task, with `scope.taskNumber`) and reports what went out. */
export async function dispatch(
  deps: DispatchDeps,
  scope: { taskNumber?: number } = {},
  /** What this run's planning claimed for its first batch (src/delivery/handoff.ts). */
  handOff?: HandOff,
): Promise<DispatchOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const result: DispatchOutcome = {
    sent: { email: 0, sms: 0, telegram: 0 },
    failed: [],
    retrying: 0,
    held: 0,
    ...(scope.taskNumber !== undefined ? { taskNumber: scope.taskNumber } : {}),
  };
  const failures = new FailureTally();
  await deps.alerter.load();
  // Outcomes recorded more than a lease ago and not yet folded are a dead worker's, and maybe of
  // deliveries whose documents its fold had taken out when it died: no claim would find those.
  await recoverOutcomes({ before: new Date(clock().getTime() - deps.leaseMs) });

  // A run takes what was due when it started: a delivery it puts back for a retry waits for a later run,
  // however short the delay, so one run never spends several attempts of the same delivery.
  const runStart = clock();
  /** Due deliveries under other workers' live claims, seen so far: left out of later claims' pages. */
  const othersHold = new Map<string, Types.ObjectId>();
  let othersLeaseEnd: Date | undefined;
  /** Deliveries of this pass's batches not yet finished (claimed by us): left out of later pages too. */
  const ours = new Map<string, Types.ObjectId>();
  /** A finished batch planted deliveries due in this run (SMS fallbacks). */
  let planted = false;
  /** The last page was short: nothing more was due (see ClaimedBatch.last), until a batch plants some. */
  let drained = false;
  /** The batch planning handed over, until the first page after it: was it all that was due? */
  let handed: HandedBatch | undefined;

  /** Claims and prepares the next batch; undefined when nothing is left in scope (or stopping). */
  const nextBatch = async (): Promise<Claimed | undefined> => {
    const taken = handOff?.take();
    if (taken) {
      handed = taken;
      for (const d of taken.winners) ours.set(String(d._id), d._id);
      if (taken.winners.length) {
        return prepared({ batch: new Batch(deps, clock, result, failures), groups: taken.groups, winners: taken.winners }, taken);
      }
    }
    if (handed) {
      // After a hand-off, a page is read only if the batch was not all that was due; what it will not send
      // (a group someone else holds, deliveries planned already) is the page's to find.
      const h = handed;
      handed = undefined;
      drained = await h.complete;
      for (const d of h.winners) if (!(await h.ready(groupKey(d)))) ours.delete(String(d._id));
    }
    let emptyClaims = 0;
    while (!deps.signal?.aborted && !drained) {
      const claimed = await claimDue({
        owner: deps.owner,
        limit: deps.batchSize,
        dueBy: runStart,
        now: clock(),
        leaseMs: deps.leaseMs,
        taskNumber: scope.taskNumber,
        exclude: [...othersHold.values(), ...ours.values()],
      });
      if (claimed === 'none') return undefined;
      const seen = othersHold.size;
      for (const id of claimed.lostDeliveries) othersHold.set(String(id), id);
      const end = claimed.lost.firstLeaseEnd;
      if (end && (!othersLeaseEnd || end < othersLeaseEnd)) othersLeaseEnd = end;
      if (claimed.winners.length === 0) {
        // Every candidate is someone else's: they send it, or their lease runs out (see result.othersLeaseEnd).
        // The next page leaves out what they hold; with nothing new to leave out, try a few times, then stop.
        if (othersHold.size > seen || claimed.recovered) continue;
        if (++emptyClaims > 3) return undefined;
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      for (const d of claimed.winners) ours.set(String(d._id), d._id);
      drained = claimed.last;
      return prepared({ batch: new Batch(deps, clock, result, failures), groups: claimed.groups, winners: claimed.winners });
    }
    return undefined;
  };

  const prepared = async (next: Claimed, planned?: HandedBatch): Promise<Claimed> => {
    try {
      await next.batch.prepare(next.winners, planned);
    } catch (err) {
      await close(next);
      throw err;
    }
    return next;
  };

  /**
   * Finishes a batch (its outcomes folded in) and gives back its claims: whoever takes these groups next
   * reads their outcomes. A group whose outcome could not be recorded stays claimed until its lease runs
   * out (then it is sent again, as the same message).
   */
  const close = async (c: Claimed): Promise<void> => {
    let keep = new Set<string>();
    try {
      keep = await c.batch.finish();
      if (c.batch.planted) planted = true;
    } finally {
      await releaseGroups(
        c.groups.filter((k) => !keep.has(k)),
        deps.owner,
      );
      for (const d of c.winners) ours.delete(String(d._id));
    }
  };

  // A pipeline: while one batch sends, the next is claimed and prepared, and the one before is folded in.
  // One batch sends at a time, so the bound after a kill stays DISPATCH_CONCURRENCY messages.
  // A batch's close runs beside the next batch: its failure (the database gone, say) is kept and thrown once
  // the pass ends, never left unhandled, and the batches after it are still closed.
  let closing: Promise<void> = Promise.resolve();
  let closeError: { err: unknown } | undefined;
  const closeAfter = (c: Claimed) => {
    closing = closing
      .then(() => close(c))
      .catch((err: unknown) => {
        closeError ??= { err };
      });
  };
  try {
    let stopped = false;
    while (!stopped) {
      let current = await nextBatch();
      while (current) {
        const [sent, next] = await Promise.allSettled([current.batch.send(), nextBatch()]);
        closeAfter(current);
        current = undefined;
        const following = next.status === 'fulfilled' ? next.value : undefined;
        if (sent.status === 'rejected' || next.status === 'rejected' || deps.signal?.aborted) {
          // Prepared but not to be sent: given back at once.
          if (following) closeAfter(following);
          if (sent.status === 'rejected') throw sent.reason;
          if (next.status === 'rejected') throw next.reason;
          stopped = true;
          break;
        }
        current = following;
      }
      // What the last batches planted as they finished (SMS fallbacks) is due in this run too: once they
      // are finished, look again.
      await closing;
      if (!planted || closeError) break;
      planted = false;
      drained = false;
    }
  } finally {
    await closing;
  }
  if (closeError) throw closeError.err;

  const scopeFilter = scope.taskNumber !== undefined ? { taskNumber: scope.taskNumber } : {};
  // Messages, as everything a run reports: one per person and channel, however many changes it carries.
  const held = await DeliveryModel.find({ ...scopeFilter, status: 'pending', heldFor: { $in: ['quiet', 'digest'] } })
    .select({ person: 1, channel: 1, heldFor: 1 })
    .lean();
  const messages = (why: string) => new Set(held.filter((d) => d.heldFor === why).map((d) => `${String(d.person)}:${d.channel}`)).size;
  result.held = messages('quiet');
  result.digest = messages('digest');
  result.failed = failures.list();
  if (othersLeaseEnd) result.othersLeaseEnd = othersLeaseEnd.toISOString();
  return result;
}
