/**
 * One claimed batch of a dispatch pass, in three phases — prepare (leases, context, recheck), send (the pool),
 * finish (the fold of its outcomes, the fallbacks) — so that a pass prepares the next batch and folds the last
 * one while this one sends (src/delivery/dispatch.ts). Its messages: src/delivery/send-group.ts; the records
 * of their outcomes: group commit, src/delivery/outcome-writer.ts. A pool slot sends its next message only
 * once its last one's outcome is recorded, and one batch sends at a time: after a kill, at most
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
  /** The batch's deliveries as claimed: what their outcomes are made from. */
  readonly #claimed = new Map<string, LeanDelivery>();
  /** Pool slots sending now (not waiting for their outcome's write). */
  #sending = 0;
  /** The batch's group keys (its claims). */
  #keys: string[] = [];
  #renewal: { stop: () => Promise<void> } | undefined;
  /** Whether a group handed over by planning may be sent (see {@link prepare}). */
  #gate: ((key: string) => Promise<boolean>) | undefined;
  /** What {@link prepare} left for {@link send}. */
  #ready: { groups: Array<MessageGroup<LeanDelivery>>; ctx: BatchContext } | undefined;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly clock: () => Date,
    result: DispatchOutcome,
    failures: FailureTally,
  ) {
    this.#sender = new GroupSender(deps, clock, result, failures);
    this.#writer = new OutcomeWriter({
      logger: deps.logger,
      owner: deps.owner,
      clock,
      docs: this.#claimed,
      inFlight: deps.outcomeWrites ?? 1,
      onUnwritten: (keys) => keys.forEach((k) => this.#unwritten.add(k)),
      sending: () => this.#sending,
    });
  }

  /** Deliveries the batch planned in place of failed ones (SMS fallbacks), inserted by {@link finish}. */
  get planted(): number {
    return this.#sender.fallbacks.length;
  }

  /** What the batch's writes carried (flushes, outcomes). */
  get writes(): WriteStats {
    return this.#writer.stats;
  }

  /**
   * First phase: holds the claims (renews their leases until {@link finish}), reads the batch's context
   * (unless `planned` gives it, with when each group may go), drops what the person may no longer hear of and
   * fails what can no longer be sent. May run while the previous batch is still sending.
   */
  async prepare(batch: LeanDelivery[], planned?: { ctx: BatchContext; ready: (key: string) => Promise<boolean> }): Promise<void> {
    const { deps } = this;
    this.#keys = [...new Set(batch.map(groupKey))];
    for (const d of batch) this.#claimed.set(String(d._id), d);
    this.#renewal = this.#renewLeases(this.#keys);
    // A batch handed over by this run's planning (src/delivery/handoff.ts) was decided on just now, from
    // what it read: that is its context, and there is nothing to check again.
    this.#gate = planned?.ready;
    const loading = planned?.ctx ?? loadBatchContext(batch);
    // What was queued goes only if its person may still hear of its task on its channel now.
    const { keep, dropped } = planned ? { keep: batch, dropped: [] } : await recheck(batch, loading);
    const ctx = await loading;
    for (const d of dropped) (deps.metrics ?? NO_METRICS).deliveries(d.delivery.channel, d.outcome ?? 'dropped', 1);
    await this.#writer.write(
      dropped.map(({ delivery, reason }) => byId(delivery._id, outcome.skipped(reason))),
      dropped.map(({ delivery }) => groupKey(delivery)),
    );
    const { groups, orphans } = groupByRecipient(keep, ctx);
    const orphanOps = orphans.map((d) => this.#sender.poison(d, d.channel, 'gone', orphanReason(d, ctx)));
    await this.#writer.write(orphanOps, orphans.map(groupKey));
    this.#ready = { groups, ctx };
  }

  /**
   * Second phase: sends the prepared messages, `concurrency` at a time, each slot recording its outcome
   * before it takes the next. One batch of a run sends at a time.
   */
  async send(): Promise<void> {
    const { deps } = this;
    if (!this.#ready) return;
    const { groups, ctx } = this.#ready;
    this.#ready = undefined;
    const notStarted = await runPool(
      groups,
      deps.concurrency,
      async (g) => {
        // A group planning is still writing waits for it; one whose deliveries turned out not to be ours
        // (src/delivery/handoff.ts) is not sent: its claim is given back, and the usual claim takes it.
        if (this.#gate && !(await this.#gate(groupKey(g.deliveries[0]!)))) return;
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
    // Every outcome is made: the documents they were made from are not needed while the batch folds.
    this.#claimed.clear();
  }

  /**
   * Last phase (also after a failed or skipped send): waits for the outcome writes, folds them into the
   * deliveries' documents (src/delivery/journal.ts), stops renewing the leases and plans the fallbacks.
   * Returns the group keys to keep claimed (see {@link Batch.#unwritten}); the others may be given back.
   */
  async finish(): Promise<Set<string>> {
    this.#ready = undefined;
    try {
      await this.#writer.settled();
      // If the fold fails, the claims stay until their leases run out, and whoever claims the deliveries
      // next folds the journal first.
      if (!(await this.#writer.fold())) this.#keys.forEach((k) => this.#unwritten.add(k));
    } finally {
      await this.#renewal?.stop();
    }
    await insertDeliveries(this.#sender.fallbacks);
    return this.#unwritten;
  }

  /** Renews the leases of `keys` every third of a lease: one statement for the whole batch, never two at once. */
  #renewLeases(keys: string[]): { stop: () => Promise<void> } {
    let renewing: Promise<void> = Promise.resolve();
    let busy = false;
    const timer = setInterval(
      () => {
        if (busy) return;
        busy = true;
        renewing = renewLeases(keys, this.deps.owner, this.#leaseUntil())
          .catch((err: unknown) => warnUnlessOutage(this.deps.logger, err, {}, 'could not renew the leases of a batch'))
          .finally(() => (busy = false));
      },
      Math.max(1_000, Math.floor(this.deps.leaseMs / 3)),
    );
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  #leaseUntil(): Date {
    return new Date(this.clock().getTime() + this.deps.leaseMs);
  }

  async #send(g: MessageGroup<LeanDelivery>, ctx: BatchContext): Promise<void> {
    this.#sending += 1;
    let attempt: Awaited<ReturnType<GroupSender['attempt']>>;
    try {
      attempt = await this.#sender.attempt(g, ctx);
    } finally {
      this.#sending -= 1;
    }
    const { ops, sent } = attempt;
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
