import type { Types } from 'mongoose';
import { ClaimModel, DeliveryModel, RunModel } from '../db/models/index.js';
import { heldUntil } from '../domain/quiet-hours.js';
import type { LeanDelivery } from '../db/documents.js';
import { composeMessage, groupByRecipient, loadBatchContext } from './compose.js';
import { getSchedule, getSettings, loadTemplates } from '../db/settings-store.js';
import { DEFAULT_SMS_FALLBACK, DEFAULT_SMS_MAX_PARTS } from '../domain/gateways.js';
import { dueFilter } from './claiming.js';
import { addressOf } from './new-delivery.js';
import { nextRunOf } from '../domain/schedule.js';
import type { FailureCause } from '../domain/types.js';
import type { DeliveryPort, DryRunLine, QueueSummary, RunResult } from './port.js';
import { DROPPED_REASON_PREFIX, SAVED_BY_ESCALATION } from './recheck.js';
import { planDue } from './planning.js';
import { requestRun, RunTimeoutError, waitForRun } from './runs.js';

export interface DeliveryServiceOptions {
  /** Wakes a worker in this process at once; absent in a bot-only process (a worker polls for requests). */
  kick?: () => void;
  /** Re-reads the schedule in this process's worker; absent in a bot-only process (the worker notices). */
  onScheduleChanged?: () => Promise<void>;
  /** Sets this process's reminder alarm again (src/scheduler/timed-runs.ts); absent in a bot-only process. */
  onTimesChanged?: () => Promise<void>;
  /**
   * How long /send waits for the run it caused before it says the run goes on (or, for a caller that does
   * not listen, gives up), in ms. @defaultValue 120_000
   */
  sendTimeoutMs?: number;
  /** How long /send waits in all, past its `onSlow`, in ms. @defaultValue 3_600_000 */
  sendGiveUpMs?: number;
}

/** The DeliveryPort the bot uses: /send, /send dry, /queue, /schedule. */
export function createDeliveryService(opts: DeliveryServiceOptions = {}): DeliveryPort {
  return {
    async sendNow({ taskNumber, requestedBy, onSlow }): Promise<RunResult> {
      const id = await requestRun({
        trigger: 'send',
        ...(taskNumber !== undefined ? { taskNumber } : {}),
        ...(requestedBy !== undefined ? { requestedBy } : {}),
      });
      opts.kick?.();
      const patience = opts.sendTimeoutMs ?? 120_000;
      if (!onSlow) return waitForRun(id, { timeoutMs: patience });
      try {
        return await waitForRun(id, { timeoutMs: patience });
      } catch (err) {
        if (!(err instanceof RunTimeoutError)) throw err;
        await onSlow(err.state);
      }
      return waitForRun(id, { timeoutMs: Math.max(0, (opts.sendGiveUpMs ?? 3_600_000) - patience) });
    },
    dryRun,
    queue,
    async scheduleChanged() {
      await opts.onScheduleChanged?.();
    },
    async timesChanged() {
      await opts.onTimesChanged?.();
    },
  };
}

const DRY_RUN_LIMIT = 200;

/**
 * Who would get what now, on which channel, in how many SMS parts; sends nothing and changes no delivery.
 * It is built from what the run would do: the same due filter (src/delivery/claiming.ts: no retry before it
 * is due), the same grouping and composition (src/delivery/compose.ts), the person's current address, and
 * the channel an SMS goes by instead when it fails for good.
 */
export async function dryRun({ taskNumber }: { taskNumber?: number }, now = new Date()): Promise<DryRunLine[]> {
  await planDue(now);
  const deliveries = await DeliveryModel.find(dueFilter({ dueBy: now, taskNumber }))
    .sort({ nextAttemptAt: 1 })
    .limit(DRY_RUN_LIMIT)
    .lean<LeanDelivery[]>();
  if (deliveries.length === 0) return [];
  const [ctx, templates, settings] = await Promise.all([loadBatchContext(deliveries), loadTemplates(), getSettings()]);
  const smsMaxParts = settings.sms?.maxParts ?? DEFAULT_SMS_MAX_PARTS;
  const smsFallback = settings.sms?.fallback ?? DEFAULT_SMS_FALLBACK;
  const lines: DryRunLine[] = [];
  for (const group of groupByRecipient(deliveries, ctx).groups) {
    const first = group.deliveries[0]!;
    const { message, sms } = composeMessage(group, ctx, { templates, smsMaxParts, mailDomain: '' }, now);
    const line: DryRunLine = {
      taskNumber: first.taskNumber,
      personName: group.person.name,
      channel: group.channel,
      address: message.to,
    };
    if (group.deliveries.length > 1) line.taskNumbers = [...new Set(group.deliveries.map((d) => d.taskNumber))];
    const held = heldUntil(group.channel, group.person, now);
    if (held) line.heldUntil = held.toISOString();
    if (sms) {
      line.smsParts = sms.parts;
      line.smsEncoding = sms.encoding;
      if (smsFallback !== 'none' && addressOf(group.person, smsFallback)) line.fallback = smsFallback;
    }
    lines.push(line);
  }
  return lines;
}

