/**
 * Due-date reminders: which fire now, written once, and fanned out into deliveries like a change's.
 *
 * A sweep looks at the window between the last sweep (a watermark kept in the `counters` collection) and
 * now. For every open task with a due time, its assignee (and its author, if they chose `/remind author on`)
 * gets the reminder whose moment fell in the window (the latest one, if several did). Each is written as a
 * Reminder under its unique key (task, person, lead, due instant): however many workers sweep the same
 * window, and after a crash between a sweep and the move of the watermark, it is written once. Planning
 * then writes its deliveries under the usual unique (change, person, channel) key, the reminder's id as the
 * change. A due time moved since is another key; the old reminder never comes again (its moment is not in
 * a later window), and one waiting to go out is dropped at send time (src/delivery/recheck.ts).
 */
import { Types } from 'mongoose';
import { bulkWriteChunked } from '../db/bulk.js';
import { duplicateWrites, isDuplicateKey } from '../db/duplicate-key.js';
import { RECIPIENT_FIELDS, type LeanRecipient } from '../db/documents.js';
import { CounterModel, DeliveryModel, PersonModel, ReminderModel, TaskModel } from '../db/models/index.js';
import { CLOSED_STATUSES, MAX_LEAD_DAYS, nextReminderMoment, reminderKey, reminderToFire } from '../domain/reminders.js';
import type { TaskStatus } from '../domain/types.js';
import { channelsFor } from './entitlement.js';
import { addressOf, insertDeliveries, newDelivery, type NewDelivery } from './new-delivery.js';

/** The counter whose `seq` is the time (ms) up to which reminders were swept. */
const WATERMARK = 'reminders-swept';
/** The longest lead and a day of slack (a calendar day across a DST change is 25 hours). */
const LOOKAHEAD_MS = (MAX_LEAD_DAYS + 1) * 24 * 3600_000;

type TaskFacts = { _id: Types.ObjectId; number: number; due?: Date | null; author: Types.ObjectId; assignee?: Types.ObjectId | null };

/** Who is reminded of a task: its assignee, and its author if they chose to be. */
function remindedOf(task: TaskFacts, personById: Map<string, LeanRecipient>): LeanRecipient[] {
  const out = new Map<string, LeanRecipient>();
  const assignee = task.assignee ? personById.get(String(task.assignee)) : undefined;
  if (assignee) out.set(String(assignee._id), assignee);
  const author = personById.get(String(task.author));
  if (author?.remindAuthor) out.set(String(author._id), author);
  return [...out.values()];
}

async function openTasksDue(range: Record<string, Date>): Promise<{ tasks: TaskFacts[]; personById: Map<string, LeanRecipient> }> {
  const tasks = await TaskModel.find({ status: { $nin: [...CLOSED_STATUSES] as TaskStatus[] }, due: range })
    .select({ number: 1, due: 1, author: 1, assignee: 1 })
    .lean<TaskFacts[]>();
  const ids = [...new Set(tasks.flatMap((t) => [String(t.author), ...(t.assignee ? [String(t.assignee)] : [])]))];
  const people = ids.length
    ? await PersonModel.find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
        .select(RECIPIENT_FIELDS)
        .lean<LeanRecipient[]>()
    : [];
  return { tasks, personById: new Map(people.map((p) => [String(p._id), p])) };
}

/** Where the last sweep ended; the first call ever starts the watermark at `now` (nothing of the past fires). */
export async function reminderWatermark(now: Date): Promise<Date> {
  const found = await CounterModel.findById(WATERMARK).lean();
  if (found) return new Date(found.seq);
  await CounterModel.updateOne({ _id: WATERMARK }, { $setOnInsert: { seq: now.getTime() } }, { upsert: true }).catch((err: unknown) => {
    // Two first sweeps at once: the other one's start stands.
    if (!isDuplicateKey(err)) throw err;
  });
  return new Date((await CounterModel.findById(WATERMARK).lean())?.seq ?? now.getTime());
}

/**
 * Writes the reminders whose moment fell between the watermark and `now`, then moves the watermark to
 * `now`. Returns how many were new.
 */
