/**
 * One dispatch pass: claims due deliveries in batches (src/delivery/claiming.ts) — one leased claim per
 * person and channel, which fixes the message before it is sent —, composes each message (compose.ts),
 * sends it, and writes its outcomes (outcomes.ts) before its pool slot takes the next. Ends when nothing
 * due is left in scope.
 */
import type { AnyBulkWriteOperation, Types } from 'mongoose';
import { bulkWriteChunked } from '../db/bulk.js';
import { recheck } from './recheck.js';
import { renewLeases } from '../db/leased-claims.js';
import { isConnectivityError } from '../db/db-watch.js';
import { runPool } from './pool.js';
import type { LeanDelivery } from '../db/documents.js';
import { DeliveryModel, PersonModel } from '../db/models/index.js';
import { heldUntil } from '../domain/quiet-hours.js';
import type { Logger } from '../logger.js';
import type { Alerter } from './alerts.js';
import type { ChannelSet } from './channels/registry.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from './channels/types.js';
import { claimDue, groupKey, releaseGroups } from './claiming.js';
import {
  composeMessage,
  groupByRecipient,
  loadBatchContext,
  type BatchContext,
  type ComposeSettings,
  type MessageGroup,
} from './compose.js';
import type { Channel, FailureCause } from '../domain/types.js';
import type { OutgoingMessage } from './channels/types.js';
import { addressOf, insertDeliveries, newDelivery, type NewDelivery } from './new-delivery.js';
import { byId, FailureTally, outcome, raiseAlert, resolveAlerts } from './outcomes.js';
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
  /** Lease length in ms of the batch's claims; renewed while the batch is being sent. */
  leaseMs: number;
  /** Names the claims and leases of this run. */
  owner: string;
  clock?: () => Date;
  /** Stops: no new message is started; those not started are given back (see Batch.run). */
  signal?: AbortSignal;
  /** Told of each outcome (src/delivery/metrics.ts). @defaultValue {@link NO_METRICS} */
  metrics?: DeliveryMetrics;
}

export type DispatchOutcome = Omit<RunResult, 'runId' | 'trigger' | 'startedAt' | 'finishedAt'> & {
  /**
   * Deliveries due in this run were held by another worker's claim: when the first of those leases runs
   * out (ISO). If that worker is gone, a run after then takes them over (see src/scheduler/dispatch-job.ts).
   */
  othersLeaseEnd?: string;
};

/** Pauses between tries of a message's outcome write that failed for another reason than an outage. */
const OUTCOME_WRITE_RETRIES_MS = [250, 500, 1_000, 2_000, 4_000];
/** How long a message's outcome write is tried again while the database is unreachable, in ms. */
const OUTAGE_RETRY_MS = 5 * 60_000;

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

/**
 * One claimed batch: the leases of its claims, its messages, their outcomes and the fallbacks it plans.
 * Each message's outcome is written as soon as it is sent, before its pool slot sends another: after a
 * kill, at most `concurrency` messages went out unrecorded (and go again, as the same message).
 */
class Batch {
  /** Group keys whose outcome could not be written: they stay claimed until their lease runs out. */
  readonly #unwritten = new Set<string>();
  readonly #fallbacks: NewDelivery[] = [];

