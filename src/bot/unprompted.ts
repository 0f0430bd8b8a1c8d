/**
 * Messages the bot sends on its own (to admins about a join request, to a person about the decision),
 * not as the reply to the message being handled. Telegram allows about one message a second per chat
 * and answers a burst with 429 and `retry_after`: such a message waits that long and goes again, up to
 * {@link MAX_WAIT_S} seconds in all; any other refusal is logged and dropped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Telegram } from 'telegraf';
import type { Logger } from '../logger.js';

/** The longest this waits for Telegram's `retry_after`, in seconds, over all tries. */
export const MAX_WAIT_S = 30;

type Extra = Parameters<Telegram['sendMessage']>[2];

function retryAfterOf(err: unknown): number | undefined {
  const e = err as { response?: { error_code?: number; parameters?: { retry_after?: number } } };
  return e?.response?.error_code === 429 ? (e.response.parameters?.retry_after ?? 1) : undefined;
}

/** Sends, honouring 429s; resolves whether it was sent, never rejects. */
export async function sendUnprompted(
  telegram: Telegram,
  chatId: number,
  text: string,
  extra: Extra,
  log: { logger: Logger; what: string },
): Promise<boolean> {
  let waited = 0;
  for (;;) {
    try {
      await telegram.sendMessage(chatId, text, extra);
      return true;
    } catch (err) {
      const wait = retryAfterOf(err);
      if (wait === undefined || waited + wait > MAX_WAIT_S) {
        log.logger.warn({ err, chatId }, `could not send ${log.what}`);
        return false;
      }
      waited += wait;
      await sleep(wait * 1000);
    }
  }
}
