/**
 * Observers («Наблюдатели»): /watch, /unwatch, /observers; admins: /observe, /unobserve.
 * Also the buttons under notifications: `tw:unwatch:<n>` (stop watching) and `tw:chan:<n>` (channel picker).
 */
import { Composer } from 'telegraf';
import { UserError } from '../../domain/errors.js';
import { requirePerson } from '../../services/people.js';
import { getObserver, listObservers, listWatched, parseChannels, unwatch, watch } from '../../services/observers.js';
import { parseTaskNumber } from '../../services/tasks.js';
import { requireVisibleTask } from '../../services/access.js';
import type { Channel } from '../../domain/types.js';
import { adminOnly } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, startConversation, type Step } from '../conversation.js';
import type { Feature } from '../feature.js';
import { channelList, clip } from '../format.js';
import { userErrorText } from '../../i18n/index.js';
import { channelMask, channelPicker, maskChannels } from '../keyboards.js';
import { channelsStep, firstMissing, personStep, rows, taskStep } from '../steps.js';
import { viewerOf } from '../viewer.js';
import { callbackData, callbackPattern } from '../../domain/callback-data.js';

async function showPicker(ctx: BotContext, n: number): Promise<void> {
  const task = await requireVisibleTask(n, viewerOf(ctx));
  const current = await getObserver(n, ctx.person._id);
  const mask = channelMask(current ? current.channels : ['telegram']);
  await ctx.reply(ctx.t.pickChannels(n, task.title), channelPicker(ctx.t, n, mask));
}

async function watchSelf(ctx: BotContext, n: number, channels: Channel[]): Promise<string> {
  const { observer } = await watch(n, ctx.person._id, channels, viewerOf(ctx));
  const task = await requireVisibleTask(n, viewerOf(ctx));
  return ctx.t.watching(n, task.title, channelList(ctx.t, observer.channels));
}

async function unwatchSelf(ctx: BotContext, n: number): Promise<void> {
  const was = await unwatch(n, ctx.person._id, viewerOf(ctx));
  await ctx.reply(was ? ctx.t.unwatched(n) : ctx.t.notWatching(n));
}

/** Names (and @usernames) to everyone who can see the task; contacts to nobody here (admins have /people). */
async function showObservers(ctx: BotContext, n: number): Promise<void> {
  const task = await requireVisibleTask(n, viewerOf(ctx));
  const list = await listObservers(n, viewerOf(ctx));
  if (!list.length) {
    await ctx.reply(ctx.t.noObservers(n));
    return;
  }
  const lines = list.map(({ person, channels }) =>
    ctx.t.observerLine(`${person.name}${person.username ? ` @${person.username}` : ''}`, channelList(ctx.t, channels)),
  );
  await ctx.reply(clip([ctx.t.observersTitle(n, task.title), ...lines].join('\n')));
}

async function observe(ctx: BotContext, n: number, ref: string, channels: Channel[]): Promise<void> {
  const person = await requirePerson(ref);
  const { observer } = await watch(n, person._id, channels, viewerOf(ctx));
  await ctx.reply(ctx.t.observeDone(person.name, n, channelList(ctx.t, observer.channels)));
}

async function unobserve(ctx: BotContext, n: number, ref: string): Promise<void> {
  const person = await requirePerson(ref);
  const was = await unwatch(n, person._id, viewerOf(ctx));
  await ctx.reply(was ? ctx.t.unobserved(person.name, n) : ctx.t.notObserver(person.name, n));
}

