import { Types, type AnyBulkWriteOperation } from 'mongoose';
import { ChangeModel, DeliveryModel, PersonModel, TaskModel, type Delivery } from '../db/models/index.js';
import { claimKeys, releaseStaleClaims } from '../db/claims.js';
import { BULK_CHUNK, bulkWriteChunked } from '../db/bulk.js';
import type { Logger } from '../logger.js';
import type { Channel, Language } from '../domain/types.js';
import { quietHoursEnd } from '../domain/quiet-hours.js';
import { renderEmail, renderSms, renderTelegram } from '../domain/templates.js';
import { notificationItems, objectIds } from './notification-items.js';
import { fitSms } from '../domain/sms-segments.js';
import type { RunResult } from './port.js';
import type { ChannelSet } from './channels/registry.js';
import { TemporaryDeliveryError, type FailureCause, type OutgoingMessage } from './channels/types.js';
import { decideRetry, type RetryPolicy } from './retry.js';
import { addressOf, insertIgnoringDuplicates } from './planning.js';
import type { Alerter } from './alerts.js';
import { alertFor } from './alert-texts.js';

type LeanDelivery = Delivery & { _id: Types.ObjectId };

export interface DispatchDeps {
  channels: ChannelSet;
  alerter: Alerter;
  logger: Logger;
  policy: RetryPolicy;
  /** Deliveries one claim takes. */
  batchSize: number;
  /** Messages sent at the same time. */
  concurrency: number;
  /** Lease length in ms; renewed while the batch is being sent. */
  leaseMs: number;
  /** Names the claims and leases of this run. */
  owner: string;
  clock?: () => Date;
  /** Stops between batches. */
  signal?: AbortSignal;
}

export type DispatchOutcome = Omit<RunResult, 'runId' | 'trigger' | 'startedAt' | 'finishedAt'>;

interface Group {
  person: PersonLean;
  channel: Channel;
  deliveries: LeanDelivery[];
}

interface PersonLean {
  _id: Types.ObjectId;
  telegramId: number;
  name: string;
  email?: string | null;
  phone?: string | null;
  timezone: string;
  language: string;
  quietHours?: { start?: string | null; end?: string | null } | null;
  quietEmail?: boolean | null;
}

/**
 * One dispatch pass: claims due deliveries in batches (a claim per delivery, so several workers share the
 * work and each delivery goes to one of them), groups what one person gets on one channel into one message,
 * renders and sends it, and records every result in bulk. Ends when nothing due is left in scope.
 */
export async function dispatch(deps: DispatchDeps, scope: { taskNumber?: number } = {}): Promise<DispatchOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const outcome: DispatchOutcome = {
    sent: { email: 0, sms: 0, telegram: 0 },
    failed: [],
    retrying: 0,
    held: 0,
    ...(scope.taskNumber !== undefined ? { taskNumber: scope.taskNumber } : {}),
  };
  const failures = new Map<string, { channel: Channel; reason: string; count: number }>();
  await deps.alerter.load();

  // A run takes what was due when it started: a delivery it puts back for a retry waits for a later run,
  // however short the delay, so one run never spends several attempts of the same delivery.
  const runStart = clock();
  let emptyClaims = 0;
  while (!deps.signal?.aborted) {
    const claimed = await claimBatch(deps, runStart, clock(), scope.taskNumber);
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
    await processBatch(deps, claimed.winners, clock, outcome, failures);
  }

  const scopeFilter = scope.taskNumber !== undefined ? { taskNumber: scope.taskNumber } : {};
  outcome.held = await DeliveryModel.countDocuments({ ...scopeFilter, status: 'pending', heldFor: 'quiet' });
  outcome.failed = [...failures.values()];
  return outcome;
}

/**
 * Claims due deliveries: whoever inserts a delivery's claim `<id>:<claimSeq>` first owns it. Returns the
 * deliveries won, and the keys of pending ones lost (for stale-claim release). The lease itself is written
 * by processBatch, through the batch's writer.
 */
async function claimBatch(
  deps: DispatchDeps,
  dueBy: Date,
  now: Date,
  taskNumber?: number,
): Promise<{ winners: LeanDelivery[]; lostPending: string[] } | 'none'> {
  const due: Record<string, unknown> = {
    $or: [
      { status: 'pending', nextAttemptAt: { $lte: dueBy } },
      { status: 'sending', leaseUntil: { $lt: now } },
    ],
    ...(taskNumber !== undefined ? { taskNumber } : {}),
  };
  const candidates = await DeliveryModel.find(due).sort({ nextAttemptAt: 1 }).limit(deps.batchSize).lean<LeanDelivery[]>();
  if (candidates.length === 0) return 'none';
  const key = (c: LeanDelivery) => `${String(c._id)}:${c.claimSeq}`;
  const won = await claimKeys(candidates.map(key), deps.owner, now);
  return {
    winners: candidates.filter((c) => won.has(key(c))),
    lostPending: candidates.filter((c) => !won.has(key(c)) && c.status === 'pending').map(key),
  };
}

