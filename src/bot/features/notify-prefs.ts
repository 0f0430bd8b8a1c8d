/**
 * How a person hears of changes: `/channels` (the channels for their own tasks, as author or assignee; with
 * no argument, toggle buttons and Done) and `/digest` (now, or daily at a time in their zone).
 */
import { Composer, Markup } from 'telegraf';
import { callbackData, callbackPattern } from '../../domain/callback-data.js';
import { dailyDigestOf } from '../../domain/digest.js';
import { UserError } from '../../domain/errors.js';
import { CHANNELS, type Channel } from '../../domain/types.js';
import { userErrorText, type Texts } from '../../i18n/index.js';
import type { PersonDoc } from '../../db/models/index.js';
import { ownChannels, parseOwnChannels, setDigest, setOwnChannels, toggleOwnChannel } from '../../services/notify-prefs.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext } from '../context.js';
import type { Feature } from '../feature.js';
import { channelList } from '../format.js';

/** The channels for one's own tasks, as words: the list, or "none (how to turn on)". */
export function ownChannelsText(t: Texts, p: Pick<PersonDoc, 'participantChannels'>): string {
  const list = ownChannels(p);
  return list.length ? channelList(t, list) : t.ownChannelsNone;
}

/** The person's digest mode, as words. */
export function digestText(t: Texts, p: Pick<PersonDoc, 'digestTime' | 'digestSms' | 'timezone'>): string {
  const daily = dailyDigestOf(p);
  return daily ? t.digestDaily(daily.time, p.timezone, daily.sms) : t.digestNow;
}

/** One toggle per channel (✓ when on) and Done; each button names the person it belongs to. */
function ownChannelsKeyboard(t: Texts, p: PersonDoc) {
  const on = ownChannels(p);
  return Markup.inlineKeyboard([
    CHANNELS.map((c, i) => Markup.button.callback(`${on.includes(c) ? '✓ ' : ''}${t.channel(c)}`, callbackData.ownChannels(p._id, i))),
    [Markup.button.callback(`✔ ${t.finishButton}`, callbackData.ownChannels(p._id, 'done'))],
  ]);
}

function savedText(t: Texts, p: PersonDoc): string {
  const list = ownChannels(p);
  return list.length ? t.ownChannelsSaved(channelList(t, list)) : t.ownChannelsOff;
}

export function notifyPrefsFeature(): Feature {
  const c = new Composer<BotContext>();

  c.command('channels', async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    if (words.length === 0) {
      await ctx.reply(ctx.t.ownChannelsAsk(ownChannelsText(ctx.t, ctx.person)), ownChannelsKeyboard(ctx.t, ctx.person));
      return;
    }
    ctx.person = await setOwnChannels(ctx.person._id, parseOwnChannels(words));
    await ctx.reply(savedText(ctx.t, ctx.person));
  });

  c.action(callbackPattern.ownChannels, async (ctx) => {
    // The gate let only members through; the buttons are this person's only.
    if (ctx.match[1] !== String(ctx.person._id)) {
      await ctx.answerCbQuery(ctx.t.notYourButton).catch(() => undefined);
      return;
    }
    const what = ctx.match[2]!;
    if (what === 'done') {
      await ctx.answerCbQuery().catch(() => undefined);
      // The buttons go with the question: an empty keyboard removes them.
      await ctx.editMessageText(savedText(ctx.t, ctx.person), Markup.inlineKeyboard([]));
      return;
    }
    const channel: Channel | undefined = CHANNELS[Number(what)];
    if (!channel) {
      await ctx.answerCbQuery().catch(() => undefined);
      return;
    }
    try {
      ctx.person = await toggleOwnChannel(ctx.person._id, channel);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const text = userErrorText(ctx.t, err);
      await ctx.answerCbQuery(text.slice(0, 200)).catch(() => undefined);
      await ctx.reply(text);
      return;
    }
    await ctx.answerCbQuery().catch(() => undefined);
    await ctx.editMessageText(ctx.t.ownChannelsAsk(ownChannelsText(ctx.t, ctx.person)), ownChannelsKeyboard(ctx.t, ctx.person));
  });

  c.command('digest', async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    if (words.length === 0) {
      await ctx.reply(`${ctx.t.profileDigest(digestText(ctx.t, ctx.person))}\n${ctx.t.digestUsage}`);
      return;
    }
    ctx.person = await setDigest(ctx.person._id, words);
    const daily = dailyDigestOf(ctx.person);
    await ctx.reply(daily ? ctx.t.digestSavedDaily(daily.time, ctx.person.timezone, daily.sms) : ctx.t.digestSavedNow);
  });

  return { composer: c, scenes: [] };
}
