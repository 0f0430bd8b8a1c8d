/**
 * One claimed batch of a dispatch pass: the leases of its claims, its messages (src/delivery/send-group.ts),
 * the writes of their outcomes and the fallbacks it plans. Each message's outcome is written as soon as it is
 * sent, before its pool slot sends another: after a kill, at most `concurrency` messages went out unrecorded
 * (and go again, as the same message).
 */
import type { AnyBulkWriteOperation } from 'mongoose';
import { bulkWriteChunked } from '../db/bulk.js';
import { isConnectivityError, warnUnlessOutage } from '../db/db-watch.js';
import type { LeanDelivery } from '../db/documents.js';
import { renewLeases } from '../db/leased-claims.js';
import { DeliveryModel } from '../db/models/index.js';
import { groupKey } from './claiming.js';
import { groupByRecipient, loadBatchContext, type BatchContext, type MessageGroup } from './compose.js';
import type { DispatchDeps, DispatchOutcome } from './dispatch-types.js';
import { insertDeliveries } from './new-delivery.js';
import { byId, outcome, resolveAlerts, type FailureTally } from './outcomes.js';
import { runPool } from './pool.js';
import { recheck } from './recheck.js';
import { GroupSender } from './send-group.js';
import { NO_METRICS } from './metrics.js';

/** Pauses between tries of a message's outcome write that failed for another reason than an outage. */
const OUTCOME_WRITE_RETRIES_MS = [250, 500, 1_000, 2_000, 4_000];
/** How long a message's outcome write is tried again while the database is unreachable, in ms. */
const OUTAGE_RETRY_MS = 5 * 60_000;

export class Batch {
  /** Group keys whose outcome could not be written: they stay claimed until their lease runs out. */
  readonly #unwritten = new Set<string>();
  readonly #sender: GroupSender;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly clock: () => Date,
    result: DispatchOutcome,
    failures: FailureTally,
  ) {
    this.#sender = new GroupSender(deps, clock, result, failures);
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
      await this.#write(
        dropped.map(({ delivery, reason }) => byId(delivery._id, outcome.skipped(reason))),
        dropped.map(({ delivery }) => groupKey(delivery)),
      );
      const { groups, orphans } = groupByRecipient(keep, ctx);
      const orphanOps = orphans.map((d) => this.#sender.poison(d, d.channel, 'gone', orphanReason(d, ctx)));
      await this.#write(orphanOps, orphans.map(groupKey));
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
    await this.#write(ops, [groupKey(g.deliveries[0]!)]);
    // After the outcome: a database error here must not turn a letter that went out into a retry.
    if (sent) {
      await resolveAlerts(this.deps.alerter, g.channel, String(g.person._id)).catch((err: unknown) =>
        warnUnlessOutage(this.deps.logger, err, { channel: g.channel }, 'could not clear the alerts a delivery proved wrong'),
      );
    }
  }

  /**
   * Writes one message's outcomes: one update per delivery, by `_id` alone (see {@link byId}). While the
   * database is unreachable the write is tried again every second, for up to {@link OUTAGE_RETRY_MS} (a
   * letter that went out must not go again because of a short outage); any other error is tried a few
   * times. A write that still fails keeps the message's claim until its lease runs out.
   */
  async #write(ops: AnyBulkWriteOperation[], keys: string[]): Promise<void> {
    if (ops.length === 0) return;
    const outageUntil = Date.now() + OUTAGE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await bulkWriteChunked(DeliveryModel, ops);
        return;
      } catch (err) {
        const outage = isConnectivityError(err) && Date.now() < outageUntil;
        if (!outage && attempt >= OUTCOME_WRITE_RETRIES_MS.length) {
          for (const k of keys) this.#unwritten.add(k);
          this.deps.logger.error(
            { err, writes: ops.length },
            'could not record the outcome of a message; it will be sent again, as the same message, once its lease runs out',
          );
          return;
        }
        this.deps.logger.debug({ err, attempt }, 'an outcome write failed; trying again');
        await new Promise((r) =>
          setTimeout(r, outage ? 1_000 : OUTCOME_WRITE_RETRIES_MS[Math.min(attempt, OUTCOME_WRITE_RETRIES_MS.length - 1)]),
        );
      }
    }
  }
}

/** Why a delivery whose person, task or change is gone cannot be sent. */
function orphanReason(d: LeanDelivery, ctx: BatchContext): string {
  if (!ctx.taskById.has(String(d.task))) return 'the task no longer exists';
  if (!ctx.personById.has(String(d.person))) return 'the person no longer exists';
  return 'the change no longer exists';
}
