/**
 * Tasks as the integration API and the tracker webhooks see them: every value is parsed into a TaskEdit
 * before anything is written, then each field that differs is changed through editTask (one Change each,
 * exactly as in the bot). A task from another tracker is found by (source, externalId) through ExternalRef, whose unique `_id`
 * makes the upsert race-safe.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { ExternalRefModel, TaskModel, type TaskDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import type { Viewer } from './access.js';
import { UserError } from '../domain/errors.js';
import type { TaskEdit } from '../domain/task-edits.js';
import { isOff } from '../domain/off-words.js';
import { requirePersonAnyRef } from './person-refs.js';
import {
  checkText,
  checkTitle,
  createTask,
  editTask,
  parseDue,
  parsePriority,
  parseStatus,
  taskToChange,
  TITLE_MAX,
  type RecordedChange,
  type TaskAccess,
} from './tasks.js';

export interface TaskInput {
  title?: string;
  description?: string;
  status?: string;
  priority?: string;
  due?: string | null;
  assignee?: string | null;
  private?: boolean;
  url?: string;
}

/** A Change one call made, as the API answers it. */
export type AppliedChange = RecordedChange;

/** A UserError about one input field (the API names the field with it). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly error: UserError,
  ) {
    super(error.message);
  }
}

/** `fn`'s UserError as a FieldError about input field `name`. */
export async function field<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserError) throw new FieldError(name, err);
    throw err;
  }
}

/** `2026-12-25T18:00:00+03:00` (ISO) becomes what parseDue reads; other forms go as they are. */
function dueText(raw: string, zone: string): string {
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw)) {
    const dt = DateTime.fromISO(raw, { zone });
    if (dt.isValid) return dt.setZone(zone).toFormat('yyyy-MM-dd HH:mm');
  }
  return raw;
}

/** A title from another system: its length counted before white space is collapsed, as the API states it. */
export function titleEdit(raw: string): TaskEdit {
  const title = raw.trim();
  if (!title) throw new FieldError('title', new UserError('title_empty'));
  if (title.length > TITLE_MAX) throw new FieldError('title', new UserError('title_too_long', { max: TITLE_MAX, length: title.length }));
  return { field: 'title', to: checkTitle(title) };
}

/** A description from another system: empty (or an "off" word) is none. */
export function descriptionEdit(raw: string): TaskEdit {
  return { field: 'description', to: raw.trim() === '' || isOff(raw) ? null : checkText(raw) };
}

/**
 * The edit of each field given, in the order they are applied: all parsed (and the assignee looked up)
 * before anything is written, so that a bad value writes nothing.
 */
async function prepare(input: TaskInput, zone: string): Promise<TaskEdit[]> {
  const out: TaskEdit[] = [];
  if (input.title !== undefined) out.push(titleEdit(input.title));
  if (input.description !== undefined) out.push(await field('description', () => descriptionEdit(input.description!)));
  if (input.status !== undefined) out.push({ field: 'status', to: await field('status', () => parseStatus(input.status!)) });
  if (input.priority !== undefined) out.push({ field: 'priority', to: await field('priority', () => parsePriority(input.priority!)) });
  if (input.due !== undefined) {
    const due = input.due;
    out.push({ field: 'due', to: due === null ? null : await field('due', () => parseDue(dueText(due, zone), zone)) });
  }
  if (input.assignee !== undefined) {
    const ref = input.assignee;
    out.push({ field: 'assignee', to: ref === null ? null : String((await field('assignee', () => requirePersonAnyRef(ref)))._id) });
  }
  if (input.private !== undefined) out.push({ field: 'private', to: input.private });
  return out;
}

/** Each edit that changes something, in order, on the task `access` grants: one Change each. */
async function apply(access: TaskAccess<'change'>, edits: TaskEdit[]): Promise<AppliedChange[]> {
  const changes: AppliedChange[] = [];
  let on = access;
  for (const edit of edits) {
    try {
      const { task, change } = await editTask(on, edit);
      changes.push(change);
      // One operation, one check: the next edit acts on the task as this one left it.
      on = { ...on, task };
    } catch (err) {
      if (err instanceof UserError && err.code === 'no_change') continue;
      throw err;
    }
  }
  return changes;
}

