/**
 * One dispatch pass: claims due deliveries in batches (src/delivery/claiming.ts) — all that one person has
 * due on one channel in the same batch —, groups what one person gets on one channel into one message and composes it (compose.ts), sends it, and records every outcome
 * (outcomes.ts) through the batch's writer (batch-writer.ts). Ends when nothing due is left in scope.
 */
import type { Types } from 'mongoose';
import { releaseStaleClaims } from '../db/claims.js';
import { runPool } from './pool.js';
import type { LeanDelivery } from '../db/documents.js';
import { DeliveryModel, PersonModel } from '../db/models/index.js';
import { heldUntil } from '../domain/quiet-hours.js';
import type { Logger } from '../logger.js';
import type { Alerter } from './alerts.js';
import { BatchWriter, byId } from './batch-writer.js';
import type { ChannelSet } from './channels/registry.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from './channels/types.js';
import { claimDue, releaseGroups } from './claiming.js';
import {
  composeMessage,
  groupByRecipient,
  loadBatchContext,
  type BatchContext,
  type ComposeSettings,
  type MessageGroup,
} from './compose.js';
import type { Channel } from '../domain/types.js';
import type { OutgoingMessage } from './channels/types.js';
import { addressOf, insertDeliveries, newDelivery, type NewDelivery } from './new-delivery.js';
import { FailureTally, outcome, raiseAlert, resolveAlerts } from './outcomes.js';
import type { RunResult } from './port.js';
import { decideRetry, errorText, type RetryPolicy } from './retry.js';
import { NO_METRICS, observeSent, type DeliveryMetrics } from './metrics.js';

export interface DispatchDeps {
  channels: ChannelSet;
  alerter: Alerter;
  logger: Logger;
  policy: RetryPolicy;
  /** Due deliveries one claim looks at; it takes every due delivery of their (person, channel) groups. */
  batchSize: number;
  /** Messages sent at the same time. */
  concurrency: number;
  /** Lease length in ms; renewed while the batch is being sent. */
  leaseMs: number;
  /** Names the claims and leases of this run. */
  owner: string;
  clock?: () => Date;
  /** Stops: no new message is started; those not started are given back (see Batch.run). */
  signal?: AbortSignal;
  /** Told of each outcome (src/delivery/metrics.ts). @defaultValue {@link NO_METRICS} */
  metrics?: DeliveryMetrics;
}

export type DispatchOutcome = Omit<RunResult, 'runId' | 'trigger' | 'startedAt' | 'finishedAt'>;

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
  while (!deps.signal?.aborted) {
    const claimed = await claimDue({
      owner: deps.owner,
      limit: deps.batchSize,
      dueBy: runStart,
      now: clock(),
      taskNumber: scope.taskNumber,
    });
    if (claimed === 'none') break;
    if (claimed.winners.length === 0) {
      // Every candidate is claimed by someone else. A claim whose worker died before writing its lease
      // would block its delivery for good: such claims are released once they are two leases old.
      const stale = await releaseStaleClaims(claimed.lostPending, new Date(clock().getTime() - 2 * deps.leaseMs));
      if (stale === 0 && ++emptyClaims > 3) break;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    emptyClaims = 0;
    try {
      await new Batch(deps, clock, result, failures).run(claimed.winners);
    } finally {
      // The outcomes are written: whoever takes these groups next reads them.
      await releaseGroups(claimed.groups, deps.owner);
    }
  }

  const scopeFilter = scope.taskNumber !== undefined ? { taskNumber: scope.taskNumber } : {};
  // Messages, as everything a run reports: one per person and channel, however many changes it carries.
  const held = await DeliveryModel.find({ ...scopeFilter, status: 'pending', heldFor: 'quiet' })
    .select({ person: 1, channel: 1 })
    .lean();
  result.held = new Set(held.map((d) => `${String(d.person)}:${d.channel}`)).size;
  result.failed = failures.list();
  return result;
}

/** One claimed batch: its leases, its messages, its outcomes and the fallbacks it plans. */
class Batch {
  readonly #writer: BatchWriter;
  /** Deliveries whose lease is still renewed: those whose outcome is not queued yet. */
  readonly #inFlight = new Set<Types.ObjectId>();
  readonly #fallbacks: NewDelivery[] = [];

  constructor(
    private readonly deps: DispatchDeps,
    private readonly clock: () => Date,
    private readonly result: DispatchOutcome,
    private readonly failures: FailureTally,
  ) {
    this.#writer = new BatchWriter(deps.logger);
  }