/** Deliveries being sent now: pending ones that a worker's live claim covers (src/db/leased-claims.ts). */
async function beingSent(now: Date): Promise<number> {
  const claims = await ClaimModel.find({ _id: /^group:/, leaseUntil: { $gt: now } })
    .select({ items: 1 })
    .lean<Array<{ items?: Types.ObjectId[] | null }>>();
  const ids = claims.flatMap((c) => c.items ?? []);
  return ids.length ? DeliveryModel.countDocuments({ _id: { $in: ids }, status: 'pending' }) : 0;
}

/**
 * Pending, failed, last run, next run. Changes not yet fanned out are planned first (idempotent, as a run
 * or `/send dry` plans them), so that what waits right after an edit is counted, as `/send dry` lists it.
 */
export async function queue(now = new Date()): Promise<QueueSummary> {
  await planDue(now);
  const count = (filter: Record<string, unknown>) => DeliveryModel.countDocuments(filter);
  const [escalation, savedByEscalation] = await Promise.all([
    count({ status: 'pending', heldFor: 'escalation' }),
    count({ status: 'skipped', lastError: SAVED_BY_ESCALATION }),
  ]);
  const [pending, retrying, held, digest, sending, failed, sent, dropped, lastRun, lastScheduled, schedule, recent] = await Promise.all([
    count({ status: 'pending' }),
    count({ status: 'pending', heldFor: 'retry' }),
    count({ status: 'pending', heldFor: 'quiet' }),
    count({ status: 'pending', heldFor: 'digest' }),
    beingSent(now),
    count({ status: 'failed' }),
    count({ status: 'sent' }),
    count({ status: 'skipped', lastError: { $regex: `^${DROPPED_REASON_PREFIX}` } }),
    RunModel.findOne({ status: 'done' }).sort({ finishedAt: -1 }).lean(),
    RunModel.findOne({ trigger: 'schedule' }).sort({ requestedAt: -1 }).select({ requestedAt: 1 }).lean(),
    getSchedule(),
    DeliveryModel.find({ status: 'failed', updatedAt: { $gte: new Date(now.getTime() - 7 * 24 * 3600_000) } })
      .select({ channel: 1, lastError: 1, failureCause: 1, failureDetail: 1 })
      .sort({ updatedAt: -1 })
      .limit(500)
      .lean(),
  ]);
  // By channel, cause and the provider's words (older deliveries have only lastError).
  const reasons = new Map<string, QueueSummary['recentFailures'][number]>();
  for (const d of recent) {
    const reason = d.failureDetail ?? d.lastError ?? '?';
    const key = JSON.stringify([d.channel, d.failureCause, reason]);
    const entry = reasons.get(key) ?? {
      reason,
      count: 0,
      channel: d.channel,
      ...(d.failureCause ? { cause: d.failureCause as FailureCause } : {}),
    };
    entry.count += 1;
    reasons.set(key, entry);
  }
  const summary: QueueSummary = {
    // Those being sent are pending until their outcome is written: counted once, as being sent.
    pending: Math.max(0, pending - sending),
    retrying,
    held,
    digest,
    sending,
    failed,
    sent,
    dropped: dropped - savedByEscalation,
    escalation,
    savedByEscalation,
    recentFailures: [...reasons.values()].sort((a, b) => b.count - a.count).slice(0, 5),
  };
  if (lastRun?.finishedAt) {
    const r = (lastRun.result ?? {}) as Partial<RunResult>;
    summary.lastRun = {
      finishedAt: lastRun.finishedAt.toISOString(),
      trigger: lastRun.trigger,
      sent: Object.values(r.sent ?? {}).reduce((a, b) => a + b, 0),
      failed: (r.failed ?? []).reduce((a, f) => a + f.count, 0),
    };
  }
  const next = nextRunOf(schedule, now, lastScheduled?.requestedAt);
  if (next) summary.nextRun = next.toISOString();
  return summary;
}
