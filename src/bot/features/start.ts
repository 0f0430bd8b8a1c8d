/** /start (with a letter's unsubscribe link: `/start u_…`), /help, /cancel outside a conversation. */
import { Composer } from 'telegraf';
import { isAdmin } from '../access.js';
import { helpText } from '../commands.js';
import type { BotContext, BotDeps } from '../context.js';
import { UNSUBSCRIBE_PREFIX } from '../../secrets.js';
import { requireVisibleTask } from '../../services/access.js';
import { unwatch } from '../../services/observers.js';
import { viewerOf } from '../viewer.js';
import type { Feature } from '../feature.js';
import { CANCEL } from '../keyboards.js';

/**
 * `/start u_…`, the one-tap unsubscribe link of a letter: signed for one person and one task. Only that
 * person may use it; anyone else learns nothing of whom or what it is about.
 */
async function unsubscribeByLink(ctx: BotContext, deps: BotDeps, payload: string): Promise<void> {
  const link = deps.secrets.readUnsubscribePayload(payload);
  if (!link) {
    deps.logger.info({ from: ctx.from?.id }, 'an unsubscribe link that does not verify');
    await ctx.reply(ctx.t.linkBad);
    return;
  }
  if (link.personId !== String(ctx.person._id)) {
    deps.logger.info({ from: ctx.from?.id }, "an unsubscribe link of someone else's letter");
    await ctx.reply(ctx.t.linkNotYours);
    return;
  }
  const n = link.taskNumber;
  const task = await requireVisibleTask(n, viewerOf(ctx));
  const was = await unwatch(n, ctx.person._id, viewerOf(ctx));
  await ctx.reply(was ? ctx.t.linkUnwatched(n, task.title) : ctx.t.linkNotWatching(n));
}

export function startFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  c.start(async (ctx) => {
    if (ctx.payload.startsWith(UNSUBSCRIBE_PREFIX)) return unsubscribeByLink(ctx, deps, ctx.payload);
    const text = ctx.t.welcome(ctx.person.name) + (isAdmin(ctx) ? `\n\n${ctx.t.welcomeAdmin}` : '');
    await ctx.reply(text);
  });
  c.help((ctx) => ctx.reply(helpText(ctx.t, isAdmin(ctx))));
  c.command('cancel', (ctx) => ctx.reply(ctx.t.nothingToCancel));
  c.action(CANCEL, async (ctx) => {
    await ctx.answerCbQuery(ctx.t.nothingToCancel).catch(() => undefined);
    await ctx.editMessageReplyMarkup(undefined).catch(() => undefined);
  });
  return { composer: c, scenes: [] };
}
