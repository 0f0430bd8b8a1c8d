import { groupBy } from '../domain/collections.js';
import { Types } from 'mongoose';
import { ChangeModel, ObserverModel, PersonModel, TaskModel } from '../db/models/index.js';
import { dailyDigestOf, nextDigestAt } from '../domain/digest.js';
import { ONE_ANSWER, RECIPIENT_FIELDS, type LeanRecipient } from '../db/documents.js';
import { addressOf, insertDeliveries, newDelivery, type NewDelivery } from './new-delivery.js';
import { channelsFor } from './entitlement.js';
import { planReminders, sweepReminders } from './reminders.js';
import { loadEscalation } from '../db/settings-store.js';
import type { Channel } from '../domain/types.js';
import type { HandOff } from './handoff.js';
import { peopleOfChanges } from './notification-items.js';

/**
 * Fans unplanned Changes out into Deliveries: the task's author and assignee on their participant channels
 * (`/channels`; people who never chose: DEFAULT_PARTICIPANT_CHANNELS, e-mail), its observers on the channels
 * they chose; not the person who made the change (unless they opted in); only on channels they have an
 * address for. A person in daily digest mode gets their deliveries held (`heldFor: 'digest'`) until their
 * next digest time after the change, so that they all fall due together and leave as one message per
 * channel; their SMS are left out unless they chose SMS in the digest. Deliveries are written in bulk under the unique
 * (change, person, channel) key, so planning a change twice — a crash between the insert and the
 * `plannedAt` mark, or two workers at once — plans nothing new. Returns the number of deliveries written (with
 * a hand-off, those of its first part: the rest is written while the run sends).
 *
 * Escalation (`/escalate <priority> <minutes>`): for a task of an escalated priority, a person (in `now`
 * mode) who gets the change by Telegram as well gets its SMS held (`heldFor: 'escalation'`) until the
 * minutes have passed; it is dropped when it comes due if they saw the task meanwhile (src/delivery/recheck.ts).
 */
export async function planPendingChanges(
  now: Date = new Date(),
  batchSize = 500,
  opts: {
    deferMark?: (mark: () => Promise<unknown>) => void;
    /** Takes a run's only page of deliveries to its first batch (src/delivery/handoff.ts). */
    handOff?: HandOff;
  } = {},
): Promise<number> {
  let written = 0;
  for (let first = true; ; first = false) {
    // A hand-off composes from these reads (src/delivery/handoff.ts): then whole documents, and the people
    // the changes name besides their recipients.
    const changes = await ChangeModel.find({ plannedAt: null })
      .sort({ at: 1 })
      .limit(batchSize)
      .select(opts.handOff ? {} : { task: 1, taskNumber: 1, actor: 1, at: 1, holdUntil: 1 })
      .lean();
    if (changes.length === 0) return written;
    const handOff = first && changes.length < batchSize ? opts.handOff : undefined;
    const taskIds = [...new Set(changes.map((c) => String(c.task)))].map((id) => new Types.ObjectId(id));
    const [escalation, tasks, observers] = await Promise.all([
      loadEscalation(),
      TaskModel.find({ _id: { $in: taskIds } })
        .select(handOff ? {} : { author: 1, assignee: 1, private: 1, priority: 1 })
        .lean(),
      ObserverModel.find({ task: { $in: taskIds } })
        .select({ task: 1, person: 1, channels: 1 })
        .batchSize(ONE_ANSWER)
        .lean(),
    ]);
    const personIds = new Set<string>();
    for (const t of tasks) {
      personIds.add(String(t.author));
      if (t.assignee) personIds.add(String(t.assignee));
    }
    for (const o of observers) personIds.add(String(o.person));
    if (handOff) for (const id of peopleOfChanges(changes)) personIds.add(String(id));
    const people = await PersonModel.find({ _id: { $in: [...personIds].map((id) => new Types.ObjectId(id)) } })
      .select(RECIPIENT_FIELDS)
      .batchSize(ONE_ANSWER)
      .lean<LeanRecipient[]>();

    const personById = new Map(people.map((p) => [String(p._id), p]));
    const taskById = new Map(tasks.map((t) => [String(t._id), t]));
    const observersByTask = groupBy(observers, (o) => String(o.task));

    const docs: NewDelivery[] = [];
    for (const change of changes) {
      const task = taskById.get(String(change.task));
      if (!task) continue;
      const watchers = observersByTask.get(String(task._id)) ?? [];
      const watching = new Map(watchers.map((o) => [String(o.person), o.channels as string[]]));
      const concerned = new Set([String(task.author), ...(task.assignee ? [String(task.assignee)] : []), ...watching.keys()]);

      for (const personId of concerned) {
        const person = personById.get(personId);
        if (!person) continue;
        // Only members hear anything, and only of what they may see now (a private task: its author,
        // assignee, observers and admins), on the channels they hear it on (src/delivery/entitlement.ts).
        const channels = channelsFor(task, person, watching.get(personId));
        if (channels.size === 0) continue;
        if (personId === String(change.actor) && !person.notifySelf) continue;
        const daily = dailyDigestOf(person);
        const at = change.at ?? now;
        const reachable = (channel: Channel) =>
          Boolean(addressOf(person, channel)) && !(channel === 'telegram' && person.telegramUnreachableAt);
        // Telegram first: the SMS waits for the escalation minutes, unless Telegram cannot reach them.
        const minutes = escalation[task.priority];
        const escalate = !daily && minutes !== undefined && channels.has('telegram') && reachable('telegram');
        for (const channel of channels) {
          const address = addressOf(person, channel);
          if (!address || !reachable(channel)) continue;
          if (daily && channel === 'sms' && !daily.sms) continue;
          const plan = { change: change._id, task: task._id, taskNumber: change.taskNumber, person: person._id, channel, address };
          // A change that may still be undone (src/services/replies.ts) is held until it no longer may.
          const notBefore = (d: Date) => (change.holdUntil && change.holdUntil > d ? change.holdUntil : d);
          const when = daily
            ? { nextAttemptAt: notBefore(nextDigestAt(daily.time, person.timezone, at)), heldFor: 'digest' as const }
            : escalate && channel === 'sms'
              ? { nextAttemptAt: notBefore(new Date(at.getTime() + minutes * 60_000)), heldFor: 'escalation' as const }
              : { nextAttemptAt: notBefore(at) };
          docs.push(newDelivery({ ...plan, ...when }, now));
        }
      }
    }
    written += handOff
      ? await handOff.insert(docs, {
          changeById: new Map(changes.map((c) => [String(c._id), c])),
          taskById,
          personById,
        })
      : await insertDeliveries(docs);
    // One statement for the page: an `_id` index range on MongoDB; on FerretDB one pass over the changes (an
    // update per change read them all once each: 140 ms of a /send of 100 changes).
    const mark = () => ChangeModel.updateMany({ _id: { $in: changes.map((c) => c._id) } }, { $set: { plannedAt: now } });
    // The last page's mark may wait until the run has sent (see planDueForRun); a full page's is made now, as
    // the next page is read by it.
    if (opts.deferMark && changes.length < batchSize) {
      opts.deferMark(mark);
      return written;
    }
    await mark();
  }
}

