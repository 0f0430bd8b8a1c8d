import { DeliveryModel, RunModel } from '../db/models/index.js';
import { heldUntil } from '../domain/quiet-hours.js';
import type { LeanDelivery } from '../db/documents.js';
import { composeMessage, groupByRecipient, loadBatchContext } from './compose.js';
import { getSchedule, getSettings, loadTemplates } from '../db/settings-store.js';
import { DEFAULT_SMS_FALLBACK, DEFAULT_SMS_MAX_PARTS } from '../domain/gateways.js';
import { dueFilter } from './claiming.js';
import { addressOf } from './new-delivery.js';
import { nextRunOf } from '../domain/schedule.js';
import type { DeliveryPort, DryRunLine, QueueSummary, RunResult } from './port.js';
import { planPendingChanges } from './planning.js';
import { requestRun, waitForRun } from './runs.js';

export interface DeliveryServiceOptions {
  /** Wakes a worker in this process at once; absent in a bot-only process (a worker polls for requests). */
  kick?: () => void;
  /** Re-reads the schedule in this process's worker; absent in a bot-only process (the worker notices). */
  onScheduleChanged?: () => Promise<void>;
  /** How long /send waits for the run it caused, in ms. @defaultValue 120_000 */
  sendTimeoutMs?: number;
}

/** The DeliveryPort the bot uses: /send, /send dry, /queue, /schedule. */
export function createDeliveryService(opts: DeliveryServiceOptions = {}): DeliveryPort {
  return {
    async sendNow({ taskNumber, requestedBy }): Promise<RunResult> {
      const id = await requestRun({
        trigger: 'send',
        ...(taskNumber !== undefined ? { taskNumber } : {}),
        ...(requestedBy !== undefined ? { requestedBy } : {}),
      });
      opts.kick?.();
      return waitForRun(id, { timeoutMs: opts.sendTimeoutMs ?? 120_000 });
    },
    dryRun,
    queue,
    async scheduleChanged() {
      await opts.onScheduleChanged?.();
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
  await planPendingChanges(now);
  const deliveries = await DeliveryModel.find(dueFilter({ dueBy: now, now, taskNumber }))
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
    const { message, sms } = composeMessage(group, ctx, { templates, smsMaxParts, mailDomain: '' });
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

/** Pending, failed, last run, next run. */
export async function queue(now = new Date()): Promise<QueueSummary> {
  const count = (filter: Record<string, unknown>) => DeliveryModel.countDocuments(filter);
  const [pending, retrying, held, digest, sending, failed, sent, lastRun, lastScheduled, schedule, recent] = await Promise.all([
    count({ status: 'pending' }),
    count({ status: 'pending', heldFor: 'retry' }),
    count({ status: 'pending', heldFor: 'quiet' }),
    count({ status: 'pending', heldFor: 'digest' }),
    count({ status: 'sending' }),
    count({ status: 'failed' }),
    count({ status: 'sent' }),
    RunModel.findOne({ status: 'done' }).sort({ finishedAt: -1 }).lean(),
    RunModel.findOne({ trigger: 'schedule' }).sort({ requestedAt: -1 }).select({ requestedAt: 1 }).lean(),
    getSchedule(),
    DeliveryModel.find({ status: 'failed', updatedAt: { $gte: new Date(now.getTime() - 7 * 24 * 3600_000) } })
      .select({ lastError: 1 })
      .sort({ updatedAt: -1 })
      .limit(500)
      .lean(),
  ]);
  const reasons = new Map<string, number>();
  for (const d of recent) reasons.set(d.lastError ?? '?', (reasons.get(d.lastError ?? '?') ?? 0) + 1);
  const summary: QueueSummary = {
    pending,
    retrying,
    held,
    digest,
    sending,
    failed,
    sent,
    recentFailures: [...reasons]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([reason, n]) => ({ reason, count: n })),
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
