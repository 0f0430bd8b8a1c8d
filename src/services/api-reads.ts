/** What the integration API reads: task lists and tasks as JSON, a task's observers and its changes. */
import type { Types } from 'mongoose';
import { ChangeModel, ExternalRefModel, ObserverModel, PersonModel, TaskModel, type PersonDoc, type TaskDoc } from '../db/models/index.js';
import { field } from './api-tasks.js';
import { requirePersonAnyRef } from './person-refs.js';

/** The task's observers whose person still exists, as the API shows them, with their channels. */
export async function observerListJson(taskId: Types.ObjectId) {
  const obs = await ObserverModel.find({ task: taskId }).lean();
  const people = await PersonModel.find({ _id: { $in: obs.map((o) => o.person) } }, { name: 1, username: 1 }).lean();
  const byId = new Map(people.map((p) => [String(p._id), p]));
  return obs
    .filter((o) => byId.has(String(o.person)))
    .map((o) => ({ person: personRefJson(byId.get(String(o.person))!), channels: o.channels }));
}

/** The task's changes, newest first, at most `limit`. */
export async function recentChanges(taskId: Types.ObjectId, limit = 100) {
  return ChangeModel.find({ task: taskId }).sort({ revision: -1 }).limit(limit).lean();
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

export function personRefJson(p: Pick<PersonDoc, '_id' | 'name' | 'username'>) {
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
