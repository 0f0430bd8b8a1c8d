/**
 * One claimed batch of a dispatch pass: the leases of its claims, its messages (src/delivery/send-group.ts),
 * the writes of their outcomes (group commit, src/delivery/outcome-writer.ts) and the fallbacks it plans. A
 * pool slot sends its next message only once its last one's outcome is written: after a kill, at most
 * `concurrency` messages went out unrecorded (and go again, as the same message).
 */
import { warnUnlessOutage } from '../db/db-watch.js';
import type { LeanDelivery } from '../db/documents.js';
import { renewLeases } from '../db/leased-claims.js';
import { groupKey } from './claiming.js';
import { groupByRecipient, loadBatchContext, type BatchContext, type MessageGroup } from './compose.js';
import type { DispatchDeps, DispatchOutcome } from './dispatch-types.js';
import { insertDeliveries } from './new-delivery.js';
import { byId, outcome, resolveAlerts, type FailureTally } from './outcomes.js';
import { runPool } from './pool.js';
import { recheck } from './recheck.js';
import { GroupSender } from './send-group.js';
import { NO_METRICS } from './metrics.js';
import { OutcomeWriter, type WriteStats } from './outcome-writer.js';

export class Batch {
  /** Group keys whose outcome could not be written: they stay claimed until their lease runs out. */
  readonly #unwritten = new Set<string>();
  readonly #sender: GroupSender;
  readonly #writer: OutcomeWriter;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly clock: () => Date,
    result: DispatchOutcome,
    failures: FailureTally,
  ) {
    this.#sender = new GroupSender(deps, clock, result, failures);
    this.#writer = new OutcomeWriter(deps.logger, deps.outcomeWrites ?? 1, (keys) => keys.forEach((k) => this.#unwritten.add(k)));
  }

  /** What the batch's writes carried (flushes, outcomes, statements). */
  get writes(): WriteStats {
    return this.#writer.stats;
  }

  /** Sends the batch; returns the group keys to keep claimed (see {@link Batch.#unwritten}). */
  async run(batch: LeanDelivery[]): Promise<Set<string>> {
    const { deps } = this;
    const keys = [...new Set(batch.map(groupKey))];
    // The claims are ours while their leases are renewed: one statement for the whole batch, never two at once.
    let renewing: Promise<void> = Promise.resolve();
    let renewalBusy = false;
    const renew = setInterval(
      () => {
        if (renewalBusy) return;
        renewalBusy = true;
        renewing = renewLeases(keys, deps.owner, this.#leaseUntil())
          .catch((err: unknown) => warnUnlessOutage(deps.logger, err, {}, 'could not renew the leases of a batch'))
          .finally(() => (renewalBusy = false));
      },
      Math.max(1_000, Math.floor(deps.leaseMs / 3)),
    );
    renew.unref();

    try {
      const ctx = await loadBatchContext(batch);
      // What was queued goes only if its person may still hear of its task on its channel now.
      const { keep, dropped } = await recheck(batch, ctx);
      for (const d of dropped) (deps.metrics ?? NO_METRICS).deliveries(d.delivery.channel, d.outcome ?? 'dropped', 1);
      await this.#writer.write(
        dropped.map(({ delivery, reason }) => byId(delivery._id, outcome.skipped(reason))),
        dropped.map(({ delivery }) => groupKey(delivery)),
      );
      const { groups, orphans } = groupByRecipient(keep, ctx);
      const orphanOps = orphans.map((d) => this.#sender.poison(d, d.channel, 'gone', orphanReason(d, ctx)));
      await this.#writer.write(orphanOps, orphans.map(groupKey));
      const notStarted = await runPool(
        groups,
        deps.concurrency,
        async (g) => {
          try {
            await this.#send(g, ctx);
          } catch (err) {
            // A bug in composing or recording must not stop the batch; the lease hands the group on later.
            deps.logger.error({ err, channel: g.channel }, 'a delivery group failed unexpectedly');
            this.#unwritten.add(groupKey(g.deliveries[0]!));
          }
        },
        deps.signal,
      );
      // Stopping: what was not started is given back with its claim (the deliveries were never written),
      // so another worker takes it at once, not when the lease runs out.
      const back = notStarted.reduce((n, g) => n + g.deliveries.length, 0);
      if (back) deps.logger.info({ deliveries: back }, 'stopping: gave back deliveries not yet sent');
    } finally {
      await this.#writer.settled();
      clearInterval(renew);
      await renewing;
    }
    await insertDeliveries(this.#sender.fallbacks);
    return this.#unwritten;
  }

  #leaseUntil(): Date {
    return new Date(this.clock().getTime() + this.deps.leaseMs);
  }

  async #send(g: MessageGroup<LeanDelivery>, ctx: BatchContext): Promise<void> {
    const { ops, sent } = await this.#sender.attempt(g, ctx);
    await this.#writer.write(ops, [groupKey(g.deliveries[0]!)]);
    // After the outcome: a database error here must not turn a letter that went out into a retry.
    if (sent) {
      await resolveAlerts(this.deps.alerter, g.channel, String(g.person._id)).catch((err: unknown) =>
        warnUnlessOutage(this.deps.logger, err, { channel: g.channel }, 'could not clear the alerts a delivery proved wrong'),
      );
    }
  }
}

/** Why a delivery whose person, task or change is gone cannot be sent. */
function orphanReason(d: LeanDelivery, ctx: BatchContext): string {
  if (!ctx.taskById.has(String(d.task))) return 'the task no longer exists';
  if (!ctx.personById.has(String(d.person))) return 'the person no longer exists';
  return 'the change no longer exists';
}
