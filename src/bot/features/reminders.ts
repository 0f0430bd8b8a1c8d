/**
 * Due-date reminders and escalation: `/remind` (a person's leads, `author on|off`), `/escalate` (admin: the
 * minutes an SMS of a priority waits for its person to see the task in Telegram), and the "👍 Seen" button
 * under an escalated notification.
 */
import { Composer } from 'telegraf';
import { callbackPattern } from '../../domain/callback-data.js';
import type { Escalation } from '../../domain/escalation.js';
import { UserError } from '../../domain/errors.js';
import { PRIORITIES } from '../../domain/types.js';
import { userErrorText, type Texts } from '../../i18n/index.js';
import type { PersonDoc } from '../../db/models/index.js';
import { loadEscalation, markSeenByNumber, remindersOf, saveEscalation, setRemind } from '../../services/reminders.js';
import { adminOnly } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import type { Feature } from '../feature.js';
import { viewerOf } from '../viewer.js';

/** A person's reminders, as words: the leads and the author switch. */
export function remindText(t: Texts, p: Pick<PersonDoc, 'remindLeads' | 'remindAuthor'>): string {
  const { leads, author } = remindersOf(p);
  return leads.length ? t.remindOn(leads.map((l) => t.lead(l)).join(', '), author) : t.remindOff;
}

/** The escalation of every priority, as words. */
export function escalationText(t: Texts, e: Escalation): string {
  const on = PRIORITIES.filter((p) => e[p] !== undefined);
  return on.length ? on.map((p) => t.escalateLine(t.priority[p] ?? p, e[p]!)).join('\n') : t.escalateNone;
}

export function remindersFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();

  c.command('remind', async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    if (words.length === 0) {
      await ctx.reply(`${ctx.t.remindShow(remindText(ctx.t, ctx.person))}\n${ctx.t.remindUsage}`);
      return;
    }
    ctx.person = await setRemind(ctx.person._id, words);
    await ctx.reply(ctx.t.remindSaved(remindText(ctx.t, ctx.person)));
    await deps.delivery.timesChanged?.().catch((err: unknown) => deps.logger.warn({ err }, 'the reminder alarm could not be set again'));
  });

  c.command('escalate', adminOnly, async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    if (words.length === 0) {
      await ctx.reply(`${ctx.t.escalateShow(escalationText(ctx.t, await loadEscalation()))}\n${ctx.t.escalateUsage}`);
      return;
    }
    try {
      const saved = await saveEscalation(words);
      await ctx.reply(ctx.t.escalateSaved(escalationText(ctx.t, saved)));
    } catch (err) {
      if (!(err instanceof UserError) || err.code !== 'settings_conflict') throw err;
      await ctx.reply(`${ctx.t.settingsConflict}\n${escalationText(ctx.t, await loadEscalation())}`);
    }
  });

  c.action(callbackPattern.seen, async (ctx) => {
    try {
      await markSeenByNumber(Number(ctx.match[1]), viewerOf(ctx));
      await ctx.answerCbQuery(ctx.t.seenThanks).catch(() => undefined);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      await ctx.answerCbQuery(userErrorText(ctx.t, err).slice(0, 200)).catch(() => undefined);
    }
  });

  return { composer: c, scenes: [] };
}
