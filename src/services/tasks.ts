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
import { UserError } from '../domain/errors.js';
import {
  changesNothing,
  fieldChangesOf,
  parseEditText,
  peopleNamedIn,
  type EditChange,
  type FieldChange,
  type TaskEdit,
} from '../domain/task-edits.js';
import type { EditableField } from '../domain/types.js';
import { isOff } from '../domain/off-words.js';
import { requireChangeableTask, requireVisibleTask, resolveViewer, type Actor, type Viewer } from './access.js';
import { requirePerson, type PersonId } from './people.js';
import { checkText, checkTitle } from '../domain/task-values.js';

export * from '../domain/task-values.js';

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

/** A task, and who acts on it with which right, as access granted it at the start of one operation. */
export interface TaskAccess<M extends 'see' | 'change' = 'see' | 'change'> {
  readonly task: TaskDoc;
  readonly viewer: Viewer;
  readonly may: M;
}

/**
 * Task `number` for an edit by `actor`: its access checked, once for the operation (not visible →
 * `task_not_found`; visible only → `task_change_denied`). Check it before anything that names a person is
 * read, so that a refused edit learns nothing (not even whether that person exists).
 */
export async function taskToChange(number: number, actor: Actor): Promise<TaskAccess<'change'>> {
  const viewer = await resolveViewer(actor);
  return { task: await requireChangeableTask(number, viewer), viewer, may: 'change' };
}

/** Task `number` for a comment by `actor`: `task_not_found` unless they may see it. */
export async function taskToSee(number: number, actor: Actor): Promise<TaskAccess> {
  const viewer = await resolveViewer(actor);
  return { task: await requireVisibleTask(number, viewer), viewer, may: 'see' };
}

/** A Change as it was written: its field changes typed (see src/domain/task-edits.ts). */
export interface RecordedChange<C extends FieldChange = FieldChange> {
  revision: number;
  /** Person id of who made it. */
  actor: string;
  at: Date;
  fields: C[];
}

/**
 * Records one edit: inserts the Change under the next revision first (the unique (task, revision) key makes
 * concurrent edits safe: the loser reloads and tries again), then writes the task. A Change left behind by a
 * crash between the two writes is adopted after a while, so that the task does not stay stuck.
 */
async function recordChange<C extends FieldChange>(
  access: TaskAccess,
  build: (task: TaskDoc) => { fields: C[]; set: Record<string, unknown>; unset: string[] },
  extra: { holdUntil?: Date } = {},
): Promise<{ task: TaskDoc; change: RecordedChange<C>; changeId: string }> {
  const { viewer, may } = access;
  const number = access.task.number;
  let task = access.task;
  for (let attempt = 0; attempt < 60; attempt++) {
    // The first attempt acts on the task as access found it. A later one follows a concurrent edit that
    // took this revision: the task is read again for its new revision, and the actor's right is judged again
    // on it, because that edit may have taken the right away (another assignee; the task made private).
    if (attempt > 0) task = may === 'change' ? await requireChangeableTask(number, viewer) : await requireVisibleTask(number, viewer);
    const { fields, set, unset } = build(task);
    const revision = task.revision + 1;
    const at = new Date();
    let id: unknown;
    try {
      ({ _id: id } = await ChangeModel.create({
        task: task._id,
        taskNumber: number,
        revision,
        actor: viewer.id as PersonId,
        at,
        fields,
        ...extra,
      }));
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
    return { task: fresh, change: { revision, actor: String(viewer.id), at, fields }, changeId: String(id) };
  }
  throw new UserError('edit_busy', { number });
}

/** The field change `edit` makes to `task` as it is. */
function changeOf(task: TaskDoc, edit: TaskEdit): EditChange {
  switch (edit.field) {
    case 'title':
      return { ...edit, from: task.title };
    case 'description':
      return { ...edit, from: task.description || null };
    case 'status':
      return { ...edit, from: task.status };
    case 'priority':
      return { ...edit, from: task.priority };
    case 'due':
      return { ...edit, from: task.due ?? null };
    case 'assignee':
      return { ...edit, from: task.assignee ? String(task.assignee) : null };
    case 'private':
      return { ...edit, from: task.private === true };
  }
}

/** How `edit` is written to the task: `$set` values and fields to `$unset` (no due date, nobody assigned). */
function writeOf(edit: TaskEdit): { set: Record<string, unknown>; unset: string[] } {
  if ((edit.field === 'due' || edit.field === 'assignee') && edit.to === null) return { set: {}, unset: [edit.field] };
  if (edit.field === 'description') return { set: { description: edit.to ?? '' }, unset: [] };
  return { set: { [edit.field]: edit.to }, unset: [] };
}

/**
 * Changes one field of the task `access` grants, recording a Change with the typed values from → to. The
 * same value again is a UserError (`no_change`). The access was checked when it was granted; it is checked
 * again only when a concurrent edit wins the revision (see recordChange).
 */
export async function editTask(
  access: TaskAccess<'change'>,
  edit: TaskEdit,
): Promise<{ task: TaskDoc; change: RecordedChange<EditChange> }> {
  return recordChange(access, (task) => {
    const field = changeOf(task, edit);
    if (changesNothing(field)) throw new UserError('no_change', { number: task.number, field: edit.field });
    return { fields: [field], ...writeOf(edit) };
  });
}

/**
 * What a person typed for `field` (a due date in their `zone`), as an edit: the bot's parser. An assignee is
 * looked up here, so call it after the access check (see taskToChange).
 */
export async function readEdit(field: EditableField, raw: string, zone: string): Promise<TaskEdit> {
  if (field !== 'assignee') return parseEditText(field, raw, zone);
  return { field, to: isOff(raw) ? null : String((await requirePerson(raw))._id) };
}

/**
 * A comment is a Change of the field `comment` (its text). Anyone who can see the task may comment. With
 * `holdUntil`, nobody hears of it before then (planning holds its deliveries), so that it can still be undone.
 */
export async function addComment(
  access: TaskAccess,
  text: string,
  opts: { holdUntil?: Date } = {},
): Promise<{ task: TaskDoc; change: RecordedChange; changeId: string }> {
  const body = checkText(text);
  return recordChange(access, () => ({ fields: [{ field: 'comment', to: body }], set: {}, unset: [] }), opts);
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
  changes: RecordedChange[];
  /** Names of the people `changes` name (who made them, assignees), by person id. */
  names: Map<string, string>;
  observerCount: number;
}> {
  const task = await requireVisibleTask(number, actor);
  const [author, assignee, stored, observerCount] = await Promise.all([
    PersonModel.findById(task.author),
    task.assignee ? PersonModel.findById(task.assignee) : Promise.resolve(null),
    ChangeModel.find({ task: task._id }).sort({ revision: -1 }).limit(5).lean(),
    ObserverModel.countDocuments({ task: task._id }),
  ]);
  const changes = stored.map((c) => ({ revision: c.revision, actor: String(c.actor), at: c.at, fields: fieldChangesOf(c.fields) }));
  const names = await personNames(changes.flatMap((c) => [c.actor, ...peopleNamedIn(c.fields)]));
  return { task, author: author ?? undefined, assignee: assignee ?? undefined, changes, names, observerCount };
}

/** The names of the people `ids` are, by id (one query; none when there are no ids). */
export async function personNames(ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const people = await PersonModel.find({ _id: { $in: [...new Set(ids)] } }, { name: 1 }).lean();
  return new Map(people.map((p) => [String(p._id), p.name]));
}
