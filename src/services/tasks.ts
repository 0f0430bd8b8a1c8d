/** Tasks: creation, edits recorded as Changes, comments, lookups. Plain functions over the models. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeModel,
  CounterModel,
  ObserverModel,
  PersonModel,
  TaskModel,
  nextSequence,
  type PersonDoc,
  type TaskDoc,
} from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import type { EditableField, FieldChange } from '../domain/types.js';
import { UserError } from '../domain/errors.js';
import { requireChangeableTask, requireVisibleTask, resolveViewer, type Actor, type Viewer } from './access.js';
import type { ChangeDocument as ChangeDoc } from '../db/documents.js';
import type { PersonId } from './people.js';
import { requirePerson } from './people.js';
import { TEXT_MAX, TITLE_MAX, formatDue, parseDue, parseOnOff, parsePriority, parseStatus } from '../domain/task-values.js';
import { isOff } from '../domain/off-words.js';

export * from '../domain/task-values.js';

function checkTitle(raw: string): string {
  const title = raw.trim().replace(/\s+/g, ' ');
  if (!title) throw new UserError('title_empty');
  if (title.length > TITLE_MAX) throw new UserError('title_too_long', { max: TITLE_MAX, length: title.length });
  return title;
}

function checkText(raw: string): string {
  const text = raw.trim();
  if (!text) throw new UserError('text_empty');
  if (text.length > TEXT_MAX) throw new UserError('text_too_long', { max: TEXT_MAX, length: text.length });
  return text;
}

/**
 * Creates a task and returns its number. Numbers come from the `task` counter; the unique `number` index
 * is the arbiter (the counter's `$inc` is not atomic on FerretDB), so on a duplicate the counter is moved
 * past the highest number in use and the insert is tried again.
 */
export async function createTask(input: { title: string; authorId: PersonId; private?: boolean }): Promise<number> {
  const title = checkTitle(input.title);
  for (let attempt = 0; ; attempt++) {
    const number = await nextSequence('task');
    try {
      await TaskModel.create({ number, title, author: input.authorId, private: input.private === true });
      return number;
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 20) throw err;
      const top = await TaskModel.findOne({}, { number: 1 }).sort({ number: -1 }).lean();
      if (top) await CounterModel.updateOne({ _id: 'task' }, { $max: { seq: top.number } }, { upsert: true });
    }
  }
}

/** Task `number` whoever asks: for code that has checked access already (see services/access.ts). */
export async function getTask(number: number): Promise<TaskDoc | undefined> {
  return (await TaskModel.findOne({ number })) ?? undefined;
}

/** Like {@link getTask}, a missing task being `task_not_found`. No access check: people's paths use requireVisibleTask. */
export async function requireTask(number: number): Promise<TaskDoc> {
  const task = await getTask(number);
  if (!task) throw new UserError('task_not_found', { number });
  return task;
}

/** A value ready to write, and how the Change shows it. */
interface Parsed {
  set: Record<string, unknown>;
  unset: string[];
  to: string;
  /** The typed new value of a due date or an assignee (see FieldChange). */
  typed?: Pick<FieldChange, 'toAt' | 'toPerson'>;
}

async function parseValue(field: EditableField, raw: string, timezone: string): Promise<Parsed> {
  switch (field) {
    case 'title': {
      const title = checkTitle(raw);
      return { set: { title }, unset: [], to: title };
    }
    case 'description': {
      if (isOff(raw)) return { set: { description: '' }, unset: [], to: '' };
      const description = checkText(raw);
      return { set: { description }, unset: [], to: description };
    }
    case 'status': {
      const status = parseStatus(raw);
      return { set: { status }, unset: [], to: status };
    }
    case 'priority': {
      const priority = parsePriority(raw);
      return { set: { priority }, unset: [], to: priority };
    }
    case 'due': {
      const due = parseDue(raw, timezone);
      return due
        ? { set: { due }, unset: [], to: formatDue(due, timezone), typed: { toAt: due } }
        : { set: {}, unset: ['due'], to: '', typed: { toAt: null } };
    }
    case 'assignee': {
      if (isOff(raw)) return { set: {}, unset: ['assignee'], to: '', typed: { toPerson: null } };
      const person = await requirePerson(raw);
      return { set: { assignee: person._id }, unset: [], to: person.name, typed: { toPerson: String(person._id) } };
    }
    case 'private': {
      const on = parseOnOff(raw);
      return { set: { private: on }, unset: [], to: on ? 'on' : 'off' };
    }
  }
}

async function displayOf(task: TaskDoc, field: EditableField, timezone: string): Promise<string> {
  switch (field) {
    case 'due':
      return task.due ? formatDue(task.due, timezone) : '';
    case 'assignee': {
      if (!task.assignee) return '';
      const p = await PersonModel.findById(task.assignee, { name: 1 }).lean();
      return p?.name ?? '';
    }
    case 'private':
      return task.private ? 'on' : 'off';
    default:
      return String(task[field] ?? '');
  }
}

/**
 * Records one edit: inserts the Change under the next revision first (the unique (task, revision) key makes
 * concurrent edits safe: the loser reloads and tries again), then writes the task. A Change left behind by a
 * crash between the two writes is adopted after a while, so that the task does not stay stuck.
 */
