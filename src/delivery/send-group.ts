/**
 * One message of a batch: what one person gets on one channel. It is held (quiet hours), failed (no address,
 * a template its data breaks), or composed and sent; a failure is decided by the retry policy, may plan an
 * SMS's fallback, and raises the admins' alert. Each outcome is returned as the updates to write
 * (src/delivery/outcomes.ts); writing them is the batch's (src/delivery/batch.ts).
 */
import type { Types } from 'mongoose';
import { warnUnlessOutage } from '../db/db-watch.js';
import type { LeanDelivery } from '../db/documents.js';
import { PersonModel } from '../db/models/index.js';
import { heldUntil } from '../domain/quiet-hours.js';
import type { Channel, FailureCause } from '../domain/types.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type OutgoingMessage } from './channels/types.js';
import { composeMessage, type BatchContext, type ComposeSettings, type MessageGroup } from './compose.js';
import type { DispatchDeps, DispatchOutcome } from './dispatch-types.js';
import { addressOf, newDelivery, type NewDelivery } from './new-delivery.js';
import { byId, outcome, raiseAlert, type FailureTally } from './outcomes.js';
import type { DeliveryUpdate, OutcomeUpdate } from './journal.js';
import { decideRetry, errorText } from './retry.js';
import { NO_METRICS, observeSent, type DeliveryMetrics } from './metrics.js';

type Recorder = (ids: Types.ObjectId[], update: DeliveryUpdate) => void;

export class GroupSender {
  /** SMS fallbacks planned by this batch's failures, inserted once the batch is sent. */
  readonly fallbacks: NewDelivery[] = [];

  constructor(
    private readonly deps: DispatchDeps,
    private readonly clock: () => Date,
    private readonly result: DispatchOutcome,
    private readonly failures: FailureTally,
  ) {}

