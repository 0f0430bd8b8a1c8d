/**
 * The trust boundary, the first middlewares of the bot, in this order:
 * 1. group chats: a command gets one line pointing to the private chat, anything else is ignored;
 * 2. the per-person rate limit;
 * 3. who is asking: the Person, if there is one (created only for ADMIN_IDS, or anyone with REGISTRATION=open);
 * 4. the gate: someone who is not a member or admin gets the one "how to join" answer, and nothing they
 *    send reaches a feature, a conversation or the session. Their `/start` is how they join: with an
 *    invite code, or (REGISTRATION=request) as a join request the admins are told about once.
 */
import type { JoinNotices } from './join-notices.js';
import { joinRequestAllowed } from '../services/join-requests.js';
import { callbackPattern } from '../domain/callback-data.js';
import type { MiddlewareFn } from 'telegraf';
import type { User } from 'telegraf/types';
import { isMemberRole, type Language } from '../domain/types.js';
import type { PersonDoc } from '../db/models/index.js';
import { findPerson, registerPerson, type RegisterDefaults, type RegisterInput } from '../services/people.js';
import { isInviteCodeShape, redeemInvite, requestToJoin } from '../services/membership.js';
import type { BotContext, BotDeps } from './context.js';
import { texts } from '../i18n/index.js';
import type { WindowLimiter } from '../db/shared-limits.js';

/** Callback data of the buttons under a join request (`join:ok:<person id>`, `join:no:<person id>`). */
export const JOIN_DECISION = callbackPattern.joinDecision;

export function registerInput(from: User): RegisterInput {
  return { telegramId: from.id, name: [from.first_name, from.last_name].filter(Boolean).join(' '), username: from.username };
}

/** The language Telegram reports for the sender, when it is one of ours. */
function languageOf(from: User | undefined, fallback: Language): Language {
  const code = from?.language_code?.slice(0, 2);
  return code === 'ru' || code === 'en' ? code : fallback;
}

/** The link that opens the private chat with the bot. */
export function botLink(ctx: BotContext): string {
  return `https://t.me/${ctx.botInfo?.username ?? ''}`;
}

/** `/start`, with the bot's name or not, and its payload (an invite code, an unsubscribe link). */
const START = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/;

/** The code of a `/start <code>` message shaped like an invite code, else undefined. */
function inviteCodeOf(ctx: BotContext): string | undefined {
  const text = ctx.message && 'text' in ctx.message ? ctx.message.text : '';
  const code = START.exec(text)?.[1];
  return code !== undefined && isInviteCodeShape(code) ? code : undefined;
}

/** Group and channel chats: nothing in them touches data; a command is pointed to the private chat. */
export function privateChatsOnly(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const type = ctx.chat?.type;
    if (type === 'private') return next();
    const t = texts(languageOf(ctx.from, deps.config.DEFAULT_LANGUAGE));
    if (ctx.callbackQuery) {
      await ctx.answerCbQuery(t.groupOnlyPrivate(botLink(ctx))).catch(() => undefined);
      return;
    }
    if (!type || !ctx.message || !('text' in ctx.message)) return;
    const m = /^\/[A-Za-z0-9_]+(?:@(\w+))?/.exec(ctx.message.text);
    // A command for another bot in the group is not ours to answer.
    if (!m || (m[1] && m[1].toLowerCase() !== ctx.botInfo?.username?.toLowerCase())) return;
    await ctx.reply(t.groupOnlyPrivate(botLink(ctx)));
  };
}

/** Past the per-minute limit: one polite line, then nothing until the window has passed. */
export function rateLimited(limiter: WindowLimiter, deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    if (!from || from.is_bot) return;
    const { verdict } = await limiter.hit(from.id);
    if (verdict === 'ok') return next();
    if (verdict === 'silent') {
      if (ctx.callbackQuery) await ctx.answerCbQuery().catch(() => undefined);
      return;
    }
    deps.logger.warn({ from: from.id }, 'rate limit reached');
    const t = texts(languageOf(from, deps.config.DEFAULT_LANGUAGE));
    if (ctx.callbackQuery) await ctx.answerCbQuery(t.rateLimited).catch(() => undefined);
    else if (ctx.chat) await ctx.reply(t.rateLimited);
  };
}

/**
 * Finds the sender's Person (name and username follow Telegram). Only an ADMIN_IDS id, or anyone when
 * REGISTRATION=open, is created here; for anyone else `ctx.person` stays unset and the gate takes over.
 */