  async run(batch: LeanDelivery[]): Promise<void> {
    const { deps } = this;
    const ctx = await loadBatchContext(batch);
    // The claims are ours: write the leases (so other workers see them, and take over if we die), each
    // counted from when it is written, and keep them renewed until each delivery's outcome is queued.
    for (const d of batch) {
      this.#inFlight.add(d._id);
      this.#writer.add(() => byId(d._id, outcome.leased(deps.owner, this.#leaseUntil())));
    }
    this.#writer.send();
    const renew = setInterval(
      () => {
        for (const id of this.#inFlight) this.#writer.add(() => byId(id, outcome.renewed(this.#leaseUntil())));
        this.#writer.send();
      },
      Math.max(1_000, Math.floor(deps.leaseMs / 3)),
    );
    renew.unref();

    const { groups, orphans } = groupByRecipient(batch, ctx);
    for (const d of orphans) this.#poison(d, d.channel, orphanReason(d, ctx));
    try {
      const notStarted = await runPool(
        groups,
        deps.concurrency,
        async (g) => {
          try {
            await this.#send(g, ctx);
          } catch (err) {
            // A bug in composing or recording must not stop the batch; the lease hands the group on later.
            deps.logger.error({ err, channel: g.channel }, 'a delivery group failed unexpectedly');
          }
        },
        deps.signal,
      );
      // Stopping: what was not started goes back at once (not when the lease runs out), so another worker
      // takes it now. The lease write before it bumped claimSeq, so the next claim key is free.
      const back = notStarted.flatMap((g) => g.deliveries.map((d) => d._id));
      this.#record(back, outcome.released());
      if (back.length) deps.logger.info({ deliveries: back.length }, 'stopping: gave back deliveries not yet sent');
    } finally {
      clearInterval(renew);
      await this.#writer.flush();
    }
    await insertDeliveries(this.#fallbacks);
  }

  get #metrics(): DeliveryMetrics {
    return this.deps.metrics ?? NO_METRICS;
  }

  #leaseUntil(): Date {
    return new Date(this.clock().getTime() + this.deps.leaseMs);
  }

