/**
 * Tasks as the integration API and the tracker webhooks see them: every value is checked before anything
 * is written, then each field that differs is changed through editTask (one Change each, exactly as in the
 * bot). A task from another tracker is found by (source, externalId) through ExternalRef, whose unique `_id`
 * makes the upsert race-safe.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { ExternalRefModel, PersonModel, TaskModel, type PersonDoc, type TaskDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import type { EditableField, FieldChange } from '../domain/types.js';
import { requireChangeableTask, type Viewer } from './access.js';
import { UserError } from '../domain/errors.js';
import { requirePersonAnyRef } from './person-refs.js';
import { createTask, editTask, parseDue, parsePriority, parseStatus, TITLE_MAX } from './tasks.js';

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

export interface AppliedChange {
  revision: number;
  actor: string;
  at: Date;
  fields: FieldChange[];
}

/** A UserError about one input field (the API names the field with it). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly error: UserError,
  ) {
    super(error.message);
  }
}

async function field<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
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

/** The raw text for editTask of each field given, in the order they are applied; checked first. */
async function prepare(input: TaskInput, zone: string): Promise<Array<[EditableField, string]>> {
  const out: Array<[EditableField, string]> = [];
  if (input.title !== undefined) {
    const title = input.title.trim();
    if (!title) throw new FieldError('title', new UserError('title_empty'));
    if (title.length > TITLE_MAX) throw new FieldError('title', new UserError('title_too_long', { max: TITLE_MAX, length: title.length }));
    out.push(['title', title]);
  }
  if (input.description !== undefined) out.push(['description', input.description.trim() === '' ? 'off' : input.description]);
  if (input.status !== undefined) out.push(['status', await field('status', () => parseStatus(input.status!))]);
  if (input.priority !== undefined) out.push(['priority', await field('priority', () => parsePriority(input.priority!))]);
  if (input.due !== undefined) {
    const text = input.due === null ? 'off' : dueText(input.due, zone);
    await field('due', () => parseDue(text, zone));
    out.push(['due', text]);
  }
  if (input.assignee !== undefined) {
    if (input.assignee === null) out.push(['assignee', 'off']);
    else {
      const p = await field('assignee', () => requirePersonAnyRef(input.assignee!));
      out.push(['assignee', String(p.telegramId)]);
    }
  }
  if (input.private !== undefined) out.push(['private', input.private ? 'on' : 'off']);
  return out;
}