/**
 * Everything a run plans before it sends: the changes not yet fanned out, the due-date reminders whose
 * moment has come (src/delivery/reminders.ts), and their deliveries. Idempotent, like each of its steps.
 */
export async function planDue(now: Date = new Date()): Promise<void> {
  await planPendingChanges(now);
  await sweepReminders(now);
  await planReminders(now);
}

/**
 * planDue for a run that sends next. With `handOff`, a single page of changes goes straight to the run's
 * first batch (src/delivery/handoff.ts): the reminders are planned beside it, and the hand-off looks at
 * what is due once they are. The `plannedAt` mark of the changes' last page is left to `mark`, which
 * the run calls once it has sent. On FerretDB an update reads the whole collection and holds the database's
 * write lock (70 ms of a /send of 100 changes): made before the run sends, it delays the first message;
 * made meanwhile, it holds up the outcomes' writes. The deliveries are written before it, so a mark that
 * never lands (a crash, the database gone) loses nothing: the next plan reads those changes again and
 * writes nothing new (the unique key).
 */
export async function planDueForRun(now: Date = new Date(), handOff?: HandOff): Promise<{ mark: () => Promise<void> }> {
  let deferred: (() => Promise<unknown>) | undefined;
  // The reminders beside the changes' reads; the hand-off looks at what is due once they are planned.
  const reminders = (async () => {
    await sweepReminders(now);
    await planReminders(now);
  })();
  // Handled now: it is awaited (and its failure thrown) once the changes are planned.
  reminders.catch(() => undefined);
  handOff?.start(reminders);
  try {
    await planPendingChanges(now, undefined, { deferMark: (mark) => (deferred = mark), ...(handOff ? { handOff } : {}) });
  } finally {
    // Their failure is the run's, as the changes' is (and never an unhandled rejection).
    await reminders;
  }
  return {
    mark: async () => {
      // Not before the hand-off's later parts are written: a failed write leaves the changes to be planned again.
      await handOff?.written();
      await deferred?.();
    },
  };
}