/** Changes the fields of task `number` that differ from `input`; nothing is written when a value is bad. */
export async function updateTask(
  number: number,
  viewer: Viewer,
  input: TaskInput,
  zone: string,
): Promise<{ task: TaskDoc; changes: AppliedChange[] }> {
  const access = await taskToChange(number, viewer);
  const ref = input.url !== undefined ? await ExternalRefModel.findOne({ task: number }).lean() : null;
  if (input.url !== undefined && !ref) throw new FieldError('url', new UserError('url_without_source'));
  const changes = await apply(access, await prepare(input, zone));
  if (ref && input.url !== undefined && ref.url !== input.url)
    await ExternalRefModel.updateOne({ _id: ref._id }, { $set: { url: input.url } });
  return { task: (await TaskModel.findOne({ number }))!, changes };
}

/** Creates a task with `title`, then applies each other edit as a Change, as the bot's edits would be. */
async function createWith(
  viewer: Viewer,
  title: string,
  isPrivate: boolean,
  edits: TaskEdit[],
): Promise<{ task: TaskDoc; changes: AppliedChange[] }> {
  const number = await createTask({ title, authorId: viewer.id as never, private: isPrivate });
  const changes = await apply(
    await taskToChange(number, viewer),
    edits.filter((e) => e.field !== 'title' && e.field !== 'private'),
  );
  return { task: (await TaskModel.findOne({ number }))!, changes };
}

/** Creates a task (title first, then each other field as a Change, as the bot's edits would be). */
export async function createTaskFrom(
  viewer: Viewer,
  input: TaskInput & { title: string },
  zone: string,
): Promise<{ task: TaskDoc; changes: AppliedChange[] }> {
  if (input.url !== undefined) throw new FieldError('url', new UserError('url_without_source'));
  return createWith(viewer, input.title, input.private === true, await prepare(input, zone));
}

/** A ref whose creator died before writing the task number is taken over after this long. */
const STALE_REF_MS = 30_000;

/**
 * The task of (source, externalId): created with `input` when there is none (`created: true`), else
 * updated to it, field by field. Two calls racing for a new pair create one task: see {@link upsertExternal}.
 */
export async function upsertExternalTask(
  viewer: Viewer,
  source: string,
  externalId: string,
  input: TaskInput & { title: string },
  zone: string,
): Promise<{ task: TaskDoc; changes: AppliedChange[]; created: boolean }> {
  // Parsed before anything is claimed: a bad value writes nothing.
  const edits = await prepare(input, zone);
  return upsertExternal(viewer, source, externalId, {
    title: input.title,
    private: input.private === true,
    edits,
    ...(input.url !== undefined ? { url: input.url } : {}),
  });
}

/** What another system says a task is: its title (to create it with), its edits, its link there. */
export interface ExternalTask {
  title: string;
  private: boolean;
  /** Applied to an existing task (a new one gets all but its title and `private` as Changes). */
  edits: TaskEdit[];
  url?: string;
}

/**
 * The task of (source, externalId), created from `t` or updated to it. The unique `_id` of the ExternalRef
 * decides who creates; the other waits for the number and updates.
 */
export async function upsertExternal(
  viewer: Viewer,
  source: string,
  externalId: string,
  t: ExternalTask,
): Promise<{ task: TaskDoc; changes: AppliedChange[]; created: boolean }> {
  const id = `${source}:${externalId}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const ref = await ExternalRefModel.findById(id).lean();
    if (ref && ref.task > 0) {
      const changes = await apply(await taskToChange(ref.task, viewer), t.edits);
      if (t.url !== undefined && t.url !== ref.url) await ExternalRefModel.updateOne({ _id: id }, { $set: { url: t.url } });
      return { task: (await TaskModel.findOne({ number: ref.task }))!, changes, created: false };
    }
    if (ref) {
      if (Date.now() - ref.at.getTime() > STALE_REF_MS) await ExternalRefModel.deleteOne({ _id: id, task: 0 });
      else await sleep(25);
      continue;
    }
    try {
      await ExternalRefModel.create({ _id: id, source, externalId, task: 0, ...(t.url ? { url: t.url } : {}), at: new Date() });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    try {
      const r = await createWith(viewer, t.title, t.private, t.edits);
      await ExternalRefModel.updateOne({ _id: id }, { $set: { task: r.task.number } });
      return { ...r, created: true };
    } catch (err) {
      await ExternalRefModel.deleteOne({ _id: id, task: 0 });
      throw err;
    }
  }
  throw new UserError('edit_busy', { number: 0 });
}

/** The task of (source, externalId), if there is one. */
export async function findExternalTask(source: string, externalId: string): Promise<number | undefined> {
  const ref = await ExternalRefModel.findById(`${source}:${externalId}`).lean();
  return ref && ref.task > 0 ? ref.task : undefined;
}
