/**
 * The task access rules of src/domain/access.ts applied to stored tasks. An invisible task is reported exactly
 * like a missing one (`task_not_found`), so that nobody learns that task #n exists.
 */
import { ObserverModel, PersonModel, TaskModel, type TaskDoc } from '../db/models/index.js';
import { canChange, canSee, isParticipant, type Viewer } from '../domain/access.js';
import { UserError } from '../domain/errors.js';
import type { PersonId } from './people.js';

export type { Viewer };

/**
 * Who acts: a Viewer (the bot knows the role already), or a bare person id whose role is read from the
 * database (tests, the integration API).
 */
export type Actor = Viewer | PersonId;

export async function resolveViewer(actor: Actor): Promise<Viewer> {
  if (typeof actor === 'object' && actor !== null && 'admin' in actor) return actor;
  const p = await PersonModel.findById(actor, { role: 1 }).lean();
  return { id: actor, admin: p?.role === 'admin' };
}

export async function isObserverOf(task: Pick<TaskDoc, '_id'>, personId: unknown): Promise<boolean> {
  return (await ObserverModel.countDocuments({ task: task._id, person: personId as PersonId })) > 0;
}

/** Whether the viewer may see this task (reads the observer list only for a private task they are not in). */
export async function mayView(viewer: Viewer, task: TaskDoc): Promise<boolean> {
  if (canSee(viewer, task, false)) return true;
  return canSee(viewer, task, await isObserverOf(task, viewer.id));
}

/** Task `number` if the viewer may see it; otherwise `task_not_found`, as for a task that does not exist. */
export async function requireVisibleTask(number: number, actor: Actor): Promise<TaskDoc> {
  const viewer = await resolveViewer(actor);
  const task = await TaskModel.findOne({ number });
  if (!task || !(await mayView(viewer, task))) throw new UserError('task_not_found', { number });
  return task;
}

/** Refuses (`task_change_denied`, naming the rule) unless the viewer is the author, the assignee or an admin. */
export function assertCanChange(viewer: Viewer, task: TaskDoc): void {
  if (!canChange(viewer, task)) throw new UserError('task_change_denied', { number: task.number });
}

/** Task `number` if the viewer may change it: not visible → `task_not_found`; visible only → `task_change_denied`. */
export async function requireChangeableTask(number: number, actor: Actor): Promise<TaskDoc> {
  const viewer = await resolveViewer(actor);
  const task = await requireVisibleTask(number, viewer);
  assertCanChange(viewer, task);
  return task;
}

export { isParticipant };
