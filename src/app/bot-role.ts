/**
 * The bot role: telegraf's bot, by webhook (served by the HTTP server) or long polling, and how it stops.
 * Loaded only where the bot runs: a worker process never loads telegraf's bot side.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { webhookSecretToken, type SecretBox } from '../secrets.js';
import type { DeliveryPort } from '../delivery/port.js';
import type { Readiness } from '../http/readiness.js';
import type { RequestHandler } from '../http/server.js';
import { createBot } from '../bot/create-bot.js';
import { watchPolling } from './polling-watch.js';

/** How long stopping waits for the bot's unfinished work (the /send result edits), in ms. */
const BACKGROUND_DRAIN_MS = 15_000;

export interface StartedBot {
  /** For the HTTP server, in webhook mode. */
  webhook?: { path: string; handler: RequestHandler; secretToken: string };
  readiness: () => Readiness;
  stop: () => Promise<void>;
}

export async function startBot(opts: {
  config: Config;
  logger: Logger;
  secrets: SecretBox;
  secretKey: string;
  delivery: DeliveryPort;
  /** Long polling stopped for good: the process should stop. */
  onPollingStopped: () => void;
}): Promise<StartedBot> {
  const { config, logger } = opts;
  const polling = watchPolling();
  const { bot, setCommands, background } = createBot({
    config,
    logger,
    secrets: opts.secrets,
    delivery: opts.delivery,
    observeApi: polling.observeApi,
  });
  // Fails at once, explained, when Telegram refuses the token (revoked or mistyped).
  bot.botInfo = await bot.telegram.getMe();
  const mode = config.TELEGRAM_WEBHOOK_URL ? 'webhook' : 'polling';
  await setCommands();
  let webhook: StartedBot['webhook'];
  if (config.TELEGRAM_WEBHOOK_URL) {
    // A path nobody can guess, derived from the token (the token itself never appears in it).
    const path = `/telegram/${createHash('sha256').update(config.BOT_TOKEN!).digest('hex').slice(0, 32)}`;
    const secretToken = webhookSecretToken(opts.secretKey);
    webhook = { path, handler: bot.webhookCallback(path), secretToken };
    await bot.telegram.setWebhook(new URL(path, config.TELEGRAM_WEBHOOK_URL).toString(), { secret_token: secretToken });
    logger.info('bot started (webhook)');
  } else {
    await bot.telegram.deleteWebhook().catch((err: unknown) => logger.warn({ err }, 'deleteWebhook failed'));
    bot
      .launch({ dropPendingUpdates: false }, () => logger.info({ bot: bot.botInfo?.username }, 'bot started (long polling)'))
      .catch((err: unknown) => {
        logger.fatal({ err }, 'the bot stopped polling');
        opts.onPollingStopped();
      });
  }
  return {
    ...(webhook ? { webhook } : {}),
    readiness: () => polling.readiness(mode),
    stop: async () => {
      try {
        bot.stop('shutdown');
      } catch {
        // not running (webhook mode)
      }
      // The "sending…" messages of runs still going get their result (the worker finishes its run first).
      const left = await background.drain(BACKGROUND_DRAIN_MS);
      if (left > 0) logger.warn({ left }, 'stopped without editing the result of some /send messages');
    },
  };
}
