import { DeliveryModel, PersonModel, RunModel, ChangeModel, TaskModel } from '../db/models/index.js';
import { quietHoursEnd } from '../domain/quiet-hours.js';
import { renderSms } from '../domain/templates.js';
import { notificationItems, objectIds } from './notification-items.js';
import { fitSms } from '../domain/sms-segments.js';
import { getSchedule, loadSmsMaxParts, loadTemplates } from '../db/settings-store.js';
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

/** Who would get what now, on which channel, in how many SMS parts; sends nothing and changes no delivery. */
export async function dryRun({ taskNumber }: { taskNumber?: number }, now = new Date()): Promise<DryRunLine[]> {
  await planPendingChanges(now);
  const deliveries = await DeliveryModel.find({
    status: 'pending',
    ...(taskNumber !== undefined ? { taskNumber } : {}),
  })
    .sort({ nextAttemptAt: 1 })
    .limit(DRY_RUN_LIMIT)
    .lean();
  if (deliveries.length === 0) return [];
  const [people, changes, tasks, templates, smsMaxParts] = await Promise.all([
    PersonModel.find({ _id: { $in: objectIds(deliveries.map((d) => d.person)) } }).lean(),
    ChangeModel.find({ _id: { $in: objectIds(deliveries.map((d) => d.change)) } }).lean(),
    TaskModel.find({ _id: { $in: objectIds(deliveries.map((d) => d.task)) } }).lean(),
    loadTemplates(),
    loadSmsMaxParts(),
  ]);
  const actors = await PersonModel.find({ _id: { $in: objectIds(changes.map((c) => c.actor)) } })
    .select({ name: 1 })
    .lean();
  const personById = new Map(people.map((p) => [String(p._id), p]));
  const changeById = new Map(changes.map((c) => [String(c._id), c]));
  const taskById = new Map(tasks.map((t) => [String(t._id), t]));
  const actorName = new Map(actors.map((a) => [String(a._id), a.name]));

  const groups = new Map<string, typeof deliveries>();
  for (const d of deliveries) {
    const key = `${String(d.person)}:${d.channel}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const lines: DryRunLine[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const person = personById.get(String(first.person));
    if (!person) continue;
    const line: DryRunLine = {
      taskNumber: first.taskNumber,
      personName: person.name,
      channel: first.channel,
      address: first.address,
    };
    if (group.length > 1) line.taskNumbers = [...new Set(group.map((d) => d.taskNumber))];
    const quiet = first.channel === 'sms' || (first.channel === 'email' && person.quietEmail);
    const held = quiet ? quietHoursEnd(now, person.quietHours as { start: string; end: string } | undefined, person.timezone) : undefined;
    if (held) line.heldUntil = held.toISOString();
    if (first.channel === 'sms') {
      const items = notificationItems(group, changeById, taskById, (id) => actorName.get(id));
      const text = renderSms(items, templates.sms, {
        language: person.language,
        timezone: person.timezone,
        personName: person.name,
      });
      const fitted = fitSms(text, smsMaxParts);
      line.smsParts = fitted.analysis.parts;
      line.smsEncoding = fitted.analysis.encoding;
    }
    lines.push(line);
  }
  return lines;
}

/** Pending, failed, last run, next run. */
export async function queue(now = new Date()): Promise<QueueSummary> {
  const count = (filter: Record<string, unknown>) => DeliveryModel.countDocuments(filter);
  const [pending, retrying, held, sending, failed, sent, lastRun, lastScheduled, schedule, recent] = await Promise.all([
    count({ status: 'pending' }),
    count({ status: 'pending', heldFor: 'retry' }),
    count({ status: 'pending', heldFor: 'quiet' }),
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