/**
 * One update of one delivery, by `_id` alone. Exclusivity comes from the claim, not from the filter; and
 * an `_id`-only filter is the one FerretDB 1.x looks up through its index (any other filter scans the
 * whole collection), while on MongoDB it is as cheap as it gets.
 */
function byId(id: Types.ObjectId, update: Record<string, unknown>): AnyBulkWriteOperation {
  return { updateOne: { filter: { _id: id }, update } };
}

/**
 * Every write of a batch goes through one chain, in order: leases, result records, lease renewals.
 * (FerretDB rewrites whole documents, so two writes of ours to one document must never overlap.)
 * An entry is built when its chunk is sent, so a lease counts from when it is written, not from when it
 * was queued.
 */
class BatchWriter {
  #entries: Array<() => AnyBulkWriteOperation> = [];
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly flushAt = 100) {}

  add(build: () => AnyBulkWriteOperation): void {
    this.#entries.push(build);
    if (this.#entries.length >= this.flushAt) void this.flush();
  }

  flush(): Promise<unknown> {
    const entries = this.#entries;
    this.#entries = [];
    if (entries.length) {
      this.#chain = this.#chain.then(async () => {
        for (let i = 0; i < entries.length; i += BULK_CHUNK) {
          await bulkWriteChunked(
            DeliveryModel,
            entries.slice(i, i + BULK_CHUNK).map((build) => build()),
          );
        }
      });
    }
    return this.#chain;
  }
}

async function processBatch(
  deps: DispatchDeps,
  batch: LeanDelivery[],
  clock: () => Date,
  outcome: DispatchOutcome,
  failures: Map<string, { channel: Channel; reason: string; count: number }>,
): Promise<void> {
  const { channels, alerter, logger } = deps;
  const changes = await ChangeModel.find({ _id: { $in: objectIds(batch.map((d) => d.change)) } }).lean();
  const [tasks, people] = await Promise.all([
    TaskModel.find({ _id: { $in: objectIds(batch.map((d) => d.task)) } }).lean(),
    PersonModel.find({
      _id: { $in: objectIds([...batch.map((d) => d.person), ...changes.map((c) => c.actor)]) },
    })
      .select({ telegramId: 1, name: 1, email: 1, phone: 1, timezone: 1, language: 1, quietHours: 1, quietEmail: 1 })
      .lean<PersonLean[]>(),
  ]);
  const changeById = new Map(changes.map((c) => [String(c._id), c]));
  const taskById = new Map(tasks.map((t) => [String(t._id), t]));
  const personById = new Map(people.map((p) => [String(p._id), p]));

  const writer = new BatchWriter();
  const leaseUntil = () => new Date(clock().getTime() + deps.leaseMs);
  // The claims are ours: write the leases (so other workers see them, and take over if we die), each
  // counted from when it is written, and keep them renewed until each delivery's result is queued.
  const inFlight = new Set(batch.map((d) => d._id));
  for (const d of batch) {
    writer.add(() => byId(d._id, { $set: { status: 'sending', leaseOwner: deps.owner, leaseUntil: leaseUntil() }, $inc: { claimSeq: 1 } }));
  }
  void writer.flush();
  const renew = setInterval(
    () => {
      for (const id of inFlight) writer.add(() => byId(id, { $set: { leaseUntil: leaseUntil() } }));
      void writer.flush();
    },
    Math.max(1_000, Math.floor(deps.leaseMs / 3)),
  );
  renew.unref();
  // Writes run in the order queued, so a renewal queued after a result would only land after it: an id
  // stops being renewed once its result is queued.
  const record = (ids: Types.ObjectId[], update: Record<string, unknown>) => {
    for (const id of ids) {
      inFlight.delete(id);
      writer.add(() => byId(id, update));
    }
  };
  const release = { leaseOwner: '', leaseUntil: '' };

  const groups = new Map<string, Group>();
  const fallbacks: Array<Record<string, unknown>> = [];
  for (const d of batch) {
    const person = personById.get(String(d.person));
    if (!person || !changeById.has(String(d.change)) || !taskById.has(String(d.task))) {
      record([d._id], { $set: { status: 'skipped', lastError: 'the person, task or change no longer exists' }, $unset: release });
      continue;
    }
    const key = `${String(d.person)}:${d.channel}`;
    const g = groups.get(key) ?? { person, channel: d.channel, deliveries: [] };
    g.deliveries.push(d);
    groups.set(key, g);
  }

  const sendGroup = async (g: Group): Promise<void> => {
    const now = clock();
    const ids = g.deliveries.map((d) => d._id);
    const quietApplies = g.channel === 'sms' || (g.channel === 'email' && g.person.quietEmail);
    const quietEnd = quietApplies
      ? quietHoursEnd(now, g.person.quietHours as { start: string; end: string } | undefined, g.person.timezone)
      : undefined;
    if (quietEnd) {
      record(ids, { $set: { status: 'pending', nextAttemptAt: quietEnd, heldFor: 'quiet' }, $unset: release });
      return;
    }

    const sender = channels.senders[g.channel];
    const attempts = Math.max(...g.deliveries.map((d) => d.attempts)) + 1;
    const messageId = `${String(ids[0])}@${channels.mailDomain}`;
    try {
      if (!sender) throw new TemporaryDeliveryError(channels.missing[g.channel] ?? `${g.channel} is not available`, undefined, 'config');
      const message = render(g, channels, changeById, taskById, personById, messageId);
      const receipt = await sender.send(message);
      record(ids, {
        $set: {
          status: 'sent',
          sentAt: clock(),
          attempts,
          address: message.to,
          ...(g.channel === 'email' ? { messageId } : {}),
          ...(receipt.providerMessageId ? { providerMessageId: receipt.providerMessageId } : {}),
        },
        $unset: { ...release, heldFor: '', lastError: '' },
      });
      outcome.sent[g.channel] += 1;
      await alerter.resolve(`${g.channel}:`, `address:${String(g.person._id)}:${g.channel}`);
    } catch (err) {
      const decision = decideRetry(err, attempts, deps.policy);
      if (decision.retry) {
        record(ids, {
          $set: {
            status: 'pending',
            attempts,
            nextAttemptAt: new Date(clock().getTime() + decision.delayMs),
            heldFor: 'retry',
            lastError: decision.reason,
          },
          $unset: release,
        });
        outcome.retrying += ids.length;
      } else {
        let reason = decision.reason;
        if (g.channel === 'sms' && channels.smsFallback !== 'none' && decision.cause !== 'config') {
          const fallbackChannel = channels.smsFallback;
          const address = addressOf(g.person, fallbackChannel);
          if (address) {
            reason = `${reason} (sent by ${fallbackChannel} instead)`;
            for (const d of g.deliveries) {
              fallbacks.push({
                _id: new Types.ObjectId(),
                change: d.change,
                task: d.task,
                taskNumber: d.taskNumber,
                person: d.person,
                channel: fallbackChannel,
                address,
                status: 'pending',
                attempts: 0,
                claimSeq: 0,
                // due as the failed one was, so this run still sends it
                nextAttemptAt: d.nextAttemptAt,
                fallbackOf: d._id,
                createdAt: now,
                updatedAt: now,
              });
            }
          }
        }
        record(ids, { $set: { status: 'failed', attempts, lastError: reason }, $unset: { ...release, heldFor: '' } });
        const key = `${g.channel}:${decision.reason}`;
        const f = failures.get(key) ?? { channel: g.channel, reason: decision.reason, count: 0 };
        f.count += ids.length;
        failures.set(key, f);
      }
      await raiseAlert(alerter, decision.cause, g, decision.reason, decision.retry);
      logger.debug({ channel: g.channel, person: String(g.person._id), retry: decision.retry, reason: decision.reason }, 'delivery failed');
    }
  };

  try {
    await runPool([...groups.values()], deps.concurrency, async (g) => {
      try {
        await sendGroup(g);
      } catch (err) {
        // A bug in rendering or recording must not stop the batch; the lease hands the group on later.
        logger.error({ err, channel: g.channel }, 'a delivery group failed unexpectedly');
      }
    });
  } finally {
    clearInterval(renew);
    await writer.flush();
  }
  if (fallbacks.length) await insertIgnoringDuplicates(fallbacks);
}