export function observersFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const watchedStep: Step = {
    key: 'task',
    ask: (ctx) => ctx.t.askUnwatch,
    buttons: async (ctx) =>
      rows(
        (await listWatched(ctx.person._id)).map((w) => ({ text: `#${w.taskNumber}`, value: String(w.taskNumber) })),
        4,
      ),
    parse: async (raw, ctx) => String((await requireVisibleTask(parseTaskNumber(raw), viewerOf(ctx))).number),
  };
  const scenes = [
    conversation(
      { id: 'conv:watch', next: (v) => firstMissing([taskStep()], v), finish: (ctx, v) => showPicker(ctx, Number(v.task)) },
      deps.secrets,
    ),
    conversation(
      { id: 'conv:unwatch', next: (v) => firstMissing([watchedStep], v), finish: (ctx, v) => unwatchSelf(ctx, Number(v.task)) },
      deps.secrets,
    ),
    conversation(
      { id: 'conv:observers', next: (v) => firstMissing([taskStep()], v), finish: (ctx, v) => showObservers(ctx, Number(v.task)) },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:observe',
        admin: true,
        next: (v) => firstMissing([taskStep(), personStep(), channelsStep()], v),
        finish: (ctx, v) => observe(ctx, Number(v.task), v.person!, parseChannels(v.channels!)),
      },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:unobserve',
        admin: true,
        next: (v) => firstMissing([taskStep(), personStep()], v),
        finish: (ctx, v) => unobserve(ctx, Number(v.task), v.person!),
      },
      deps.secrets,
    ),
  ];

  c.command('watch', async (ctx) => {
    const [rawTask, ...rest] = tokenize(commandPayload(ctx));
    if (!rawTask) return startConversation(ctx, 'conv:watch');
    const n = parseTaskNumber(rawTask);
    if (!rest.length) return showPicker(ctx, n);
    await ctx.reply(await watchSelf(ctx, n, parseChannels(rest)));
  });

  c.command('unwatch', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? unwatchSelf(ctx, parseTaskNumber(payload)) : startConversation(ctx, 'conv:unwatch');
  });

  c.command('observers', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? showObservers(ctx, parseTaskNumber(payload)) : startConversation(ctx, 'conv:observers');
  });
  c.action(callbackPattern.taskObservers, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await showObservers(ctx, Number(ctx.match[1]));
  });

  c.command('observe', adminOnly, async (ctx) => {
    const [rawTask, ref, ...rest] = tokenize(commandPayload(ctx));
    if (!rawTask) return startConversation(ctx, 'conv:observe');
    const n = (await requireVisibleTask(parseTaskNumber(rawTask), viewerOf(ctx))).number;
    if (!ref) return startConversation(ctx, 'conv:observe', { task: String(n) });
    const person = await requirePerson(ref);
    const who = person.username ? `@${person.username}` : String(person.telegramId);
    if (!rest.length) return startConversation(ctx, 'conv:observe', { task: String(n), person: who });
    return observe(ctx, n, who, parseChannels(rest));
  });

  c.command('unobserve', adminOnly, async (ctx) => {
    const [rawTask, ref] = tokenize(commandPayload(ctx));
    if (!rawTask) return startConversation(ctx, 'conv:unobserve');
    const n = (await requireVisibleTask(parseTaskNumber(rawTask), viewerOf(ctx))).number;
    return ref ? unobserve(ctx, n, ref) : startConversation(ctx, 'conv:unobserve', { task: String(n) });
  });

  // Buttons under notifications (src/delivery/channels/telegram.ts) and under /task.
  c.action(callbackPattern.unwatch, async (ctx) => {
    const n = Number(ctx.match[1]);
    const was = await unwatch(n, ctx.person._id, viewerOf(ctx));
    const text = was ? ctx.t.unwatched(n) : ctx.t.notWatching(n);
    await ctx.answerCbQuery(text).catch(() => undefined);
    await ctx.reply(text);
  });
  c.action(callbackPattern.channels, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await showPicker(ctx, Number(ctx.match[1]));
  });

  c.action(callbackPattern.pick, async (ctx) => {
    const n = Number(ctx.match[1]);
    let mask = Number(ctx.match[2]);
    const op = ctx.match[3]!;
    if (op !== 'save') {
      mask ^= 1 << Number(op);
      await ctx.answerCbQuery().catch(() => undefined);
      await ctx.editMessageReplyMarkup(channelPicker(ctx.t, n, mask).reply_markup);
      return;
    }
    try {
      const text = await watchSelf(ctx, n, maskChannels(mask));
      await ctx.answerCbQuery().catch(() => undefined);
      await ctx.editMessageText(text);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const text = userErrorText(ctx.t, err);
      await ctx.answerCbQuery(text.slice(0, 200)).catch(() => undefined);
      await ctx.reply(text);
    }
  });
  c.action(callbackData.pickClose, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await ctx.editMessageText(ctx.t.cancelled);
  });

  return { composer: c, scenes };
}