export function identify(deps: BotDeps): MiddlewareFn<BotContext> {
  const { config } = deps;
  return async (ctx, next) => {
    const from = ctx.from;
    if (!from || from.is_bot) return;
    const input = registerInput(from);
    let person = await findPerson(input, config.ADMIN_IDS);
    // An invite is read before anyone is registered, in every mode: a person invite links this account to
    // the person an admin made, and an invite's use is counted (the gate below redeems it).
    const invite = !person && inviteCodeOf(ctx) !== undefined;
    if (!person && !invite && (config.ADMIN_IDS.includes(from.id) || config.REGISTRATION === 'open')) {
      person = await registerPerson(input, defaultsFor(ctx, deps, 'member'));
    }
    if (person) ctx.person = person;
    ctx.t = texts(person?.language ?? languageOf(from, config.DEFAULT_LANGUAGE));
    return next();
  };
}

function defaultsFor(ctx: BotContext, deps: BotDeps, role: 'member' | 'pending'): RegisterDefaults {
  return {
    adminIds: deps.config.ADMIN_IDS,
    defaultTimezone: deps.config.DEFAULT_TIMEZONE,
    defaultLanguage: languageOf(ctx.from, deps.config.DEFAULT_LANGUAGE),
    role,
  };
}

export interface GateOptions {
  /** Called once someone became a member through an invite (after the welcome). */
  onJoined?: (person: PersonDoc) => Promise<void>;
  /** Told of each new join request: the admins hear of it after the handler (src/bot/join-notices.ts). */
  joinNotices?: JoinNotices;
}

/** Members and admins pass; anyone else gets the one answer of their situation and nothing else. */
export function membersOnly(deps: BotDeps, opts: GateOptions = {}): MiddlewareFn<BotContext> {
  const { config, logger } = deps;

  return async (ctx, next) => {
    const person = ctx.person as PersonDoc | undefined;
    if (person && isMemberRole(person.role)) return next();
    const t = ctx.t;
    if (ctx.callbackQuery) {
      await ctx.answerCbQuery(t.joinShort).catch(() => undefined);
      return;
    }
    // Only a message gets the answer (not an edit, not "the bot was blocked", nothing without a chat).
    if (!ctx.chat || !ctx.from || !ctx.message) return;
    const text = 'text' in ctx.message ? ctx.message.text : '';
    const start = START.exec(text);
    if (start) {
      const input = registerInput(ctx.from);
      if (start[1]) {
        const r = await redeemInvite(start[1], input, defaultsFor(ctx, deps, 'member'));
        if (r.ok) {
          ctx.t = texts(r.person.language);
          logger.info({ person: r.person.telegramId }, 'joined with an invite link');
          await ctx.reply(`${ctx.t.joinedWelcome}\n\n${ctx.t.welcome(r.person.name)}`);
          await opts.onJoined?.(r.person);
          return;
        }
        if (!r.ok && r.removed) {
          await ctx.reply(t.removedCannotJoin);
          return;
        }
        if (config.REGISTRATION === 'open' || config.ADMIN_IDS.includes(ctx.from.id)) {
          // A used-up or unknown invite changes nothing where anyone may join: registered as usual.
          ctx.person = await registerPerson(input, defaultsFor(ctx, deps, 'member'));
          ctx.t = texts(ctx.person.language);
          return next();
        }
      } else if (config.REGISTRATION === 'request') {
        // A stranger's request is a message to every admin: new ones are counted, per hour, for the deployment.
        if (!person && !(await joinRequestAllowed(config, deps.now))) {
          logger.warn({ telegramId: ctx.from.id }, 'join request refused: too many this hour (JOIN_REQUESTS_PER_HOUR)');
          await ctx.reply(t.joinRequestsBusy);
          return;
        }
        const r = await requestToJoin(input, defaultsFor(ctx, deps, 'pending'), config.REGISTRATION);
        if (r.kind === 'requested') {
          opts.joinNotices?.requested();
          await ctx.reply(t.joinRequested);
          return;
        }
        if (r.kind === 'waiting') {
          await ctx.reply(t.joinWaiting);
          return;
        }
      }
    }
    await ctx.reply(person?.role === 'pending' ? t.joinWaiting : t.howToJoin(config.REGISTRATION));
  };
}
