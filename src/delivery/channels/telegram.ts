/**
 * The Telegram channel: messages through the Bot API (the paced client of src/telegram/) with their styles
 * as `entities`, in the notification lane of the deployment's Telegram budget, with "open", "stop watching", "channels" and "comment" buttons when the
 * message is about a task.
 */
import { TelegramError } from 'telegraf';
import { memorySlots, type SlotStore } from '../../db/slots.js';
import { TelegramBudget, TelegramWaitError, budgetKey } from '../../telegram/budget.js';
import { PacedTelegram, retryAfterMs, type ApiSignal } from '../../telegram/client.js';
import type { InlineKeyboardButton } from 'telegraf/types';
import { scrub, type Logger } from '../../logger.js';
import { clip, TELEGRAM_MAX_LENGTH } from '../../domain/text.js';
import {
  PermanentDeliveryError,
  TemporaryDeliveryError,
  type ChannelObserver,
  type ChannelSender,
  type OutgoingMessage,
  type Receipt,
} from './types.js';
import { callbackData } from '../../domain/callback-data.js';

export interface TelegramChannelOptions {
  token: string;
  /** Bot API base URL; tests point it at a double on loopback. @defaultValue 'https://api.telegram.org' */
  apiRoot?: string;
  /** Messages a second for the bot token, all chats and (with database slots) all processes together; a sixth are kept for the bot's replies. @defaultValue 30 */
  perSecond?: number;
  /** Least time between two messages to one chat, in ms. @defaultValue 1000 */
  perChatIntervalMs?: number;
  /** Timeout of one API call, in ms. @defaultValue 10_000 */
  timeoutMs?: number;
  /**
   * Times one message is sent again after a 429, once Telegram's `retry_after` has passed.
   * @defaultValue 3
   */
  rateLimitRetries?: number;
  /**
   * Longest a message waits, in ms: for its turn in the budget and for 429s' `retry_after` together. A
   * longer wait (a flood wait) fails the message, and every one after it while the wait lasts, with a
   * temporary error carrying the wait, so the engine tries them in a later run (a run does not stall on
   * it). @defaultValue 5_000
   */
  maxRateLimitWaitMs?: number;
  /**
   * Where the Telegram budget's slots live: the database, so that the bot and every worker keep one budget
   * (src/telegram/budget.ts). @defaultValue this process's memory
   */
  slots?: SlotStore;
  /** Told of each API call's time and of each 429. */
  observer?: ChannelObserver;
  logger?: Logger;
}

function chatId(to: string): number | string {
  const s = to.trim();
  if (/^-?\d{1,16}$/.test(s) && Number.isSafeInteger(Number(s))) return Number(s);
  if (/^@\w{4,}$/.test(s)) return s;
  throw new PermanentDeliveryError(`Bad Telegram chat id "${scrub(s).slice(0, 40)}"`, 'address');
}

const ADDRESS_400 =
  /chat not found|user not found|peer_id_invalid|chat_id is empty|user is deactivated|bot was kicked|have no rights to send|not enough rights/i;

/** Turns what telegraf threw into the delivery error that carries the retry decision. */
export function classifyTelegramError(err: unknown): TemporaryDeliveryError | PermanentDeliveryError {
  if (err instanceof TemporaryDeliveryError || err instanceof PermanentDeliveryError) return err;
  if (err instanceof TelegramWaitError) {
    return new TemporaryDeliveryError(`Telegram 429: Too Many Requests, asked to wait ${Math.ceil(err.waitMs / 1000)} s`, err.waitMs);
  }
  const isTelegramError =
    err instanceof TelegramError ||
    (typeof err === 'object' && err !== null && typeof (err as { response?: { error_code?: unknown } }).response?.error_code === 'number');
  if (isTelegramError) {
    const e = err as TelegramError;
    const code = e.response.error_code;
    const description = scrub(String(e.response.description ?? ''));
    const message = `Telegram ${code}: ${description}`;
    const params = e.response.parameters;
    if (code === 429) return new TemporaryDeliveryError(message, retryAfterMs(err));
    if (code === 403) return new PermanentDeliveryError(message, 'address', String(code));
    if (code === 401) return new PermanentDeliveryError(message, 'auth', String(code));
    if (code === 404) return new PermanentDeliveryError(message, 'config', String(code));
    if (code === 400) {
      if (params?.migrate_to_chat_id !== undefined) {
        return new PermanentDeliveryError(`${message} (the chat is now ${params.migrate_to_chat_id})`, 'address', String(code));
      }
      return new PermanentDeliveryError(message, ADDRESS_400.test(description) ? 'address' : 'other', String(code));
    }
    if (code >= 500 || code === 420) return new TemporaryDeliveryError(message);
    return new PermanentDeliveryError(message, 'other', String(code));
  }
  // Network errors (node-fetch FetchError, ECONNREFUSED, ECONNRESET) and our own timeout.
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  const what = e?.name === 'AbortError' ? 'request timed out' : scrub(String(e?.message ?? err));
  return new TemporaryDeliveryError(`Telegram API unreachable: ${what}`);
}

/** Most "open" buttons under a digest: one per task, four a row. */
const MAX_OPEN_BUTTONS = 20;

