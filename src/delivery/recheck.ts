/**
 * The check made again when a message goes: what was queued (a digest held for hours, a retry, quiet
 * hours) is sent only if its person may still hear of its task on its channel now. A person removed or
 * demoted out of the team, a task made private to them, an observer who stopped watching or left that
 * channel, a participant who is no longer author or assignee: each such delivery is dropped with its reason
 * (status `skipped`), and nothing of the task goes to them.
 */
import { ObserverModel, SeenModel, seenKey } from '../db/models/index.js';
import { CLOSED_STATUSES } from '../domain/reminders.js';
import { ONE_ANSWER, type LeanDelivery } from '../db/documents.js';
import { objectIds } from './notification-items.js';
import type { BatchContext } from './compose.js';
import { channelsFor, mayHear } from './entitlement.js';

/** How every reason of a dropped delivery begins (`/queue` counts them by it). */
export const DROPPED_REASON_PREFIX = 'dropped when sending: ';

/** Why an SMS held for escalation did not go: its person saw the task in Telegram in time (`/queue` counts them). */
export const SAVED_BY_ESCALATION = `${DROPPED_REASON_PREFIX}seen in Telegram before the escalation time, no SMS needed`;

export interface Dropped {
  delivery: LeanDelivery;
  reason: string;
  /** `saved`: an SMS escalation made unnecessary; otherwise `dropped` (no longer allowed). */
  outcome?: 'saved';
}

/**
 * Splits a batch into what may still go and what is dropped; two queries (the batch's observers, and what
 * the people of its escalated SMS saw). Also dropped: a reminder of a task done or cancelled since, or whose
 * due time moved (the new one has reminders of its own); an SMS held for escalation whose person saw the task
 * (pressed "👍 Seen", opened it in the bot) after its change.
 */
export async function recheck(
  batch: LeanDelivery[],
  context: BatchContext | Promise<BatchContext>,
): Promise<{ keep: LeanDelivery[]; dropped: Dropped[] }> {
  // Its two reads go beside the batch's context, which it waits for only to decide.
  const [seen, observers, ctx] = await Promise.all([
    seenOf(batch.filter((d) => d.heldFor === 'escalation')),
    ObserverModel.find({
      task: { $in: objectIds(batch.map((d) => d.task)) },
      person: { $in: objectIds(batch.map((d) => d.person)) },
    })
      .select({ task: 1, person: 1, channels: 1 })
      .batchSize(ONE_ANSWER)
      .lean(),
    context,
  ]);
  const watching = new Map(observers.map((o) => [`${String(o.task)}:${String(o.person)}`, o.channels as string[]]));
  const keep: LeanDelivery[] = [];
  const dropped: Dropped[] = [];
  for (const d of batch) {
    const task = ctx.taskById.get(String(d.task));
    const person = ctx.personById.get(String(d.person));
    // A task or person that is gone is the orphans' business (groupByRecipient).
    if (!task || !person) {
      keep.push(d);
      continue;
    }
    const reminder = ctx.reminderById?.get(String(d.change));
    if (reminder && (CLOSED_STATUSES.includes(task.status) || task.due?.getTime() !== reminder.due.getTime())) {
      dropped.push({ delivery: d, reason: `${DROPPED_REASON_PREFIX}the task is closed or its due time moved since the reminder` });
      continue;
    }
    const changeAt = ctx.changeById.get(String(d.change))?.at;
    const sawAt = seen.get(seenKey(d.person, d.task));
    if (d.heldFor === 'escalation' && changeAt && sawAt && sawAt >= changeAt) {
      dropped.push({ delivery: d, reason: SAVED_BY_ESCALATION, outcome: 'saved' });
      continue;
    }
    const channels = channelsFor({ ...task, author: task.author ?? null }, person, watching.get(`${String(d.task)}:${String(d.person)}`));
    // A fallback stands in for a failed SMS on another channel by design: its person and task still count.
    const ok = d.fallbackOf ? channels.size > 0 : channels.has(d.channel);
    if (ok) keep.push(d);
    else dropped.push({ delivery: d, reason: reasonOf(channels.size > 0, mayHear(person), d.channel) });
  }
  return { keep, dropped };
}

function reasonOf(hearsOtherwise: boolean, member: boolean, channel: string): string {
  if (!member) return 'dropped when sending: the person is no longer a member';
  if (hearsOtherwise) return `dropped when sending: the person no longer gets this task's changes by ${channel}`;
  return 'dropped when sending: the person no longer takes part in this task, or may no longer see it';
}

/** When the people of `held` last saw their tasks, by {@link seenKey}: one `_id` lookup. */
async function seenOf(held: LeanDelivery[]): Promise<Map<string, Date>> {
  if (held.length === 0) return new Map();
  const keys = [...new Set(held.map((d) => seenKey(d.person, d.task)))];
  const rows = await SeenModel.find({ _id: { $in: keys } })
    .select({ at: 1 })
    .lean();
  return new Map(rows.map((r) => [r._id, r.at]));
}
