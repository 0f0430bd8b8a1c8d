/** What the integration API reads of a task beside the task itself: its observers and its changes. */
import type { Types } from 'mongoose';
import { ChangeModel, ObserverModel, PersonModel } from '../db/models/index.js';
import { personRefJson } from './api-tasks.js';

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
