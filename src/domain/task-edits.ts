/**
 * A task edit, typed. What people type (a bot command, a conversation's answer, an API body, a tracker's
 * event) is parsed once, where it comes in, into a {@link TaskEdit}; the services take only these. A Change
 * stores {@link FieldChange}s, typed the same way, and every text is rendered from them for its recipient
 * (language, time zone) when a message is composed. No I/O.
 */
import { EDITABLE_FIELDS, PRIORITIES, TASK_STATUSES, type EditableField, type Priority, type TaskStatus } from './types.js';
import { checkText, checkTitle, parseDue, parseOnOff, parsePriority, parseStatus } from './task-values.js';
import { isOff } from './off-words.js';

/** One field of a task set to a new value. `null`: none (no description, no due date, nobody assigned). */
export type TaskEdit =
  | { field: 'title'; to: string }
  | { field: 'description'; to: string | null }
  | { field: 'status'; to: TaskStatus }
  | { field: 'priority'; to: Priority }
  | { field: 'due'; to: Date | null }
  /** The person's id (their `_id` as a string): what the task and the Change keep, so nobody is looked up twice. */
  | { field: 'assignee'; to: string | null }
  | { field: 'private'; to: boolean };

/** The type of `field`'s value. */
export type EditValue<F extends EditableField> = Extract<TaskEdit, { field: F }>['to'];

/** A comment added to a task: a Change of its own, with the text only. */
export interface CommentChange {
  field: 'comment';
  to: string;
}

/** One field of one edit, from → to, both typed as in {@link TaskEdit}. */
export type EditChange = { [F in EditableField]: { field: F; from: EditValue<F>; to: EditValue<F> } }[EditableField];

/** What a Change records: field edits, or a comment. */
export type FieldChange = EditChange | CommentChange;

const isText = (v: unknown): v is string => typeof v === 'string';
const isTextOrNone = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Whether `v` is a value of each field: how a stored or carried edit is read back. */
const IS_VALUE: { readonly [F in EditableField]: (v: unknown) => v is EditValue<F> } = {
  title: isText,
  description: isTextOrNone,
  status: (v): v is TaskStatus => (TASK_STATUSES as readonly unknown[]).includes(v),
  priority: (v): v is Priority => (PRIORITIES as readonly unknown[]).includes(v),
  due: (v): v is Date | null => v === null || (v instanceof Date && !Number.isNaN(v.getTime())),
  assignee: isTextOrNone,
  private: (v): v is boolean => typeof v === 'boolean',
};

function isEditable(field: unknown): field is EditableField {
  return (EDITABLE_FIELDS as readonly unknown[]).includes(field);
}

/** Whether a change leaves its field as it was (dates compared by their instant). */
export function changesNothing(c: FieldChange): boolean {
  if (c.field === 'comment') return false;
  if (c.field === 'due') return (c.from?.getTime() ?? null) === (c.to?.getTime() ?? null);
  return c.from === c.to;
}

/** The people (ids) field changes name: an assignee's before and after. */
export function peopleNamedIn(fields: readonly FieldChange[]): string[] {
  return fields.flatMap((f) => (f.field === 'assignee' ? [f.from, f.to].filter((id): id is string => id !== null) : []));
}

/**
 * What a person typed for `field` (a due date in their `zone`), as an edit. An assignee names a person, whom
 * only the caller can look up: it is not read here.
 */
export function parseEditText(field: Exclude<EditableField, 'assignee'>, raw: string, zone: string, now: Date = new Date()): TaskEdit {
  switch (field) {
    case 'title':
      return { field, to: checkTitle(raw) };
    case 'description':
      return { field, to: isOff(raw) ? null : checkText(raw) };
    case 'status':
      return { field, to: parseStatus(raw) };
    case 'priority':
      return { field, to: parsePriority(raw) };
    case 'due':
      return { field, to: parseDue(raw, zone, now) };
    case 'private':
      return { field, to: parseOnOff(raw) };
  }
}

/** A stored field change as its type says, or undefined when it is not one (a damaged document). */
export function readFieldChange(raw: unknown): FieldChange | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { field, from, to } = raw as { field?: unknown; from?: unknown; to?: unknown };
  if (field === 'comment') return isText(to) ? { field, to } : undefined;
  if (!isEditable(field)) return undefined;
  const is = IS_VALUE[field] as (v: unknown) => boolean;
  return is(from) && is(to) ? ({ field, from, to } as FieldChange) : undefined;
}

/** The field changes of a stored Change; a damaged one throws, so that what carries it fails alone. */
export function fieldChangesOf(raw: unknown): FieldChange[] {
  if (!Array.isArray(raw)) throw new TypeError('a Change whose fields are not a list');
  return raw.map((f) => {
    const c = readFieldChange(f);
    if (!c) throw new TypeError(`a Change with a damaged field: ${JSON.stringify(f)}`);
    return c;
  });
}

/** An edit as a string, to be kept between the steps of a conversation (dates as ISO 8601 instants). */
export function encodeEdit(edit: TaskEdit): string {
  return JSON.stringify(edit);
}

/** An edit {@link encodeEdit} wrote; anything else is a TypeError. */
export function decodeEdit(text: string): TaskEdit {
  const { field, to } = JSON.parse(text) as { field?: unknown; to?: unknown };
  const value = field === 'due' && typeof to === 'string' ? new Date(to) : to;
  if (isEditable(field) && (IS_VALUE[field] as (v: unknown) => boolean)(value)) return { field, to: value } as TaskEdit;
  throw new TypeError(`not an encoded task edit: ${text}`);
}