async function recordChange(
  number: number,
  viewer: Viewer,
  need: 'see' | 'change',
  build: (task: TaskDoc) => Promise<{ fields: FieldChange[]; set: Record<string, unknown>; unset: string[] }>,
): Promise<{ task: TaskDoc; change: ChangeDoc }> {
  const actorId = viewer.id as PersonId;
  for (let attempt = 0; attempt < 60; attempt++) {
    // Checked again on every attempt: a concurrent edit may have changed the assignee or made the task private.
    const task = need === 'change' ? await requireChangeableTask(number, viewer) : await requireVisibleTask(number, viewer);
    const { fields, set, unset } = await build(task);
    const revision = task.revision + 1;
    let change: ChangeDoc;
    try {
      change = await ChangeModel.create({ task: task._id, taskNumber: number, revision, actor: actorId, at: new Date(), fields });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const other = await ChangeModel.findOne({ task: task._id, revision }, { at: 1 }).lean();
      if (other && Date.now() - other.at.getTime() > 30_000) {
        await TaskModel.updateOne({ _id: task._id, revision: { $lt: revision } }, { $set: { revision } });
      }
      await sleep(5 + Math.random() * 20 * Math.min(attempt + 1, 5));
      continue;
    }
    const update: Record<string, unknown> = { $set: { ...set, revision } };
    if (unset.length) update.$unset = Object.fromEntries(unset.map((f) => [f, 1]));
    await TaskModel.updateOne({ _id: task._id }, update);
    const fresh = await requireTask(number);
    return { task: fresh, change };
  }
  throw new UserError('edit_busy', { number });
}

/**
 * Changes one field of task `number` from what a person typed (dates in `timezone`), recording a Change
 * `{ field, from, to }` with display strings. Same value again is a UserError (`no_change`). Only the author,
 * the assignee or an admin may (`task_change_denied`); a task the actor may not see is `task_not_found`.
 * Access is checked before the value is read, so that a refused edit learns nothing (not even whether a
 * person named in it exists).
 */
export async function editTask(
  number: number,
  actor: Actor,
  field: EditableField,
  rawValue: string,
  opts: { timezone: string },
): Promise<{ task: TaskDoc; change: ChangeDoc }> {
  const viewer = await resolveViewer(actor);
  await requireChangeableTask(number, viewer);
  const parsed = await parseValue(field, rawValue, opts.timezone);
  return recordChange(number, viewer, 'change', async (task) => {
    const from = await displayOf(task, field, opts.timezone);
    if (from === parsed.to) throw new UserError('no_change', { number, field });
    const typed: Partial<FieldChange> =
      field === 'due'
        ? { fromAt: task.due ?? null, ...parsed.typed }
        : field === 'assignee'
          ? { fromPerson: task.assignee ? String(task.assignee) : null, ...parsed.typed }
          : {};
    return { fields: [{ field, from, to: parsed.to, ...typed }], set: parsed.set, unset: parsed.unset };
  });
}

/** A comment is a Change with the field `comment` (from '' to the text). Anyone who can see the task may comment. */
export async function addComment(number: number, actor: Actor, text: string): Promise<{ task: TaskDoc; change: ChangeDoc }> {
  const viewer = await resolveViewer(actor);
  await requireVisibleTask(number, viewer);
  const body = checkText(text);
  return recordChange(number, viewer, 'see', () =>
    Promise.resolve({ fields: [{ field: 'comment', from: '', to: body }], set: {}, unset: [] }),
  );
}

export type { TaskRole } from '../domain/types.js';
import type { TaskRole } from '../domain/types.js';

/**
 * Tasks the person authored, is assigned to or watches, newest first, with the person's roles. Each is
 * visible to them by definition (a private task is visible to its author, assignee and observers).
 */
export async function listTasksFor(personId: PersonId, limit = 50): Promise<Array<{ task: TaskDoc; roles: TaskRole[] }>> {
  const watched = await ObserverModel.find({ person: personId }, { task: 1 }).lean();
  const watchedIds = new Set(watched.map((o) => String(o.task)));
  const tasks = await TaskModel.find({
    $or: [{ author: personId }, { assignee: personId }, { _id: { $in: watched.map((o) => o.task) } }],
  })
    .sort({ number: -1 })
    .limit(limit);
  const me = String(personId);
  return tasks.map((task) => {
    const roles: TaskRole[] = [];
    if (String(task.author) === me) roles.push('author');
    if (task.assignee && String(task.assignee) === me) roles.push('assignee');
    if (watchedIds.has(String(task._id))) roles.push('observer');
    return { task, roles };
  });
}

/** One task with its people and latest changes, for `/task <n>`; `task_not_found` when the actor may not see it. */
export async function getTaskDetails(
  number: number,
  actor: Actor,
): Promise<{
  task: TaskDoc;
  author?: PersonDoc;
  assignee?: PersonDoc;
  changes: ChangeDoc[];
  /** Names of the people who made `changes`, by person id. */
  actorNames: Map<string, string>;
  observerCount: number;
}> {
  const task = await requireVisibleTask(number, actor);
  const [author, assignee, changes, observerCount] = await Promise.all([
    PersonModel.findById(task.author),
    task.assignee ? PersonModel.findById(task.assignee) : Promise.resolve(null),
    ChangeModel.find({ task: task._id }).sort({ revision: -1 }).limit(5),
    ObserverModel.countDocuments({ task: task._id }),
  ]);
  const actors = await PersonModel.find({ _id: { $in: changes.map((c) => c.actor) } }, { name: 1 }).lean();
  const actorNames = new Map(actors.map((a) => [String(a._id), a.name]));
  return { task, author: author ?? undefined, assignee: assignee ?? undefined, changes, actorNames, observerCount };
}
