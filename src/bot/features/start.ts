/** /start, /help, /cancel outside a conversation. */
import { Composer } from 'telegraf';
import { isAdmin } from '../access.js';
import { helpText } from '../commands.js';
import type { BotContext } from '../context.js';
import type { Feature } from '../feature.js';
import { CANCEL } from '../keyboards.js';

export function startFeature(): Feature {
  const c = new Composer<BotContext>();
  c.start(async (ctx) => {
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
