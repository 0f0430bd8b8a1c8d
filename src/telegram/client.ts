/**
 * The one Bot API client of taskwatch: telegraf's `Telegram` with every message paced by the deployment's
 * budget (src/telegram/budget.ts) and every 429 honoured: it waits Telegram's `retry_after` and sends the
 * same request again, within a bound; past it, it throws {@link TelegramWaitError} and has sent nothing.
 *
 * The bot uses it for everything it sends (its context's client, see {@link pacedContext}; admin notices
 * through `bot.telegram`) in the reply lane; the Telegram channel uses it for notifications.
 *
 * Why our own and not a library: telegraf has no retry of its own, `telegraf-throttler` (bottleneck inside)
 * and grammY's `auto-retry`/`transformer-throttler` pace one process only (bottleneck clusters through
 * Redis only), and the budget must hold for the bot and every worker together on MongoDB or FerretDB, where
 * a unique insert is the one exact arbiter (see shared NOTES on `rate-limiter-flexible`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context, Telegram } from 'telegraf';
import type { Opts, Telegram as Methods, Update, UserFromGetMe } from 'telegraf/types';
import { TelegramWaitError, type Lane, type TelegramBudget } from './budget.js';

/** Methods that put a message into a chat: they draw on the budget (Telegram's flood limits count them). */
export const MESSAGE_METHODS: ReadonlySet<string> = new Set([
  'sendMessage',
  'editMessageText',
  'editMessageReplyMarkup',
  'editMessageCaption',
  'sendPhoto',
  'sendDocument',
  'copyMessage',
  'forwardMessage',
]);

export interface Pacing {
  /** The deployment's budget; without one, calls are not paced (429s are still honoured). */
  budget?: TelegramBudget;
  lane: Lane;
  /** Longest a message waits for its turn or for a 429's retry_after, in ms. */
  maxWaitMs: number;
  /** Times one request is sent again after a 429. @defaultValue 3 */
  retries?: number;
  /** Timeout of one message request, in ms (not of getUpdates, which long-polls); none by default. */
  timeoutMs?: number;
  /** Told when a call starts and how it ended (readiness of polling, send times, 429s). */
  observe?: {
    start?(method: string): void;
    end?(method: string, seconds: number, error?: unknown): void;
  };
  /** Told when the budget cannot be reached (the database is down): the message goes unpaced. */
  onBudgetError?(err: unknown): void;
}

/** Telegram's `retry_after` of a 429, in ms (1 s when it names none), or undefined for any other error. */
export function retryAfterMs(err: unknown): number | undefined {
  const response = (err as { response?: { error_code?: unknown; parameters?: { retry_after?: unknown } } } | null)?.response;
  if (response?.error_code !== 429) return undefined;
  const after = response.parameters?.retry_after;
  return typeof after === 'number' && after >= 0 ? after * 1000 : 1000;
}

/** telegraf types its signal with the abort-controller polyfill; Node's own AbortSignal is what it gets. */
export type ApiSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];

function chatOf(payload: unknown): string | undefined {
  const id = (payload as { chat_id?: unknown } | undefined)?.chat_id;
  return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
}

export class PacedTelegram extends Telegram {
  constructor(
    token: string,
    options: Partial<Telegram['options']>,
    private readonly pacing: Pacing,
  ) {
    super(token, options);
  }

  override async callApi<M extends keyof Methods>(
    method: M,
    payload: Opts<M>,
    opts: { signal?: ApiSignal } = {},
  ): Promise<ReturnType<Methods[M]>> {
    const { budget, lane, maxWaitMs, observe, timeoutMs } = this.pacing;
    const retries = Math.max(0, this.pacing.retries ?? 3);
    const counted = MESSAGE_METHODS.has(method);
    const deadline = Date.now() + maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      if (counted && budget) {
        try {
          await budget.turn(chatOf(payload), lane, Math.max(0, deadline - Date.now()));
        } catch (err) {
          if (err instanceof TelegramWaitError) throw err;
          this.pacing.onBudgetError?.(err);
        }
      }
      observe?.start?.(method);
      const started = performance.now();
      try {
        const signal = opts.signal ?? (counted && timeoutMs ? (AbortSignal.timeout(timeoutMs) as unknown as ApiSignal) : undefined);
        const answer = await super.callApi(method, payload, signal ? { signal } : {});
        observe?.end?.(method, (performance.now() - started) / 1000);
        return answer;
      } catch (err) {
        observe?.end?.(method, (performance.now() - started) / 1000, err);
        const wait = retryAfterMs(err);
        // getUpdates is telegraf's polling loop's own: it waits out a 429 itself and must see Telegram's error.
        if (wait === undefined || method === 'getUpdates') throw err;
        await budget?.hold(Date.now() + wait).catch((e: unknown) => this.pacing.onBudgetError?.(e));
        const description = (err as { response?: { description?: string } }).response?.description;
        if (attempt >= retries || Date.now() + wait > deadline) throw new TelegramWaitError(wait, description);
        await sleep(wait);
      }
    }
  }
}

/**
 * A telegraf context class whose `ctx.telegram` is paced: telegraf makes a plain client for each update
 * (`contextType` is its documented way to shape the context), and this one wraps it before any handler runs.
 */
export function pacedContext<C extends Context>(pacing: Pacing): new (update: Update, telegram: Telegram, botInfo: UserFromGetMe) => C {
  return class PacedContext extends Context {
    constructor(update: Update, telegram: Telegram, botInfo: UserFromGetMe) {
      super(update, new PacedTelegram(telegram.token, telegram.options, pacing), botInfo);
    }
  } as unknown as new (update: Update, telegram: Telegram, botInfo: UserFromGetMe) => C;
}
