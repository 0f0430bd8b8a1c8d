/**
 * Who may see and change a task: pure rules, no I/O. Services load the task and whether the viewer observes
 * it, and call these; every path (command, button, conversation step, planning) goes through them.
 */

/** An id as the rules compare it: an ObjectId or its hex string. */
export type IdLike = { toString(): string } | null | undefined;

/** The person asking. `id` is the Person's id (an ObjectId or its hex string). */
export interface Viewer {
  id: IdLike;
  admin: boolean;
}

/** What the rules read of a task. */
export interface TaskAccessFacts {
  author: IdLike;
  assignee?: IdLike;
  /** Private tasks are visible to their author, assignee, observers and admins only. Absent: false. */
  private?: boolean | null;
}

/** Ids compare by their string form (ObjectIds, strings). */
const same = (a: IdLike, b: IdLike): boolean =>
  a !== undefined && a !== null && b !== undefined && b !== null && a.toString() === b.toString();

/** Whether the viewer is the task's author or assignee. */
export function isParticipant(viewer: Pick<Viewer, 'id'>, task: TaskAccessFacts): boolean {
  return same(viewer.id, task.author) || same(viewer.id, task.assignee);
}

/** A task is visible to every member unless private; then to its author, assignee, observers and admins. */
export function canSee(viewer: Viewer, task: TaskAccessFacts, isObserver: boolean): boolean {
  return !task.private || viewer.admin || isObserver || isParticipant(viewer, task);
}

/** Changing fields, `/done`, assigning, private on/off, `/send <n>`: the author, the assignee, admins. */
export function canChange(viewer: Viewer, task: TaskAccessFacts): boolean {
  return viewer.admin || isParticipant(viewer, task);
}

/** Adding or removing someone else as an observer: admins only. Watching oneself: whoever can see the task. */
export function canSetObserver(viewer: Viewer, personId: IdLike): boolean {
  return viewer.admin || same(viewer.id, personId);
}