async function apply(number: number, viewer: Viewer, edits: Array<[EditableField, string]>, zone: string): Promise<AppliedChange[]> {
  const changes: AppliedChange[] = [];
  for (const [f, raw] of edits) {
    try {
      const { change } = await editTask(number, viewer, f, raw, { timezone: zone });
      changes.push({
        revision: change.revision,
        actor: String(change.actor),
        at: change.at,
        fields: change.fields.map((x) => ({
          field: x.field!,
          from: x.from ?? '',
          to: x.to ?? '',
          ...(x.fromAt !== undefined ? { fromAt: x.fromAt } : {}),
          ...(x.toAt !== undefined ? { toAt: x.toAt } : {}),
          ...(x.fromPerson !== undefined ? { fromPerson: x.fromPerson === null ? null : String(x.fromPerson) } : {}),
          ...(x.toPerson !== undefined ? { toPerson: x.toPerson === null ? null : String(x.toPerson) } : {}),
        })),
      });
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
  await requireChangeableTask(number, viewer);
  const ref = input.url !== undefined ? await ExternalRefModel.findOne({ task: number }).lean() : null;
  if (input.url !== undefined && !ref) throw new FieldError('url', new UserError('url_without_source'));
  const edits = await prepare(input, zone);
  const changes = await apply(number, viewer, edits, zone);
  if (ref && input.url !== undefined && ref.url !== input.url)
    await ExternalRefModel.updateOne({ _id: ref._id }, { $set: { url: input.url } });
  return { task: (await TaskModel.findOne({ number }))!, changes };
}

/** Creates a task (title first, then each other field as a Change, as the bot's edits would be). */
export async function createTaskFrom(
  viewer: Viewer,
  input: TaskInput & { title: string },
  zone: string,
): Promise<{ task: TaskDoc; changes: AppliedChange[] }> {
  if (input.url !== undefined) throw new FieldError('url', new UserError('url_without_source'));
  const edits = (await prepare(input, zone)).filter(([f]) => f !== 'title' && f !== 'private');
  const number = await createTask({ title: input.title, authorId: viewer.id as never, private: input.private === true });
  const changes = await apply(number, viewer, edits, zone);
  return { task: (await TaskModel.findOne({ number }))!, changes };
}

/** A ref whose creator died before writing the task number is taken over after this long. */
const STALE_REF_MS = 30_000;

/**
 * The task of (source, externalId): created with `input` when there is none (`created: true`), else
 * updated to it, field by field. Two calls racing for a new pair create one task: the unique `_id` of the
 * ExternalRef decides who creates; the other waits for the number and updates.
 */
export async function upsertExternalTask(
  viewer: Viewer,
  source: string,
  externalId: string,
  input: TaskInput & { title: string },
  zone: string,
): Promise<{ task: TaskDoc; changes: AppliedChange[]; created: boolean }> {
  const id = `${source}:${externalId}`;
  // Checked before anything is claimed: a bad value writes nothing.
  await prepare(input, zone);
  for (let attempt = 0; attempt < 200; attempt++) {
    const ref = await ExternalRefModel.findById(id).lean();
    if (ref && ref.task > 0) {
      const { url, ...rest } = input;
      const r = await updateTask(ref.task, viewer, rest, zone);
      if (url !== undefined && url !== ref.url) await ExternalRefModel.updateOne({ _id: id }, { $set: { url } });
      return { ...r, created: false };
    }
    if (ref) {
      if (Date.now() - ref.at.getTime() > STALE_REF_MS) await ExternalRefModel.deleteOne({ _id: id, task: 0 });
      else await sleep(25);
      continue;
    }
    try {
      await ExternalRefModel.create({ _id: id, source, externalId, task: 0, ...(input.url ? { url: input.url } : {}), at: new Date() });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    try {
      const { url: _url, ...rest } = input;
      const r = await createTaskFrom(viewer, rest, zone);
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

export interface TaskFilter {
  status?: string;
  assignee?: string;
  source?: string;
  /** Tasks numbered below this (the previous page's last). */
  before?: number;
  limit: number;
}

/** Newest first, `limit` a page, and whether more follow. An admin's view: every task. */
export async function listTasks(f: TaskFilter): Promise<{ tasks: TaskDoc[]; more: boolean }> {
  const q: Record<string, unknown> = {};
  if (f.status) q.status = f.status;
  if (f.assignee) q.assignee = (await field('assignee', () => requirePersonAnyRef(f.assignee!)))._id;
  const numbers: Record<string, number> = {};
  if (f.before) numbers.$lt = f.before;
  if (Object.keys(numbers).length) q.number = numbers;
  if (f.source) {
    const refs = await ExternalRefModel.find({ source: f.source, task: { $gt: 0, ...(f.before ? { $lt: f.before } : {}) } }, { task: 1 })
      .sort({ task: -1 })
      .limit(f.limit + 1)
      .lean();
    q.number = { ...numbers, $in: refs.map((r) => r.task) };
  }
  const tasks = await TaskModel.find(q)
    .sort({ number: -1 })
    .limit(f.limit + 1);
  return { tasks: tasks.slice(0, f.limit), more: tasks.length > f.limit };
}

function personRefJson(p: Pick<PersonDoc, '_id' | 'name' | 'username'>) {
  return { id: String(p._id), name: p.name, ...(p.username ? { username: p.username } : {}) };
}

/** Tasks as the API shows them (people by id and name, the tracker's identity when there is one). */
export async function tasksJson(tasks: TaskDoc[]) {
  const ids = tasks.flatMap((t) => [t.author, ...(t.assignee ? [t.assignee] : [])]);
  const [people, refs] = await Promise.all([
    PersonModel.find({ _id: { $in: ids } }, { name: 1, username: 1 }).lean(),
    ExternalRefModel.find({ task: { $in: tasks.map((t) => t.number) } }).lean(),
  ]);
  const byId = new Map(people.map((p) => [String(p._id), p]));
  const refOf = new Map(refs.map((r) => [r.task, r]));
  const who = (id: unknown) => {
    const p = byId.get(String(id));
    return p ? personRefJson(p) : { id: String(id), name: '?' };
  };
  return tasks.map((t) => {
    const ref = refOf.get(t.number);
    return {
      number: t.number,
      title: t.title,
      description: t.description ?? '',
      status: t.status,
      priority: t.priority,
      due: t.due ? t.due.toISOString() : null,
      author: who(t.author),
      assignee: t.assignee ? who(t.assignee) : null,
      private: t.private === true,
      revision: t.revision,
      ...(ref ? { source: ref.source, externalId: ref.externalId, ...(ref.url ? { url: ref.url } : {}) } : {}),
      createdAt: (t as unknown as { createdAt: Date }).createdAt.toISOString(),
      updatedAt: (t as unknown as { updatedAt: Date }).updatedAt.toISOString(),
    };
  });
}

export { personRefJson };
