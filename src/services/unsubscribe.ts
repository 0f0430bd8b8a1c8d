/**
 * Unsubscribing by a letter's signed link, without the bot: the web page of PUBLIC_URL (src/http/unsubscribe.ts).
 * The link names the person and the task and is signed (SecretBox.unsubscribePayload); whoever holds it acts
 * as that person for this one thing, exactly as the person could in the bot.
 */
import { PersonModel } from '../db/models/index.js';
import { UserError } from '../domain/errors.js';
import type { Language } from '../domain/types.js';
import { requireVisibleTask, type Viewer } from './access.js';
import type { PersonId } from './people.js';
import { unwatch } from './observers.js';

export interface LinkTarget {
  /** The person's language, for the page. */
  language: Language;
  taskNumber: number;
  /** The task's title, when the person may still see the task. */
  title?: string;
}

/** The person of a link, as who acts (their own rights), or undefined when they are gone. */
async function linkPerson(personId: string): Promise<{ id: PersonId; language: Language; viewer: Viewer } | undefined> {
  const person = await PersonModel.findById(personId, { language: 1, role: 1 }).lean();
  if (!person) return undefined;
  return { id: person._id, language: person.language, viewer: { id: person._id, admin: person.role === 'admin' } };
}

/** What the page shows before anything is changed: the person's language and the task; undefined when the person is gone. */
export async function describeLink(personId: string, taskNumber: number): Promise<LinkTarget | undefined> {
  const who = await linkPerson(personId);
  if (!who) return undefined;
  try {
    const task = await requireVisibleTask(taskNumber, who.viewer);
    return { language: who.language, taskNumber, title: task.title };
  } catch (err) {
    if (err instanceof UserError && err.code === 'task_not_found') return { language: who.language, taskNumber };
    throw err;
  }
}

/**
 * Stops the person watching the task. Answers their language and whether they watched it (false: nothing
 * to stop, the task gone or no longer visible to them); undefined when the person is gone.
 */
export async function unsubscribeByLink(personId: string, taskNumber: number): Promise<{ language: Language; was: boolean } | undefined> {
  const who = await linkPerson(personId);
  if (!who) return undefined;
  try {
    return { language: who.language, was: await unwatch(taskNumber, who.id, who.viewer) };
  } catch (err) {
    // A task that is gone, or that the person may no longer see: there is nothing of theirs to stop.
    if (err instanceof UserError && err.code === 'task_not_found') return { language: who.language, was: false };
    throw err;
  }
}
