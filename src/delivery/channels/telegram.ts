/**
 * The Telegram channel: messages through the Bot API (telegraf's client) with their styles as `entities`,
 * paced to Telegram's limits, with "open", "stop watching" and "channels" buttons when the message is
 * about a task.
 */
import { Telegram, TelegramError } from 'telegraf';
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
  /** Messages a second, all chats together. @defaultValue 30 */
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
   * Longest `retry_after` the channel waits out itself, in ms. A longer one (a flood wait) fails the message
   * and every one waiting with a temporary error carrying the wait, so the engine tries them in a later run
   * (a run does not stall on it). @defaultValue 5_000
   */
  maxRateLimitWaitMs?: number;
  /** Told of each API call's time and of each 429. */
  observer?: ChannelObserver;
  logger?: Logger;
}

/** telegraf types its signal with the abort-controller polyfill; Node's own AbortSignal is what it gets. */
type ApiSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];

/**
 * Paces sends: at most `perSecond` in any second overall, and to each chat one at a time, at least
 * `perChatMs` apart (so a chat gets its messages in order). Delays, never drops; a chat waiting for its
 * turn does not hold up other chats. After a 429 every chat waits until Telegram's `retry_after` has
 * passed ({@link hold}): Telegram does not say whether the bot's or the chat's limit was hit.
 */
class SendPacer {
  private readonly queue: Array<{ chat: string; resolve: (release: () => void) => void; reject: (e: Error) => void }> = [];
  private readonly recent: number[] = [];
  private readonly chatNext = new Map<string, number>();
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private holdUntil = 0;

  constructor(
    private readonly perSecond: number,
    private readonly perChatMs: number,
    /** Longest hold a send waits out; beyond it, sends fail at once with the remaining wait. */
    private readonly maxHoldMs: number,
  ) {}

  /** Resolves when a message to `chat` may go out, with the function to call once it has. */
  turn(chat: string): Promise<() => void> {
    const tooLong = this.tooLong();
    if (tooLong) return Promise.reject(tooLong);
    return new Promise((resolve, reject) => {
      this.queue.push({ chat, resolve, reject });
      this.pump();
    });
  }

  /** No message goes out before `until` (ms since the epoch); a hold longer than allowed fails those waiting. */
  hold(until: number): void {
    this.holdUntil = Math.max(this.holdUntil, until);
    const tooLong = this.tooLong();
    if (tooLong) for (const job of this.queue.splice(0)) job.reject(tooLong);
    this.pump();
  }

  private tooLong(): TemporaryDeliveryError | undefined {
    const wait = this.holdUntil - Date.now();
    if (wait <= this.maxHoldMs) return undefined;
    return new TemporaryDeliveryError(`Telegram 429: Too Many Requests, asked to wait ${Math.ceil(wait / 1000)} s`, wait);
  }

