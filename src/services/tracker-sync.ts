/**
 * A tracker's event applied to taskwatch: the task of (source, externalId) is upserted to the values the
 * tracker reports (each field that differs becomes a Change, from → to), and a new comment becomes a
 * comment Change. Changes are recorded as made by the tracker's own person ("GitLab", "GitHub", "Jira",
 * or the generic source's name): a placeholder without Telegram whose role is `blocked`, so that it is never
 * notified nor counted as a member; it acts on these tasks with an admin's rights.
 */
import { PersonModel, TaskModel, type PersonDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { claimKey, releaseKeys } from '../db/claims.js';
import type { TrackerEvent, TrackerState } from '../domain/tracker-events.js';
import type { Viewer } from './access.js';
import type { TaskStatus } from '../domain/types.js';
import type { TaskEdit } from '../domain/task-edits.js';
import { descriptionEdit, findExternalTask, titleEdit, upsertExternal, type AppliedChange } from './api-tasks.js';
import { addComment, taskToSee } from './tasks.js';

const NAMES: Record<string, string> = { gitlab: 'GitLab', github: 'GitHub', jira: 'Jira' };

/** Placeholder Telegram ids of tracker people: far below those of people without Telegram (-1, -2, …). */
function trackerTelegramId(source: string): number {
  let h = 0;
  for (const ch of source) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000;
  return -(1_000_000_000_000 + h);
}

/** The person a tracker's changes are recorded as; the unique telegramId settles two first events racing. */
export async function trackerPerson(source: string, timezone: string): Promise<PersonDoc> {
  const telegramId = trackerTelegramId(source);
  for (let attempt = 0; ; attempt++) {
    const existing = await PersonModel.findOne({ telegramId });
    if (existing) return existing;
    try {
      return await PersonModel.create({
        telegramId,
        name: NAMES[source] ?? source,
        role: 'blocked',
        timezone,
        language: 'en',
        participantChannels: [],
      });
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

function statusFor(state: TrackerState | undefined, current: TaskStatus | undefined): TaskStatus | undefined {
  if (state === 'closed') return current === 'cancelled' ? undefined : 'done';
  if (state === 'in_progress') return 'in_progress';
  if (state === 'open') return current === undefined ? 'new' : current === 'done' || current === 'cancelled' ? 'new' : undefined;
  return undefined;
}

export interface SyncResult {
  task: number;
  created: boolean;
  changes: AppliedChange[];
}

/**
 * Applies a tracker's delivery once: `deliveryKey` (the tracker's own id of the delivery, the same on its
 * redeliveries) is claimed by a unique insert and kept a day (maintenance prunes claims after 24 h). A
 * redelivery answers `undefined` and changes nothing; a delivery that fails here gives its claim back, so
 * that the tracker's retry is applied.
 */
export async function applyTrackerDelivery(e: TrackerEvent, timezone: string, deliveryKey?: string): Promise<SyncResult | undefined> {
  const key = deliveryKey ? `hook:${deliveryKey}` : undefined;
  if (key && !(await claimKey(key, 'hooks'))) return undefined;
  try {
    return await applyTrackerEvent(e, timezone);
  } catch (err) {
    if (key) await releaseKeys([key]).catch(() => undefined);
    throw err;
  }
}

export async function applyTrackerEvent(e: TrackerEvent, timezone: string): Promise<SyncResult> {
  const person = await trackerPerson(e.source, timezone);
  const viewer: Viewer = { id: person._id, admin: true };
  const existing = await findExternalTask(e.source, e.externalId);
  const current = existing !== undefined ? (await TaskModel.findOne({ number: existing }, { status: 1 }).lean())?.status : undefined;
  const status = statusFor(e.state, current);
  // The event is read already (src/domain/tracker-events.ts): its values become edits here, once.
  const edits: TaskEdit[] = [
    titleEdit(e.title),
    ...(e.description !== undefined ? [descriptionEdit(e.description)] : []),
    ...(status ? [{ field: 'status', to: status } as const] : []),
  ];
  const r = await upsertExternal(viewer, e.source, e.externalId, {
    title: e.title,
    private: false,
    edits,
    ...(e.url ? { url: e.url } : {}),
  });
  const changes = [...r.changes];
  if (e.comment) {
    const { change } = await addComment(await taskToSee(r.task.number, viewer), `${e.comment.author}: ${e.comment.text}`);
    changes.push(change);
  }
  return { task: r.task.number, created: r.created, changes };
}
