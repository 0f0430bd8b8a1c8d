import { Types } from 'mongoose';
import type { NotificationItem } from '../domain/templates.js';
import type { TaskRole } from '../domain/types.js';
import { fieldChangesOf, peopleNamedIn, readFieldChange } from '../domain/task-edits.js';

/** The distinct ObjectIds among `values` (ids or their strings), for one `$in` query. */
export function objectIds(values: unknown[]): Types.ObjectId[] {
  return [...new Set(values.map(String))].map((id) => new Types.ObjectId(id));
}

/** The id string of a reference, or undefined when there is none. */
function idOf(ref: unknown): string | undefined {
  return ref === undefined || ref === null ? undefined : [ref].map(String)[0];
}

interface ChangeLike {
  at: Date;
  actor: unknown;
  /** As stored: read with fieldChangesOf when an item is made. */
  fields?: unknown;
}

/**
 * Every person a set of changes names: actors and assignees, for one query. A change whose `fields` is not
 * a list of field changes (a damaged document) names only its actor here: it fails alone later, as a poison
 * delivery.
 */
export function peopleOfChanges(changes: ChangeLike[]): unknown[] {
  return changes
    .flatMap((c) => [c.actor, ...peopleNamedIn((Array.isArray(c.fields) ? c.fields : []).flatMap((f) => readFieldChange(f) ?? []))])
    .filter((id) => id != null);
}

interface TaskLike {
  author?: { toString(): string } | null;
  assignee?: { toString(): string } | null;
  /** Private tasks: only their author, assignee, observers and admins hear of them (src/delivery/recheck.ts). */
  private?: boolean | null;
  number: number;
  title: string;
  status: string;
  priority: string;
  due?: Date | null;
  description?: string | null;
}

/** A due-date reminder a delivery carries (src/db/models/reminder.ts). */
export interface ReminderLike {
  at: Date;
  due: Date;
  lead: string;
}

/**
 * What one message tells about: one item per delivery (its change, or its reminder, on its task as it is
 * now), oldest first. Deliveries whose change (or reminder) or task is gone are left out. Dispatch renders these, and `/send dry`
 * counts the SMS parts of the same items, so the preview and the message agree.
 */
export function notificationItems(
  deliveries: Array<{ change: unknown; task: unknown; person?: unknown }>,
  changeById: Map<string, ChangeLike>,
  taskById: Map<string, TaskLike>,
  actorName: (actorId: string) => string | undefined,
  reminderById: ReadonlyMap<string, ReminderLike> = new Map(),
): NotificationItem[] {
  return deliveries
    .flatMap((d) => {
      const reminder = reminderById.get(String(d.change));
      const change = reminder ? { at: reminder.at, actor: '', fields: [] } : changeById.get(String(d.change));
      const task = taskById.get(String(d.task));
      if (!change || !task) return [];
      const person = idOf(d.person);
      const role: TaskRole | undefined =
        person === undefined
          ? undefined
          : String(task.author) === person
            ? 'author'
            : String(task.assignee) === person
              ? 'assignee'
              : 'observer';
      return [
        {
          task: {
            number: task.number,
            title: task.title,
            status: task.status,
            priority: task.priority,
            due: task.due ?? null,
            description: task.description ?? '',
          },
          actor: actorName(String(change.actor)) ?? '?',
          at: change.at,
          fields: fieldChangesOf(change.fields ?? []),
          ...(role ? { role } : {}),
          ...(reminder ? { reminder: { due: reminder.due, lead: reminder.lead } } : {}),
        },
      ];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}