  get #metrics(): DeliveryMetrics {
    return this.deps.metrics ?? NO_METRICS;
  }

  /** Sends one group's message (or holds or fails it): the outcome updates to write, and whether it went out. */
  async attempt(g: MessageGroup<LeanDelivery>, ctx: BatchContext): Promise<{ ops: OutcomeUpdate[]; sent: boolean }> {
    const ops: OutcomeUpdate[] = [];
    const record: Recorder = (ids, update) => ops.push(...ids.map((id) => byId(id, update)));
    const sent = await this.#attempt(g, ctx, ops, record);
    return { ops, sent };
  }

  async #attempt(g: MessageGroup<LeanDelivery>, ctx: BatchContext, ops: OutcomeUpdate[], record: Recorder): Promise<boolean> {
    const { channels } = this.deps;
    const quietEnd = heldUntil(g.channel, g.person, this.clock());
    if (quietEnd) {
      record(
        g.deliveries.map((d) => d._id),
        outcome.held(quietEnd),
      );
      this.#metrics.deliveries(g.channel, 'held', g.deliveries.length);
      return false;
    }
    if (!addressOf(g.person, g.channel)) {
      for (const d of g.deliveries) ops.push(this.poison(d, g.channel, 'address', `${g.person.name} has no ${g.channel} address any more`));
      return false;
    }
    const sender = channels.senders[g.channel];
    const attempts = Math.max(...g.deliveries.map((d) => d.attempts)) + 1;
    let sending = g;
    try {
      if (!sender) throw new TemporaryDeliveryError(channels.missing[g.channel] ?? `${g.channel} is not available`, undefined, 'config');
      const composed = this.#compose(g, ctx, ops);
      if (!composed) return false;
      sending = composed.group;
      const { message } = composed;
      const receipt = await sender.send(message);
      record(
        sending.deliveries.map((d) => d._id),
        outcome.sent({
          at: this.clock(),
          attempts,
          // what is read back: the address only when it changed since planning, an e-mail's id never
          ...(sending.deliveries.some((d) => d.address !== message.to) ? { address: message.to } : {}),
          ...(g.channel !== 'email' ? { providerMessageId: receipt.providerMessageId } : {}),
        }),
      );
      this.result.sent[g.channel] += 1;
      observeSent(this.#metrics, g.channel, sending.deliveries, (id) => ctx.changeById.get(id)?.at, this.clock());
      return true;
    } catch (err) {
      await this.#failed(sending, err, attempts, record);
      return false;
    }
  }

  /**
   * The group's message. A delivery that cannot be rendered (its data breaks the template) fails alone:
   * the group is composed again without it. Undefined when nothing of the group is left to send.
   */
  #compose(
    g: MessageGroup<LeanDelivery>,
    ctx: BatchContext,
    ops: OutcomeUpdate[],
  ): { group: MessageGroup<LeanDelivery>; message: OutgoingMessage } | undefined {
    const settings = this.deps.channels;
    let failure: unknown;
    try {
      return { group: g, message: composeMessage(g, ctx, settings, this.clock()).message };
    } catch (err) {
      failure = err;
    }
    const good = g.deliveries.length > 1 ? g.deliveries.filter((d) => renders({ ...g, deliveries: [d] }, ctx, settings)) : [];
    for (const d of g.deliveries) {
      if (!good.includes(d)) ops.push(this.poison(d, g.channel, 'render', 'the message could not be rendered', errorText(failure)));
    }
    if (good.length === 0) return undefined;
    const group = { ...g, deliveries: good };
    try {
      return { group, message: composeMessage(group, ctx, settings, this.clock()).message };
    } catch (err) {
      // Each renders alone but not together: none can be told apart from the others.
      for (const d of good) ops.push(this.poison(d, g.channel, 'render', 'the message could not be rendered', errorText(err)));
      return undefined;
    }
  }

  /**
   * A delivery that can never go out as it is: it fails at once, alone, with `reason` (and the error's own
   * words, `detail`, where there are some: kept on the delivery and shown to admins). Returns its update.
   */
  poison(d: LeanDelivery, channel: Channel, cause: FailureCause, reason: string, detail?: string): OutcomeUpdate {
    const full = detail ? `${reason}: ${detail}` : reason;
    this.failures.add({ channel, reason, cause, ...(detail ? { detail } : {}) }, 1);
    this.#metrics.deliveries(channel, 'failed', 1, cause);
    this.deps.logger.warn({ delivery: String(d._id), channel, reason: full }, 'delivery cannot be sent');
    return byId(d._id, outcome.failed({ attempts: d.attempts, reason: full, cause, detail: detail ?? reason }));
  }

  async #failed(g: MessageGroup<LeanDelivery>, err: unknown, attempts: number, record: Recorder): Promise<void> {
    const { alerter, logger, policy } = this.deps;
    const ids = g.deliveries.map((d) => d._id);
    const decision = decideRetry(err, attempts, policy);
    const { cause } = decision;
    const detail = errorText(err);
    if (decision.retry) {
      const at = new Date(this.clock().getTime() + decision.delayMs);
      record(ids, outcome.retrying({ attempts, at, reason: decision.reason, cause, detail }));
      this.result.retrying += 1;
      this.#metrics.deliveries(g.channel, 'retried', ids.length, decision.cause);
    } else {
      const fallback = g.channel === 'sms' && cause !== 'config' ? this.#planFallback(g) : undefined;
      const reason = fallback ? `${decision.reason} (sent by ${fallback} instead)` : decision.reason;
      record(ids, outcome.failed({ attempts, reason, cause, detail }));
      const gaveUp = err instanceof PermanentDeliveryError ? {} : { gaveUpAfter: attempts };
      this.failures.add({ channel: g.channel, reason: decision.reason, cause, detail, ...gaveUp }, 1);
      this.#metrics.deliveries(g.channel, 'failed', ids.length, decision.cause);
    }
    if (g.channel === 'telegram' && err instanceof PermanentDeliveryError && err.code === '403') {
      // Blocked by the person: planning leaves their Telegram out until they write to the bot again.
      await PersonModel.updateOne(
        { _id: g.person._id, telegramUnreachableAt: { $exists: false } },
        { $set: { telegramUnreachableAt: this.clock() } },
      ).catch((e: unknown) => warnUnlessOutage(logger, e, { person: String(g.person._id) }, 'could not mark Telegram unreachable'));
    }
    const person = { id: String(g.person._id), name: g.person.name, address: addressOf(g.person, g.channel) ?? '' };
    // The alert quotes the provider's own words, without our "gave up after n attempts" around them.
    await raiseAlert(alerter, { cause, detail, retrying: decision.retry }, g.channel, person).catch((e: unknown) =>
      warnUnlessOutage(logger, e, { channel: g.channel }, 'could not raise an admin alert'),
    );
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
      this.fallbacks.push(newDelivery({ ...plan, nextAttemptAt: d.nextAttemptAt, fallbackOf: d._id }, now));
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