  /** Queues an outcome. Writes run in the order queued, so a renewal queued after it would only land after it: an id stops being renewed here. */
  #record(ids: Types.ObjectId[], update: Record<string, unknown>): void {
    for (const id of ids) {
      this.#inFlight.delete(id);
      this.#writer.add(() => byId(id, update));
    }
  }

  async #send(g: MessageGroup<LeanDelivery>, ctx: BatchContext): Promise<void> {
    const { channels, alerter } = this.deps;
    const quietEnd = heldUntil(g.channel, g.person, this.clock());
    if (quietEnd) {
      this.#record(
        g.deliveries.map((d) => d._id),
        outcome.held(quietEnd),
      );
      this.#metrics.deliveries(g.channel, 'held', g.deliveries.length);
      return;
    }
    if (!addressOf(g.person, g.channel)) {
      for (const d of g.deliveries) this.#poison(d, g.channel, `${g.person.name} has no ${g.channel} address any more`);
      return;
    }
    const sender = channels.senders[g.channel];
    const attempts = Math.max(...g.deliveries.map((d) => d.attempts)) + 1;
    let sending = g;
    try {
      if (!sender) throw new TemporaryDeliveryError(channels.missing[g.channel] ?? `${g.channel} is not available`, undefined, 'config');
      const composed = this.#compose(g, ctx);
      if (!composed) return;
      sending = composed.group;
      const { message } = composed;
      const receipt = await sender.send(message);
      this.#record(
        sending.deliveries.map((d) => d._id),
        outcome.sent({
          at: this.clock(),
          attempts,
          address: message.to,
          messageId: message.messageId,
          providerMessageId: receipt.providerMessageId,
        }),
      );
      this.result.sent[g.channel] += 1;
      observeSent(this.#metrics, g.channel, sending.deliveries, (id) => ctx.changeById.get(id)?.at, this.clock());
    } catch (err) {
      await this.#failed(sending, err, attempts);
      return;
    }
    // Outside the send's try: a database error here must not turn a letter that went out into a retry.
    await resolveAlerts(alerter, g.channel, String(g.person._id)).catch((err: unknown) =>
      this.deps.logger.warn({ err, channel: g.channel }, 'could not clear the alerts a delivery proved wrong'),
    );
  }

  /**
   * The group's message. A delivery that cannot be rendered (its data breaks the template) fails alone:
   * the group is composed again without it. Undefined when nothing of the group is left to send.
   */
  #compose(g: MessageGroup<LeanDelivery>, ctx: BatchContext): { group: MessageGroup<LeanDelivery>; message: OutgoingMessage } | undefined {
    const settings = this.deps.channels;
    let failure: unknown;
    try {
      return { group: g, message: composeMessage(g, ctx, settings).message };
    } catch (err) {
      failure = err;
    }
    const good = g.deliveries.length > 1 ? g.deliveries.filter((d) => renders({ ...g, deliveries: [d] }, ctx, settings)) : [];
    for (const d of g.deliveries) {
      if (!good.includes(d)) this.#poison(d, g.channel, `the message could not be rendered: ${errorText(failure)}`);
    }
    if (good.length === 0) return undefined;
    const group = { ...g, deliveries: good };
    try {
      return { group, message: composeMessage(group, ctx, settings).message };
    } catch (err) {
      // Each renders alone but not together: none can be told apart from the others.
      for (const d of good) this.#poison(d, g.channel, `the message could not be rendered: ${errorText(err)}`);
      return undefined;
    }
  }

  /** A delivery that can never go out as it is: it fails at once, alone, with `reason`. */
  #poison(d: LeanDelivery, channel: Channel, reason: string): void {
    this.#record([d._id], outcome.failed({ attempts: d.attempts, reason }));
    this.failures.add(channel, reason.replace(/:.*$/s, ''), 1);
    this.#metrics.deliveries(channel, 'failed', 1, 'other');
    this.deps.logger.warn({ delivery: String(d._id), channel, reason }, 'delivery cannot be sent');
  }

  async #failed(g: MessageGroup<LeanDelivery>, err: unknown, attempts: number): Promise<void> {
    const { alerter, logger, policy } = this.deps;
    const ids = g.deliveries.map((d) => d._id);
    const decision = decideRetry(err, attempts, policy);
    if (decision.retry) {
      this.#record(ids, outcome.retrying({ attempts, at: new Date(this.clock().getTime() + decision.delayMs), reason: decision.reason }));
      this.result.retrying += 1;
      this.#metrics.deliveries(g.channel, 'retried', ids.length, decision.cause);
    } else {
      const fallback = g.channel === 'sms' && decision.cause !== 'config' ? this.#planFallback(g) : undefined;
      const reason = fallback ? `${decision.reason} (sent by ${fallback} instead)` : decision.reason;
      this.#record(ids, outcome.failed({ attempts, reason }));
      this.failures.add(g.channel, decision.reason, 1);
      this.#metrics.deliveries(g.channel, 'failed', ids.length, decision.cause);
    }
    if (g.channel === 'telegram' && err instanceof PermanentDeliveryError && err.code === '403') {
      // Blocked by the person: planning leaves their Telegram out until they write to the bot again.
      await PersonModel.updateOne(
        { _id: g.person._id, telegramUnreachableAt: { $exists: false } },
        { $set: { telegramUnreachableAt: this.clock() } },
      ).catch((e: unknown) => logger.warn({ err: e, person: String(g.person._id) }, 'could not mark Telegram unreachable'));
    }
    const person = { id: String(g.person._id), name: g.person.name, address: addressOf(g.person, g.channel) ?? '' };
    // The alert quotes the provider's own words, without our "gave up after n attempts" around them.
    await raiseAlert(alerter, { cause: decision.cause, detail: errorText(err), retrying: decision.retry }, g.channel, person);
    logger.debug({ channel: g.channel, person: person.id, retry: decision.retry, reason: decision.reason }, 'delivery failed');
  }

  /** An SMS that failed for good goes by the fallback channel, when the person has an address there. */
  #planFallback(g: MessageGroup<LeanDelivery>): string | undefined {
    const channel = this.deps.channels.smsFallback;
    if (channel === 'none') return undefined;
    const address = addressOf(g.person, channel);
    if (!address) return undefined;
    const now = this.clock();
    for (const d of g.deliveries) {
      const plan = { change: d.change, task: d.task, taskNumber: d.taskNumber, person: d.person, channel, address };
      // due as the failed one was, so this run still sends it
      this.#fallbacks.push(newDelivery({ ...plan, nextAttemptAt: d.nextAttemptAt, fallbackOf: d._id }, now));
    }
    return channel;
  }
}

function renders(g: MessageGroup<LeanDelivery>, ctx: BatchContext, settings: ComposeSettings): boolean {
  try {
    composeMessage(g, ctx, settings);
    return true;
  } catch {
    return false;
  }
}

/** Why a delivery whose person, task or change is gone cannot be sent. */
function orphanReason(d: LeanDelivery, ctx: BatchContext): string {
  if (!ctx.taskById.has(String(d.task))) return 'the task no longer exists';
  if (!ctx.personById.has(String(d.person))) return 'the person no longer exists';
  return 'the change no longer exists';
}