export async function sweepReminders(now: Date = new Date()): Promise<number> {
  const from = await reminderWatermark(now);
  if (from >= now) return 0;
  const { tasks, personById } = await openTasksDue({ $gt: from, $lte: new Date(now.getTime() + LOOKAHEAD_MS) });
  const docs = [];
  for (const task of tasks) {
    if (!task.due) continue;
    for (const person of remindedOf(task, personById)) {
      const fire = reminderToFire(task.due, person, person.timezone, from, now);
      if (!fire) continue;
      const key = reminderKey(String(task._id), String(person._id), fire.lead, task.due);
      docs.push({ _id: new Types.ObjectId(), key, task: task._id, taskNumber: task.number, person: person._id, due: task.due, ...fire });
    }
  }
  let written = 0;
  if (docs.length) {
    try {
      written = (await ReminderModel.collection.insertMany(docs, { ordered: false })).insertedCount;
    } catch (err) {
      const dup = duplicateWrites(err);
      if (!dup) throw err;
      written = docs.length - dup.length;
    }
  }
  // Monotonic: a slower sweeper that ends later never moves it back.
  await CounterModel.updateOne({ _id: WATERMARK }, { $max: { seq: now.getTime() } });
  return written;
}

/**
 * Fans unplanned reminders out into deliveries: to their person on the channels they hear of their own
 * tasks on (`/channels`), if they may still hear of the task (src/delivery/entitlement.ts), at the
 * reminder's moment (quiet hours hold them when they go; a daily digest does not: a reminder is for its
 * minute). Returns the number of deliveries written.
 */
export async function planReminders(now: Date = new Date()): Promise<number> {
  const reminders = await ReminderModel.find({ plannedAt: null }).limit(500).lean();
  if (reminders.length === 0) return 0;
  const [tasks, people] = await Promise.all([
    TaskModel.find({ _id: { $in: reminders.map((r) => r.task) } })
      .select({ author: 1, assignee: 1, private: 1 })
      .lean(),
    PersonModel.find({ _id: { $in: reminders.map((r) => r.person) } })
      .select(RECIPIENT_FIELDS)
      .lean<LeanRecipient[]>(),
  ]);
  const taskById = new Map(tasks.map((t) => [String(t._id), t]));
  const personById = new Map(people.map((p) => [String(p._id), p]));
  const docs: NewDelivery[] = [];
  for (const r of reminders) {
    const task = taskById.get(String(r.task));
    const person = personById.get(String(r.person));
    if (!task || !person) continue;
    for (const channel of channelsFor(task, person, undefined)) {
      const address = addressOf(person, channel);
      if (!address || (channel === 'telegram' && person.telegramUnreachableAt)) continue;
      const plan = { change: r._id, task: r.task, taskNumber: r.taskNumber, person: person._id, channel, address, nextAttemptAt: r.at };
      docs.push(newDelivery(plan, now));
    }
  }
  const written = await insertDeliveries(docs);
  await bulkWriteChunked(
    ReminderModel,
    reminders.map((r) => ({ updateOne: { filter: { _id: r._id }, update: { $set: { plannedAt: now } } } })),
    { ordered: false },
  );
  return written + (reminders.length === 500 ? await planReminders(now) : 0);
}

/** The next reminder moment after `now` of any open task, or undefined when none is ahead. */
export async function nextReminderAt(now: Date = new Date()): Promise<Date | undefined> {
  const { tasks, personById } = await openTasksDue({ $gt: now });
  let next: number | undefined;
  for (const task of tasks) {
    if (!task.due) continue;
    for (const person of remindedOf(task, personById)) {
      const at = nextReminderMoment(task.due, person, person.timezone, now)?.getTime();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
  }
  return next === undefined ? undefined : new Date(next);
}

/**
 * When a run is next needed at its minute, whatever the admin's schedule: the next reminder moment, or the
 * end of the next escalation wait (an SMS that goes then unless its person saw the task). Undefined: none.
 */
export async function nextTimedRunAt(now: Date = new Date()): Promise<Date | undefined> {
  const [reminder, escalated] = await Promise.all([
    nextReminderAt(now),
    DeliveryModel.findOne({ status: 'pending', heldFor: 'escalation', nextAttemptAt: { $gt: now } })
      .sort({ nextAttemptAt: 1 })
      .select({ nextAttemptAt: 1 })
      .lean(),
  ]);
  const times = [reminder?.getTime(), escalated?.nextAttemptAt.getTime()].filter((t): t is number => t !== undefined);
  return times.length ? new Date(Math.min(...times)) : undefined;
}
