/**
 * The callback data of every inline button, and the pattern that recognises it: the notifications the
 * worker sends carry buttons the bot handles, so both sides build and match them here. Telegram allows
 * 64 bytes of callback data.
 */
import type { Language } from './types.js';

/** Builders: what a button carries. */
export const callbackData = {
  /** Stop watching task `n` (under a notification and a task card). */
  unwatch: (n: number) => `tw:unwatch:${n}`,
  /** Open the channel picker of task `n` (under a notification and a task card). */
  channels: (n: number) => `tw:chan:${n}`,
  /** Comment on task `n`: the 💬 button under a notification. */
  reply: (n: number) => `tw:reply:${n}`,
  /** Undo the comment (Change id) just made by replying. */
  undoReply: (changeId: string) => `tw:undo:${changeId}`,
  /** Under "which task?" after a reply to a digest: the answer goes to task `n`. */
  replyTo: (n: number) => `tw:to:${n}`,
  taskView: (n: number) => `task:view:${n}`,
  /** "👍 Seen" under a notification of task `n` whose SMS waits for escalation: the person saw it. */
  seen: (n: number) => `tw:seen:${n}`,
  taskDone: (n: number) => `task:done:${n}`,
  taskObservers: (n: number) => `task:observers:${n}`,
  /** The channel picker of task `n`: `mask` the channels chosen so far, `what` a channel index or `save`. */
  pick: (n: number, mask: number, what: number | 'save') => `pick:${n}:${mask}:${what}`,
  pickClose: 'pick:close',
  language: (language: Language) => `lang:${language}`,
  /** An answer button of a conversation step. */
  answer: (value: string) => `ask:${value}`,
  cancel: 'cancel',
  /**
   * The `/channels` buttons of the person with this id: toggle the channel of index `what` (CHANNELS) or
   * `done`. The id lets the handler refuse anyone else's press.
   */
  ownChannels: (personId: { toString(): string }, what: number | 'done') => `own:${personId.toString()}:${what}`,
  /** An admin's decision on a join request of the person with this id. */
  joinDecision: (approve: boolean, personId: { toString(): string }) => `join:${approve ? 'ok' : 'no'}:${personId.toString()}`,
} as const;

/** Patterns: the groups are the builders' arguments, in order. */
export const callbackPattern = {
  unwatch: /^tw:unwatch:(\d+)$/,
  channels: /^tw:chan:(\d+)$/,
  reply: /^tw:reply:(\d+)$/,
  undoReply: /^tw:undo:([0-9a-f]{24})$/,
  replyTo: /^tw:to:(\d+)$/,
  taskView: /^task:view:(\d+)$/,
  seen: /^tw:seen:(\d+)$/,
  taskDone: /^task:done:(\d+)$/,
  taskObservers: /^task:observers:(\d+)$/,
  pick: /^pick:(\d+):(\d+):(\d|save)$/,
  language: /^lang:(ru|en)$/,
  answer: /^ask:(.*)$/s,
  joinDecision: /^join:(ok|no):([0-9a-f]{24})$/,
  ownChannels: /^own:([0-9a-f]{24}):(\d|done)$/,
} as const;

/** The value of an answer button's data, or undefined when the data is not an answer. */
export function answerOf(data: string): string | undefined {
  return callbackPattern.answer.exec(data)?.[1];
}
