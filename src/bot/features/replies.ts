/**
 * Answering a notification: a reply (Telegram's reply_to_message) to a notification, or its 💬 button, adds
 * a comment to its task by the person who answers, with the rights of `/comment`. The bot confirms in one
 * line with an undo button; the comment reaches nobody while it can be undone (src/services/replies.ts).
 * A reply to a digest of several tasks asks which task; anything but text is refused.
 *
 * Its handler of replies runs before the conversations: a reply to a notification is meant for the task even
 * in the middle of one. A reply to any other message (a conversation's question) goes on as before.
 */
import { Composer, Markup } from 'telegraf';
import type { Message } from 'telegraf/types';
import { callbackData, callbackPattern } from '../../domain/callback-data.js';
import { UserError } from '../../domain/errors.js';
import { REPLY_UNDO_MS } from '../../domain/reply-mail.js';
import { commentByReply, tasksOfNotification, undoReply } from '../../services/replies.js';
import { taskToSee } from '../../services/tasks.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, startConversation, type Step } from '../conversation.js';
import type { Feature } from '../feature.js';
import { firstMissing, rows } from '../steps.js';
import { viewerOf } from '../viewer.js';

/** Adds the comment and confirms it in one line, with the undo button. */
async function comment(ctx: BotContext, n: number, text: string): Promise<void> {
  const made = await commentByReply(n, viewerOf(ctx), text, { undoable: true });
  await ctx.reply(
    ctx.t.replyAdded(made.number, Math.round(REPLY_UNDO_MS / 60_000)),
    Markup.inlineKeyboard([[Markup.button.callback(ctx.t.replyUndoButton, callbackData.undoReply(made.changeId))]]),
  );
}

/** The text of a message, or undefined when it carries anything else (a photo, a file, a voice message, a sticker). */
function textOf(message: Message): string | undefined {
  return 'text' in message ? message.text : undefined;
}

/** The feature (its buttons and the 💬 conversation), and `replies`, the handler of replies to run before the conversations. */
export function repliesFeature(deps: BotDeps): Feature & { replies: Composer<BotContext> } {
  const c = new Composer<BotContext>();
  const replies = new Composer<BotContext>();
  const textStep: Step = { key: 'text', ask: (ctx, v) => ctx.t.askReply(Number(v.task)) };
  const scenes = [
    conversation(
      {
        id: 'conv:reply',
        next: (v) => firstMissing([textStep], v),
        finish: (ctx, v) => comment(ctx, Number(v.task), v.text!),
      },
      deps.secrets,
    ),
  ];

  replies.on('message', async (ctx, next) => {
    const replied = 'reply_to_message' in ctx.message ? ctx.message.reply_to_message : undefined;
    if (!replied) return next();
    const tasks = await tasksOfNotification(ctx.person._id, replied.message_id);
    if (tasks.length === 0) return next();
    const text = textOf(ctx.message);
    if (text === undefined) throw new UserError('reply_text_only');
    // A command sent as a reply is a command.
    if (text.startsWith('/')) return next();
    if (tasks.length === 1) return comment(ctx, tasks[0]!, text);
    // Which task: by number only, so that a task the person may no longer see shows nothing of itself.
    ctx.session.replyDraft = { text, tasks };
    await ctx.reply(
      ctx.t.replyWhichTask,
      Markup.inlineKeyboard(
        rows(
          tasks.slice(0, 20).map((n) => Markup.button.callback(`💬 #${n}`, callbackData.replyTo(n))),
          4,
        ),
      ),
    );
  });

  c.action(callbackPattern.replyTo, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    const n = Number(ctx.match[1]);
    const draft = ctx.session.replyDraft;
    if (!draft?.tasks.includes(n)) {
      await ctx.reply(ctx.t.replyDraftGone);
      return;
    }
    delete ctx.session.replyDraft;
    await ctx.editMessageReplyMarkup(undefined).catch(() => undefined);
    await comment(ctx, n, draft.text);
  });

  c.action(callbackPattern.reply, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    // Asked only of someone who may see the task: anyone else hears that there is no such task.
    const { task } = await taskToSee(Number(ctx.match[1]), viewerOf(ctx));
    await startConversation(ctx, 'conv:reply', { task: String(task.number) });
  });

  c.action(callbackPattern.undoReply, async (ctx) => {
    const { number } = await undoReply(ctx.match[1]!, ctx.person._id);
    await ctx.answerCbQuery().catch(() => undefined);
    await ctx.editMessageText(ctx.t.replyUndone(number), Markup.inlineKeyboard([]));
  });

  return { composer: c, scenes, replies };
}
