/**
 * The Telegram bot: taskwatch's whole user interface. Middleware order: private chats only → rate limit →
 * the person and their language → the members-only gate (src/bot/gate.ts) → session (MongoDB) →
 * UserError → localized message → conversations → features → unknown commands. `bot.catch` answers with
 * an error id and never rethrows.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Composer, Scenes, Telegraf, session } from 'telegraf';
import { LANGUAGES } from '../domain/types.js';
import { listAdmins } from '../services/people.js';
import { UserError } from '../domain/errors.js';
import type { PersonDoc } from '../db/models/index.js';
import { BOT_TOKEN_HINT } from '../config.js';
import { createBackground, type Background } from './background.js';
import { botCommands } from './commands.js';
import type { BotContext, BotDeps, BotSession } from './context.js';
import type { Feature } from './feature.js';
import { texts, userErrorText } from '../i18n/index.js';
import { mongooseSessionStore } from '../db/session-store.js';
import { clip } from './format.js';
import { adminFeature } from './features/admin.js';
import { membershipFeature } from './features/membership.js';
import { identify, membersOnly, privateChatsOnly, rateLimited } from './gate.js';
import { joinNotices } from './join-notices.js';
import { databaseSlots } from '../db/slots.js';
import { WindowLimiter } from '../db/shared-limits.js';
import { TelegramBudget, TelegramWaitError, budgetKey } from '../telegram/budget.js';
import { PacedTelegram, pacedContext, type Pacing } from '../telegram/client.js';
import { deliveryFeature } from './features/delivery.js';
import { apiFeature } from './features/api.js';
import { observersFeature } from './features/observers.js';
import { remindersFeature } from './features/reminders.js';
import { notifyPrefsFeature } from './features/notify-prefs.js';
import { profileFeature } from './features/profile.js';
import { scheduleFeature } from './features/schedule.js';
import { smsFeature } from './features/sms.js';
import { smtpFeature } from './features/smtp.js';
import { startFeature } from './features/start.js';
import { tasksFeature } from './features/tasks.js';
import { repliesFeature } from './features/replies.js';
import { templateFeature } from './features/template.js';

export type { BotContext, BotDeps } from './context.js';

export interface CreatedBot {
  bot: Telegraf<BotContext>;
  /** setMyCommands per language, and the admin menu per admin chat; failures are logged, never thrown. */
  setCommands: () => Promise<void>;
  /** Work handlers left running (the `/send` result edits): stopping waits for it, see {@link Background.drain}. */
  background: Background;
}

/**
 * Longest a reply waits for its turn and for Telegram's 429s, in ms. Past it the reply is dropped and the
 * person told so once the wait is over (a handler must not hold up the updates behind it for longer).
 */
export const REPLY_MAX_WAIT_MS = 10_000;
/** Longest that later line itself waits, in ms. */
const LATE_NOTICE_MAX_WAIT_MS = 60_000;

function newErrorId(): string {
  return randomBytes(3).toString('hex').toUpperCase();
}

