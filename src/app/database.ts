/**
 * The database side of every role: open it (MONGODB_URI or the embedded one), create the indexes, check
 * that SECRET_KEY opens the stored secrets, and watch it, so that after an outage the admins hear of it.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets.js';
import { ensureIndexes, openDatabase } from '../db/connection.js';
import { checkSecretKey } from '../db/key-check.js';
import { DatabaseWatch } from '../db/db-watch.js';
import { databaseSlots } from '../db/slots.js';
import { reportOutage } from '../delivery/outage-alert.js';
import { createTelegramChannel } from '../delivery/channels/telegram.js';
import type { Running } from './shutdown.js';

/** Opens the database into `running.db` and starts its watch into `running.watch`. */
export async function openAndWatchDatabase(config: Config, logger: Logger, secrets: SecretBox, running: Running): Promise<void> {
  running.db = await openDatabase({ uri: config.MONGODB_URI, dataDir: config.DATA_DIR }, logger);
  await ensureIndexes();
  await checkSecretKey(secrets);
  // Every process watches the database and, after an outage, takes part in choosing the one that tells
  // the admins (src/delivery/outage-alert.ts); any of them can send Telegram with the bot token.
  const alertSender = config.BOT_TOKEN
    ? createTelegramChannel({
        token: config.BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        timeoutMs: config.HTTP_TIMEOUT_MS,
        slots: databaseSlots,
        logger,
      })
    : undefined;
  running.watch = new DatabaseWatch({
    logger,
    reportEveryMs: config.DB_OUTAGE_LOG_SECONDS * 1000,
    onRecovered: async (outage) => {
      await reportOutage(outage, alertSender, logger);
    },
  });
  running.watch.start();
}
