/**
 * Due-date reminders and escalation as people set them: `/remind` (a person's leads, and whether they are
 * reminded of the tasks they authored), `/escalate` (the admins' minutes per priority), and "seen" (a
 * person pressed 👍 Seen or opened a task: an SMS held for escalation then stays unsent). No telegraf.
 */
import { PersonModel, SeenModel, seenKey, type PersonDoc } from '../db/models/index.js';
import { getSettings, loadEscalation, saveBumped, type SettingsDoc } from '../db/settings-store.js';
import { UserError } from '../domain/errors.js';
import { parseEscalate, type Escalation } from '../domain/escalation.js';
import { leadsOf, parseRemind } from '../domain/reminders.js';
import { requireVisibleTask, type Viewer } from './access.js';
import type { PersonId } from './people.js';

export { loadEscalation };

/**
 * Sets the person's reminders from what follows `/remind` (`1d 2h`, `off`, `default`, `author on|off`);
 * `remind_invalid` (nothing changed) for anything else, a lead over 30 days, zero or negative.
 */
export async function setRemind(personId: PersonId, words: readonly string[]): Promise<PersonDoc> {
  const parsed = parseRemind(words);
  if (!parsed) throw new UserError('remind_invalid', { value: words.join(' ') });
  const p = await PersonModel.findById(personId);
  if (!p) throw new UserError('person_not_found', { ref: String(personId) });
  if (parsed.leads) p.set('remindLeads', parsed.leads);
  if (parsed.author !== undefined) p.set('remindAuthor', parsed.author);
  await p.save();
  return p;
}

/** The person's reminders in force: their leads (longest first; none: no reminders) and the author switch. */
export function remindersOf(p: Pick<PersonDoc, 'remindLeads' | 'remindAuthor'>): { leads: string[]; author: boolean } {
  return { leads: leadsOf(p), author: Boolean(p.remindAuthor) };
}

/**
 * Sets the escalation of one priority from what follows `/escalate` (`high 15`, `high off`);
 * `escalate_invalid` (nothing changed) for an unknown priority or minutes outside 1–1440.
 */
export async function saveEscalation(words: readonly string[], opts: { expectedVersion?: number } = {}): Promise<Escalation> {
  const parsed = parseEscalate(words);
  if (!parsed) throw new UserError('escalate_invalid', { value: words.join(' ') });
  const doc: SettingsDoc = await getSettings();
  doc.set(`escalation.${parsed.priority}`, parsed.minutes ?? undefined);
  await saveBumped(doc, opts.expectedVersion);
  return loadEscalation();
}

/** Records that the person saw a task now (its latest time is kept). */
export async function markSeen(personId: PersonId, taskId: { toString(): string }, now = new Date()): Promise<void> {
  await SeenModel.updateOne(
    { _id: seenKey(personId, taskId) },
    { $max: { at: now }, $setOnInsert: { person: personId, task: taskId } },
    { upsert: true },
  );
}

/** "👍 Seen" of task `number`: `task_not_found` unless the actor may see it. */
export async function markSeenByNumber(number: number, viewer: Viewer, now = new Date()): Promise<void> {
  const task = await requireVisibleTask(number, viewer);
  await markSeen(viewer.id as PersonId, task._id, now);
}