export function createBot(deps: BotDeps): CreatedBot {
  const { config, logger } = deps;
  const background = createBackground(logger);
  if (!config.BOT_TOKEN) throw new Error(BOT_TOKEN_HINT);
  // Everything the bot sends draws on the deployment's Telegram budget in the reply lane, and waits out a
  // 429 (src/telegram/client.ts): its handlers' clients (the context class) and `bot.telegram` alike.
  const budget = new TelegramBudget(budgetKey(config.BOT_TOKEN), databaseSlots);
  const pacing = (maxWaitMs: number): Pacing => ({
    budget,
    lane: 'reply',
    maxWaitMs,
    ...(deps.observeApi ? { observe: deps.observeApi } : {}),
    onBudgetError: (err) => logger.debug({ err }, 'the shared Telegram budget cannot be reached; replying unpaced'),
  });
  const replies = pacing(REPLY_MAX_WAIT_MS);
  const telegramOptions = { apiRoot: config.TELEGRAM_API_ROOT, webhookReply: false };
  const bot = new Telegraf<BotContext>(config.BOT_TOKEN, {
    // webhookReply off: replies must return the sent message (its id is edited later, e.g. by /send).
    telegram: telegramOptions,
    contextType: pacedContext<BotContext>(replies),
  });
  bot.telegram = new PacedTelegram(config.BOT_TOKEN, telegramOptions, replies);
  /** For the line that tells a person, later, that their answer was lost to a wait: it may wait longer. */
  const lateTelegram = new PacedTelegram(config.BOT_TOKEN, telegramOptions, pacing(LATE_NOTICE_MAX_WAIT_MS));

  bot.catch(async (err, ctx) => {
    const t0 = (ctx as Partial<BotContext>).t ?? texts(config.DEFAULT_LANGUAGE);
    if (err instanceof TelegramWaitError) {
      // Telegram asked us to wait longer than a reply may: not "something went wrong", but a plain line
      // once the wait is over, so the person knows to send it again.
      logger.warn(
        { from: ctx.from?.id, waitMs: err.waitMs, updateType: ctx.updateType },
        'a reply was not sent: Telegram asked to wait longer than a reply waits',
      );
      const chat = ctx.chat?.id;
      if (chat !== undefined) {
        background.run('telling a person their answer was lost to a wait', async () => {
          await sleep(err.waitMs);
          await lateTelegram.sendMessage(chat, t0.telegramBusy(Math.ceil(err.waitMs / 1000)));
        });
      }
      return;
    }
    const errorId = newErrorId();
    logger.error(
      { err, errorId, updateId: ctx.update?.update_id, updateType: ctx.updateType, from: ctx.from?.id },
      `bot handler failed (error id ${errorId})`,
    );
    try {
      if (ctx.callbackQuery) await ctx.answerCbQuery().catch(() => undefined);
      if (ctx.chat) await ctx.reply(t0.unexpected(errorId));
    } catch (replyErr) {
      logger.warn({ err: replyErr, errorId }, 'could not tell the person about the error');
    }
  });

  const safely = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ err }, `${what} failed; going on`);
    }
  };

  /** The command menu of one admin chat (or back to the default when no longer admin). */
  const adminMenu = async (person: PersonDoc): Promise<void> => {
    const scope = { type: 'chat' as const, chat_id: person.telegramId };
    await safely(`setMyCommands for chat ${person.telegramId}`, () =>
      person.role === 'admin'
        ? bot.telegram.setMyCommands(botCommands(texts(person.language), true), { scope })
        : bot.telegram.deleteMyCommands({ scope }),
    );
  };

  // The trust boundary: nothing from a group, past the rate limit, or from a non-member reaches the session.
  bot.use(privateChatsOnly(deps));
  bot.use(rateLimited(new WindowLimiter('cmd', config.RATE_LIMIT_PER_MINUTE, 60_000, databaseSlots, deps.now), deps));
  bot.use(identify(deps));
  bot.use(
    membersOnly(deps, {
      joinNotices: joinNotices({ ...deps, telegram: bot.telegram, background, ...(deps.joinBurst ? { burst: deps.joinBurst } : {}) }),
    }),
  );

  bot.use(session<BotSession, BotContext>({ store: mongooseSessionStore<BotSession>(), defaultSession: () => ({}) }));

  // A person's mistake: say what is wrong and how to write it.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (ctx.callbackQuery) await ctx.answerCbQuery().catch(() => undefined);
      await ctx.reply(clip(userErrorText(ctx.t, err)));
    }
  });

  const features: Feature[] = [
    startFeature(deps),
    profileFeature(deps),
    notifyPrefsFeature(),
    remindersFeature(deps),
    tasksFeature(deps),
    observersFeature(deps),
    adminFeature(deps, { onRoleChanged: adminMenu }),
    membershipFeature(deps, { onRoleChanged: adminMenu }),
    smtpFeature(deps),
    smsFeature(deps),
    templateFeature(deps),
    scheduleFeature(deps),
    deliveryFeature(deps, background),
    apiFeature(deps),
  ];
  const answers = repliesFeature(deps);
  features.push(answers);
  const stage = new Scenes.Stage<BotContext>(features.flatMap((f) => f.scenes));
  // A reply to a notification comes before the conversations (see src/bot/features/replies.ts).
  bot.use(answers.replies);
  bot.use(stage.middleware());
  for (const f of features) bot.use(f.composer);

  // Whatever nobody handled.
  const fallback = new Composer<BotContext>();
  fallback.on('message', async (ctx) => {
    const text = 'text' in ctx.message ? ctx.message.text : '';
    if (text.startsWith('/')) await ctx.reply(ctx.t.unknownCommand(text.split(/\s/)[0]!));
    else await ctx.reply(ctx.t.notACommand);
  });
  fallback.on('callback_query', (ctx) => ctx.answerCbQuery().catch(() => undefined));
  bot.use(fallback);

  const setCommands = async (): Promise<void> => {
    await safely('setMyCommands (default)', () => bot.telegram.setMyCommands(botCommands(texts(config.DEFAULT_LANGUAGE), false)));
    for (const lang of LANGUAGES) {
      await safely(`setMyCommands (${lang})`, () => bot.telegram.setMyCommands(botCommands(texts(lang), false), { language_code: lang }));
    }
    let admins: PersonDoc[] = [];
    await safely('listing admins', async () => {
      admins = await listAdmins();
    });
    const known = new Set(admins.map((a) => a.telegramId));
    for (const a of admins) await adminMenu(a);
    for (const id of config.ADMIN_IDS.filter((i) => !known.has(i))) {
      await safely(`setMyCommands for chat ${id}`, () =>
        bot.telegram.setMyCommands(botCommands(texts(config.DEFAULT_LANGUAGE), true), { scope: { type: 'chat', chat_id: id } }),
      );
    }
  };

  return { bot, setCommands, background };
}
