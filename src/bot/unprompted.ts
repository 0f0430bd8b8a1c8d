/**
 * Messages the bot sends on its own (to admins about a join request, to a person about the decision),
 * not as the reply to the message being handled. Telegram's 429s are waited out by the paced client
 * (src/telegram/client.ts), the one place that decides such a retry; a message still refused (or whose wait
 * is longer than the client waits) is logged and dropped.
 */
import type { Telegram } from 'telegraf';
import type { Logger } from '../logger.js';

type Extra = Parameters<Telegram['sendMessage']>[2];

/** Sends; resolves whether it was sent, never rejects. */
export async function sendUnprompted(
  telegram: Telegram,
  chatId: number,
  text: string,
  extra: Extra,
  log: { logger: Logger; what: string },
): Promise<boolean> {
  try {
    await telegram.sendMessage(chatId, text, extra);
    return true;
  } catch (err) {
    log.logger.warn({ err, chatId }, `could not send ${log.what}`);
    return false;
  }
}