/**
 * The buttons under a notification: about one task, open it, stop watching it, pick its channels, comment on
 * it; under a digest of several tasks, open each (a reply to a digest asks which task it is for); above them
 * "👍 Seen" of the tasks whose SMS waits for escalation.
 */
function buttonsOf(msg: OutgoingMessage): InlineKeyboardButton.CallbackButton[][] | undefined {
  const rows = taskButtonsOf(msg) ?? [];
  // Seen first: it is what the person is asked to press.
  const seen = (msg.seenTasks ?? []).filter((t) => Number.isInteger(t)).slice(0, 4);
  if (seen.length) {
    const label = msg.seenLabel ?? '👍';
    rows.unshift(seen.map((t) => ({ text: seen.length === 1 ? label : `👍 #${t}`, callback_data: callbackData.seen(t) })));
  }
  return rows.length ? rows : undefined;
}

function taskButtonsOf(msg: OutgoingMessage): InlineKeyboardButton.CallbackButton[][] | undefined {
  const n = msg.taskNumber;
  if (n !== undefined && Number.isInteger(n)) {
    return [
      [
        { text: `📋 #${n}`, callback_data: callbackData.taskView(n) },
        { text: `🔕 #${n}`, callback_data: callbackData.unwatch(n) },
        { text: `⚙️ #${n}`, callback_data: callbackData.channels(n) },
        { text: `💬 #${n}`, callback_data: callbackData.reply(n) },
      ],
    ];
  }
  const open = (msg.taskNumbers ?? []).filter((t) => Number.isInteger(t)).slice(0, MAX_OPEN_BUTTONS);
  if (open.length === 0) return undefined;
  const rows: InlineKeyboardButton.CallbackButton[][] = [];
  for (let i = 0; i < open.length; i += 4) {
    rows.push(open.slice(i, i + 4).map((t) => ({ text: `📋 #${t}`, callback_data: callbackData.taskView(t) })));
  }
  return rows;
}

/**
 * The bot's @username, asked of Telegram once per token (getMe) and remembered; undefined when Telegram
 * cannot be asked now (the next call asks again).
 */
const usernames = new Map<string, string>();

export interface TelegramChannel extends ChannelSender {
  /** The bot's @username (without the @), for t.me links; undefined when Telegram cannot say now. */
  botUsername(): Promise<string | undefined>;
  close(): void;
}

export function createTelegramChannel(opts: TelegramChannelOptions): TelegramChannel {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const { logger, observer } = opts;
  const budget = new TelegramBudget(budgetKey(opts.token), opts.slots ?? memorySlots(), {
    perSecond: opts.perSecond ?? 30,
    perChatMs: opts.perChatIntervalMs ?? 1000,
  });
  const telegram = new PacedTelegram(opts.token, opts.apiRoot ? { apiRoot: opts.apiRoot } : {}, {
    budget,
    lane: 'notification',
    maxWaitMs: Math.max(0, opts.maxRateLimitWaitMs ?? 5_000),
    retries: opts.rateLimitRetries ?? 3,
    timeoutMs,
    observe: {
      end(method, seconds, err) {
        if (method !== 'sendMessage') return;
        observer?.sendTime('telegram', seconds, err === undefined);
        const wait = retryAfterMs(err);
        if (wait === undefined) return;
        observer?.telegramRateLimited();
        logger?.info({ retryAfterMs: wait }, 'telegram 429: waiting as asked, then sending again');
      },
    },
    onBudgetError: (err) => logger?.debug({ err }, 'the shared Telegram budget cannot be reached; sending unpaced'),
  });
  let closed = false;

  return {
    async send(msg: OutgoingMessage): Promise<Receipt> {
      if (closed) throw new TemporaryDeliveryError('Telegram channel is closed');
      const chat = chatId(msg.to);
      const text = clip(msg.text, TELEGRAM_MAX_LENGTH);
      if (!text.trim()) throw new PermanentDeliveryError('Telegram message is empty', 'other');
      // A clipped text keeps only the styles wholly inside what is left (the composer never needs clipping).
      const entities = (msg.entities ?? []).filter((e) => e.offset + e.length <= (text === msg.text ? text.length : text.length - 1));
      const keyboard = buttonsOf(msg);
      const extra = { ...(entities.length ? { entities } : {}), ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}) };
      try {
        const sent = await telegram.sendMessage(chat, text, { link_preview_options: { is_disabled: true }, ...extra });
        logger?.debug({ chat, messageId: sent.message_id }, 'telegram message sent');
        return { providerMessageId: String(sent.message_id) };
      } catch (err) {
        const classified = classifyTelegramError(err);
        logger?.warn({ chat, kind: classified.name, cause: classified.failureCause }, `telegram message not sent: ${classified.message}`);
        throw classified;
      }
    },

    async botUsername(): Promise<string | undefined> {
      const known = usernames.get(opts.token);
      if (known) return known;
      try {
        const me = await telegram.callApi('getMe', {}, { signal: AbortSignal.timeout(Math.min(timeoutMs, 3000)) as unknown as ApiSignal });
        if (me.username) usernames.set(opts.token, me.username);
        return me.username;
      } catch (err) {
        logger?.warn(`could not ask Telegram for the bot's username: ${classifyTelegramError(err).message}`);
        return undefined;
      }
    },

    close(): void {
      closed = true;
    },
  };
}
