/**
 * One dispatch pass: claims due deliveries in batches (src/delivery/claiming.ts) — one leased claim per
 * person and channel, which fixes the message before it is sent —, and hands each batch to batch.ts, which
 * sends its messages (send-group.ts: compose, send, decide the outcome) and writes their outcomes
 * (outcomes.ts) before its pool slot takes the next. Ends when nothing due is left in scope.
 */
import type { Types } from 'mongoose';
import { DeliveryModel } from '../db/models/index.js';
import { Batch } from './batch.js';
import { claimDue, releaseGroups } from './claiming.js';
import type { DispatchDeps, DispatchOutcome } from './dispatch-types.js';
import { FailureTally } from './outcomes.js';

/** Dispatches everything due (of one task, with `scope.taskNumber`) and reports what went out. */
export async function dispatch(deps: DispatchDeps, scope: { taskNumber?: number } = {}): Promise<DispatchOutcome> {
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

  // A run takes what was due when it started: a delivery it puts back for a retry waits for a later run,
  // however short the delay, so one run never spends several attempts of the same delivery.
  const runStart = clock();
  let emptyClaims = 0;
  /** Due deliveries under other workers' live claims, seen so far: left out of later claims' pages. */
  const othersHold = new Map<string, Types.ObjectId>();
  let othersLeaseEnd: Date | undefined;
  while (!deps.signal?.aborted) {
    const claimed = await claimDue({
      owner: deps.owner,
      limit: deps.batchSize,
      dueBy: runStart,
      now: clock(),
      leaseMs: deps.leaseMs,
      taskNumber: scope.taskNumber,
      exclude: [...othersHold.values()],
    });
    if (claimed === 'none') break;
    const seen = othersHold.size;
    for (const id of claimed.lostDeliveries) othersHold.set(String(id), id);
    const end = claimed.lost.firstLeaseEnd;
    if (end && (!othersLeaseEnd || end < othersLeaseEnd)) othersLeaseEnd = end;
    if (claimed.winners.length === 0) {
      // Every candidate is someone else's: they send it, or their lease runs out (see result.othersLeaseEnd).
      // The next page leaves out what they hold; with nothing new to leave out, try a few times, then stop.
      if (othersHold.size > seen) continue;
      if (++emptyClaims > 3) break;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    emptyClaims = 0;
    const batch = new Batch(deps, clock, result, failures);
    let keep: Set<string> = new Set();
    try {
      keep = await batch.run(claimed.winners);
    } finally {
      // The outcomes are written: whoever takes these groups next reads them. A group whose outcome could
      // not be written stays claimed until its lease runs out (then it is sent again, as the same message).
      await releaseGroups(
        claimed.groups.filter((k) => !keep.has(k)),
        deps.owner,
      );
    }
  }

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