  /** Rejects every waiting send. */
  stop(error: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const job of this.queue.splice(0)) job.reject(error);
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    if (now < this.holdUntil) {
      if (this.queue.length > 0) this.timer = setTimeout(() => this.pump(), this.holdUntil - now);
      return;
    }
    while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.queue.length && this.recent.length < this.perSecond;) {
      const job = this.queue[i]!;
      const ready = this.chatNext.get(job.chat) ?? 0;
      if (!this.busy.has(job.chat) && ready <= now) {
        this.queue.splice(i, 1);
        this.recent.push(now);
        this.busy.add(job.chat);
        this.chatNext.set(job.chat, now + this.perChatMs);
        let released = false;
        job.resolve(() => {
          if (released) return;
          released = true;
          this.busy.delete(job.chat);
          this.pump();
        });
      } else {
        // A busy chat is woken by its release.
        if (!this.busy.has(job.chat)) wakeAt = Math.min(wakeAt, ready);
        i++;
      }
    }
    if (this.chatNext.size > 10_000) {
      for (const [chat, t] of this.chatNext) if (t <= now && !this.busy.has(chat)) this.chatNext.delete(chat);
    }
    if (this.queue.length === 0) return;
    if (this.recent.length >= this.perSecond) wakeAt = Math.min(wakeAt, this.recent[0]! + 1000);
    if (wakeAt !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.pump(), Math.max(1, wakeAt - now));
  }
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
  const isTelegramError =
    err instanceof TelegramError ||
    (typeof err === 'object' && err !== null && typeof (err as { response?: { error_code?: unknown } }).response?.error_code === 'number');
  if (isTelegramError) {
    const e = err as TelegramError;
    const code = e.response.error_code;
    const description = scrub(String(e.response.description ?? ''));
    const message = `Telegram ${code}: ${description}`;
    const params = e.response.parameters;
    if (code === 429) {
      const after = params?.retry_after;
      return new TemporaryDeliveryError(message, typeof after === 'number' ? after * 1000 : undefined);
    }
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
 * The buttons under a notification: about one task, open it, stop watching it, pick its channels; under a
 * digest of several tasks, open each.
 */
function buttonsOf(msg: OutgoingMessage): InlineKeyboardButton.CallbackButton[][] | undefined {
  const n = msg.taskNumber;
  if (n !== undefined && Number.isInteger(n)) {
    return [
      [
        { text: `📋 #${n}`, callback_data: callbackData.taskView(n) },
        { text: `🔕 #${n}`, callback_data: callbackData.unwatch(n) },
        { text: `⚙️ #${n}`, callback_data: callbackData.channels(n) },
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

/** Telegram's `retry_after` of a 429, in ms (1 s when it names none), or undefined for any other error. */
function rateLimitWait(err: unknown): number | undefined {
  const response = (err as { response?: { error_code?: unknown; parameters?: { retry_after?: unknown } } } | null)?.response;
  if (response?.error_code !== 429) return undefined;
  const after = response.parameters?.retry_after;
  return typeof after === 'number' && after >= 0 ? after * 1000 : 1000;
}

export function createTelegramChannel(opts: TelegramChannelOptions): TelegramChannel {
  const telegram = new Telegram(opts.token, opts.apiRoot ? { apiRoot: opts.apiRoot } : {});
  const maxWaitMs = Math.max(0, opts.maxRateLimitWaitMs ?? 5_000);
  const pacer = new SendPacer(Math.max(1, opts.perSecond ?? 30), Math.max(0, opts.perChatIntervalMs ?? 1000), maxWaitMs);
  const retries = Math.max(0, opts.rateLimitRetries ?? 3);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const { logger, observer } = opts;
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
      for (let attempt = 0; ; attempt++) {
        const release = await pacer.turn(String(chat));
        const started = performance.now();
        try {
          const sent = await telegram.callApi(
            'sendMessage',
            { chat_id: chat, text, link_preview_options: { is_disabled: true }, ...extra },
            { signal: AbortSignal.timeout(timeoutMs) as unknown as ApiSignal },
          );
          observer?.sendTime('telegram', (performance.now() - started) / 1000, true);
          logger?.debug({ chat, messageId: sent.message_id }, 'telegram message sent');
          return { providerMessageId: String(sent.message_id) };
        } catch (err) {
          observer?.sendTime('telegram', (performance.now() - started) / 1000, false);
          const wait = rateLimitWait(err);
          if (wait !== undefined) {
            // Honoured as Telegram asks: nothing goes out until retry_after has passed, then the same request again.
            observer?.telegramRateLimited();
            pacer.hold(Date.now() + wait);
            if (attempt < retries && wait <= maxWaitMs) {
              logger?.info({ chat, retryAfterMs: wait }, 'telegram 429: waiting as asked, then sending again');
              continue;
            }
          }
          const classified = classifyTelegramError(err);
          logger?.warn({ chat, kind: classified.name, cause: classified.failureCause }, `telegram message not sent: ${classified.message}`);
          throw classified;
        } finally {
          release();
        }
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
      pacer.stop(new TemporaryDeliveryError('Telegram channel is closed'));
    },
  };
}
