/** Who may do what. */
import type { MiddlewareFn } from 'telegraf';
import type { BotContext } from './context.js';

export function isAdmin(ctx: BotContext): boolean {
  return ctx.person?.role === 'admin';
}

/** Lets admins through; everyone else gets a clear refusal and nothing happens. */
export const adminOnly: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (isAdmin(ctx)) return next();
  if (ctx.callbackQuery) await ctx.answerCbQuery(ctx.t.adminOnly).catch(() => undefined);
  await ctx.reply(ctx.t.adminOnly);
};
