/**
 * Who may see and change a task: pure rules, no I/O. Services load the task and whether the viewer observes
 * it, and call these; every path (command, button, conversation step, planning) goes through them.
 */

/** The person asking. `id` is the Person's id (any value whose String() is the ObjectId's hex). */
export interface Viewer {
  id: unknown;
  admin: boolean;
}

/** What the rules read of a task. */
export interface TaskAccessFacts {
  author: unknown;
  assignee?: unknown;
  /** Private tasks are visible to their author, assignee, observers and admins only. Absent: false. */
  private?: boolean | null;
}

const same = (a: unknown, b: unknown): boolean => a !== undefined && a !== null && b !== undefined && b !== null && String(a) === String(b);

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
export function canSetObserver(viewer: Viewer, personId: unknown): boolean {
  return viewer.admin || same(viewer.id, personId);
}