  constructor(
    private readonly deps: DispatchDeps,
    private readonly clock: () => Date,
    private readonly result: DispatchOutcome,
    private readonly failures: FailureTally,
  ) {}

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
          .catch((err: unknown) => dbWarn(deps.logger, err, {}, 'could not renew the leases of a batch'))
          .finally(() => (renewalBusy = false));
      },
      Math.max(1_000, Math.floor(deps.leaseMs / 3)),
    );
    renew.unref();

    try {
      const ctx = await loadBatchContext(batch);
      // What was queued goes only if its person may still hear of its task on its channel now.
      const { keep, dropped } = await recheck(batch, ctx);
      for (const { delivery } of dropped) this.#metrics.deliveries(delivery.channel, 'dropped', 1);
      await this.#write(
        dropped.map(({ delivery, reason }) => byId(delivery._id, outcome.skipped(reason))),
        dropped.map(({ delivery }) => groupKey(delivery)),
      );
      const { groups, orphans } = groupByRecipient(keep, ctx);
      const orphanOps = orphans.map((d) => this.#poison(d, d.channel, 'gone', orphanReason(d, ctx)));
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
    await insertDeliveries(this.#fallbacks);
    return this.#unwritten;
  }

  get #metrics(): DeliveryMetrics {
    return this.deps.metrics ?? NO_METRICS;
  }

  #leaseUntil(): Date {
    return new Date(this.clock().getTime() + this.deps.leaseMs);
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

  async #send(g: MessageGroup<LeanDelivery>, ctx: BatchContext): Promise<void> {
    const ops: AnyBulkWriteOperation[] = [];
    const record = (ids: Types.ObjectId[], update: Record<string, unknown>) => ops.push(...ids.map((id) => byId(id, update)));
    const sentOk = await this.#attempt(g, ctx, ops, record);
    await this.#write(ops, [groupKey(g.deliveries[0]!)]);
    // After the outcome: a database error here must not turn a letter that went out into a retry.
    if (sentOk) {
      await resolveAlerts(this.deps.alerter, g.channel, String(g.person._id)).catch((err: unknown) =>
        dbWarn(this.deps.logger, err, { channel: g.channel }, 'could not clear the alerts a delivery proved wrong'),
      );
    }
  }

  /** Sends one group's message (or holds or fails it), recording its outcomes in `ops`. True when it went out. */
  async #attempt(
    g: MessageGroup<LeanDelivery>,
    ctx: BatchContext,
    ops: AnyBulkWriteOperation[],
    record: (ids: Types.ObjectId[], update: Record<string, unknown>) => void,
  ): Promise<boolean> {
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
      for (const d of g.deliveries)
        ops.push(this.#poison(d, g.channel, 'address', `${g.person.name} has no ${g.channel} address any more`));
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
          address: message.to,
          messageId: message.messageId,
          providerMessageId: receipt.providerMessageId,
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
    ops: AnyBulkWriteOperation[],
  ): { group: MessageGroup<LeanDelivery>; message: OutgoingMessage } | undefined {
    const settings = this.deps.channels;
    let failure: unknown;
    try {
      return { group: g, message: composeMessage(g, ctx, settings).message };
    } catch (err) {
      failure = err;
    }
    const good = g.deliveries.length > 1 ? g.deliveries.filter((d) => renders({ ...g, deliveries: [d] }, ctx, settings)) : [];
    for (const d of g.deliveries) {
      if (!good.includes(d)) ops.push(this.#poison(d, g.channel, 'render', 'the message could not be rendered', errorText(failure)));
    }
    if (good.length === 0) return undefined;
    const group = { ...g, deliveries: good };
    try {
      return { group, message: composeMessage(group, ctx, settings).message };
    } catch (err) {
      // Each renders alone but not together: none can be told apart from the others.
      for (const d of good) ops.push(this.#poison(d, g.channel, 'render', 'the message could not be rendered', errorText(err)));
      return undefined;
    }
  }

  /**
   * A delivery that can never go out as it is: it fails at once, alone, with `reason` (and the error's own
   * words, `detail`, where there are some: kept on the delivery and shown to admins). Returns its update.
   */
  #poison(d: LeanDelivery, channel: Channel, cause: FailureCause, reason: string, detail?: string): AnyBulkWriteOperation {
    const full = detail ? `${reason}: ${detail}` : reason;
    this.failures.add({ channel, reason, cause, ...(detail ? { detail } : {}) }, 1);
    this.#metrics.deliveries(channel, 'failed', 1, cause);
    this.deps.logger.warn({ delivery: String(d._id), channel, reason: full }, 'delivery cannot be sent');
    return byId(d._id, outcome.failed({ attempts: d.attempts, reason: full, cause, detail: detail ?? reason }));
  }

  async #failed(
    g: MessageGroup<LeanDelivery>,
    err: unknown,
    attempts: number,
    record: (ids: Types.ObjectId[], update: Record<string, unknown>) => void,
  ): Promise<void> {
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
      ).catch((e: unknown) => dbWarn(logger, e, { person: String(g.person._id) }, 'could not mark Telegram unreachable'));
    }
    const person = { id: String(g.person._id), name: g.person.name, address: addressOf(g.person, g.channel) ?? '' };
    // The alert quotes the provider's own words, without our "gave up after n attempts" around them.
    await raiseAlert(alerter, { cause, detail, retrying: decision.retry }, g.channel, person).catch((e: unknown) =>
      dbWarn(logger, e, { channel: g.channel }, 'could not raise an admin alert'),
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
      this.#fallbacks.push(newDelivery({ ...plan, nextAttemptAt: d.nextAttemptAt, fallbackOf: d._id }, now));
    }
    return channel;
  }
}

/**
 * Logs a database write that failed on the side of a run (not an outcome). While the database is
 * unreachable that is the outage, which the process's database watch logs once per phase: debug only.
 */
function dbWarn(logger: Logger, err: unknown, fields: Record<string, unknown>, msg: string): void {
  if (isConnectivityError(err)) logger.debug({ ...fields, err }, msg);
  else logger.warn({ ...fields, err }, msg);
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
