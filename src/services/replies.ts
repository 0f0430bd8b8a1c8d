/**
 * Answering a notification in Telegram: which tasks a notification was about, a comment made by replying
 * (with the rights of `/comment`, held while it can be undone), and its undo.
 *
 * A Telegram notification is found by what the engine records anyway: each delivery a message carried gets
 * the message's Telegram `message_id` as its `providerMessageId` when it is sent (src/delivery/outcomes.ts),
 * whichever worker sent it (in the outcome journal until its batch ends, then in the delivery's document).
 * So nothing more is written per message, and the tasks of a digest are the
 * `taskNumber`s of its deliveries. The record lives as long as the deliveries (DELIVERY_RETENTION_DAYS).
 */
import { Types } from 'mongoose';
import { ChangeModel, DeliveryModel, OutcomeModel } from '../db/models/index.js';
import { UserError } from '../domain/errors.js';
import { REPLY_UNDO_MS } from '../domain/reply-mail.js';
import type { Actor } from './access.js';
import type { PersonId } from './people.js';
import { addComment, taskToSee } from './tasks.js';

/** Undo is refused this long before the hold ends, so that it never races the run that sends the comment, in ms. */
const UNDO_MARGIN_MS = 5_000;

/**
 * The task numbers of the Telegram notification `messageId` that `personId` received, in number order;
 * empty when that message was no notification of ours to them (or its record is gone).
 */
export async function tasksOfNotification(personId: PersonId, messageId: number): Promise<number[]> {
  if (!Number.isSafeInteger(messageId) || messageId < 1) return [];
  const sent = { person: personId, channel: 'telegram', providerMessageId: String(messageId), status: 'sent' } as const;
  let numbers = (await DeliveryModel.find(sent, { taskNumber: 1 }).lean()).map((r) => r.taskNumber);
  if (numbers.length === 0) {
    // Sent by a batch still going (a fan-out at Telegram's pace takes a while): its outcomes are in the
    // journal until the batch ends (src/delivery/journal.ts).
    const recorded = await OutcomeModel.find(Object.fromEntries(Object.entries(sent).map(([k, v]) => [`doc.${k}`, v])), {
      'doc.taskNumber': 1,
    }).lean<Array<{ doc: { taskNumber: number } }>>();
    numbers = recorded.map((r) => r.doc.taskNumber);
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** A comment made by answering a notification. */
export interface ReplyComment {
  number: number;
  /** The Change's id, for the undo button. */
  changeId: string;
  /** Until when it can be undone; nobody hears of it before. */
  undoUntil: Date;
}

/**
 * Adds `text` as `actor`'s comment on task `number`, as `/comment` does (`task_not_found` unless they may see
 * it, `text_empty`, `text_too_long`). With `undoable`, its deliveries are held for {@link REPLY_UNDO_MS}.
 */
export async function commentByReply(
  number: number,
  actor: Actor,
  text: string,
  opts: { undoable: boolean; now?: Date },
): Promise<ReplyComment> {
  const access = await taskToSee(number, actor);
  const now = opts.now ?? new Date();
  const undoUntil = new Date(now.getTime() + (opts.undoable ? REPLY_UNDO_MS : 0));
  const { task, changeId } = await addComment(access, text, opts.undoable ? { holdUntil: undoUntil } : {});
  return { number: task.number, changeId, undoUntil };
}

/**
 * Takes back a comment `personId` made by replying, while it is held: the Change goes first (so planning
 * plans nothing more of it), then whatever was planned of it. Only its author may; a comment that has gone
 * out is `reply_undo_late`, one that is not there (or not theirs) `reply_undo_gone`.
 */
export async function undoReply(changeId: string, personId: PersonId, now: Date = new Date()): Promise<{ number: number }> {
  if (!Types.ObjectId.isValid(changeId)) throw new UserError('reply_undo_gone');
  const change = await ChangeModel.findById(changeId, { actor: 1, taskNumber: 1, holdUntil: 1 }).lean();
  if (!change?.holdUntil || String(change.actor) !== String(personId)) throw new UserError('reply_undo_gone');
  if (now.getTime() >= change.holdUntil.getTime() - UNDO_MARGIN_MS) throw new UserError('reply_undo_late', { number: change.taskNumber });
  await ChangeModel.deleteOne({ _id: change._id });
  await DeliveryModel.deleteMany({ change: change._id, status: 'pending' });
  return { number: change.taskNumber };
}