function render(
  g: Group,
  channels: ChannelSet,
  changeById: Parameters<typeof notificationItems>[1],
  taskById: Parameters<typeof notificationItems>[2],
  personById: Map<string, PersonLean>,
  messageId: string,
): OutgoingMessage {
  const items = notificationItems(g.deliveries, changeById, taskById, (id) => personById.get(id)?.name);
  const opts = { language: g.person.language as Language, timezone: g.person.timezone, personName: g.person.name };
  const to = addressOf(g.person, g.channel) ?? g.deliveries[0]!.address;
  const numbers = new Set(items.map((i) => i.task.number));
  const taskNumber = numbers.size === 1 ? items[0]!.task.number : undefined;
  if (g.channel === 'email') {
    const mail = renderEmail(items, channels.templates, opts);
    return { channel: 'email', to, subject: mail.subject, text: mail.text, html: mail.html, messageId, taskNumber };
  }
  if (g.channel === 'sms') {
    const text = fitSms(renderSms(items, channels.templates.sms, opts), channels.smsMaxParts).text;
    return { channel: 'sms', to, text };
  }
  // Buttons act on one task, so a digest of several tasks carries none.
  return { channel: 'telegram', to, text: renderTelegram(items, opts), ...(taskNumber !== undefined ? { taskNumber } : {}) };
}

async function raiseAlert(alerter: Alerter, cause: FailureCause, g: Group, reason: string, retrying: boolean): Promise<void> {
  const alert = alertFor(cause, g.channel, reason, { name: g.person.name, address: addressOf(g.person, g.channel) ?? '' }, retrying);
  if (!alert) return;
  const key = cause === 'address' ? `address:${String(g.person._id)}:${g.channel}` : `${g.channel}:${cause}`;
  await alerter.raise(key, alert);
}

async function runPool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
