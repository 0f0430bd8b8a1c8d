/**
 * Unsubscribing by a letter's signed link, without the bot: the web page of PUBLIC_URL (src/http/unsubscribe.ts).
 * The link names the person and the task and is signed (SecretBox.unsubscribePayload); whoever holds it acts
 * as that person for this one thing, exactly as the person could in the bot.
 */
import { PersonModel } from '../db/models/index.js';
import { UserError } from '../domain/errors.js';
import type { Language } from '../domain/types.js';
import { requireVisibleTask } from './access.js';
import { unwatch } from './observers.js';

export interface LinkTarget {
  /** The person's language, for the page. */
  language: Language;
  taskNumber: number;
  /** The task's title, when the person may still see the task. */
  title?: string;
}

/** What the page shows before anything is changed: the person's language and the task; undefined when the person is gone. */
export async function describeLink(personId: string, taskNumber: number): Promise<LinkTarget | undefined> {
  const person = await PersonModel.findById(personId).lean();
  if (!person) return undefined;
  const language = person.language;
  try {
    const task = await requireVisibleTask(taskNumber, personId);
    return { language, taskNumber, title: task.title };
  } catch (err) {
    if (err instanceof UserError && err.code === 'task_not_found') return { language, taskNumber };
    throw err;
  }
}

/** Stops the person watching the task: true when they watched it, false when there was nothing to stop. */
export async function unsubscribeByLink(personId: string, taskNumber: number): Promise<boolean> {
  try {
    return await unwatch(taskNumber, personId, personId);
  } catch (err) {
    // A task that is gone, or that the person may no longer see: there is nothing of theirs to stop.
    if (err instanceof UserError && err.code === 'task_not_found') return false;
    throw err;
  }
}
