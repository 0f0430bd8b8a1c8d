/**
 * taskwatch's entry point: `node dist/src/main.js [--role=all|bot|worker]`.
 * `all` (default) runs the bot and the delivery worker in one process; `bot` and `worker` run one each,
 * so that several workers can share one database. The parts are assembled in src/app/.
 */
import { createLogger } from './logger.js';
import { SecretBox } from './secrets.js';
import { createMetrics } from './http/metrics.js';
import { createDeliveryService } from './delivery/service.js';
import { readStartup, secretKeyOrExit } from './app/startup-config.js';
import { Shutdown } from './app/shutdown.js';
import { openAndWatchDatabase } from './app/database.js';
import { startWorker } from './app/worker-role.js';
import { serveHttp } from './app/http-role.js';
import type { StartedBot } from './app/bot-role.js';

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  const { role, config } = readStartup(argv, env);
  const logger = createLogger(config.LOG_LEVEL).child({ role });
  const secretKey = secretKeyOrExit(config, logger);
  const secrets = new SecretBox(secretKey);
  const metrics = createMetrics({ logger });
  const shutdown = new Shutdown(logger);
  const { running } = shutdown;
  shutdown.listen();

  try {
    await openAndWatchDatabase(config, logger, secrets, running);
    const watch = running.watch!;
    const scheduler =
      role === 'bot' ? undefined : await startWorker({ config, logger, mongoUri: running.db!.uri, secrets, metrics, watch, running });
    const delivery = createDeliveryService({
      ...(scheduler
        ? {
            kick: () => scheduler.kick(),
            onScheduleChanged: () => scheduler.applySchedule(),
            onTimesChanged: () => scheduler.applyTimedRuns(),
          }
        : {}),
    });
    let bot: StartedBot | undefined;
    if (role !== 'worker') {
      // Loaded only where the bot runs: a worker process never loads telegraf's bot side.
      const { startBot } = await import('./app/bot-role.js');
      const onPollingStopped = () => shutdown.stopLater('polling stopped', 1);
      bot = await startBot({ config, logger, secrets, secretKey, delivery, onPollingStopped });
      running.stopBot = bot.stop;
      if (config.REPLY_SMTP_PORT !== undefined && config.REPLY_DOMAIN) {
        const { startReplyIntake } = await import('./http/reply-intake.js');
        running.replyIntake = await startReplyIntake({
          host: config.REPLY_SMTP_HOST,
          port: config.REPLY_SMTP_PORT,
          domain: config.REPLY_DOMAIN,
          secrets,
          logger,
          timeoutMs: config.HTTP_TIMEOUT_MS,
        });
      }
    }
    running.http = await serveHttp({ config, logger, secrets, delivery, metrics, scheduler, bot });
  } catch (err) {
    await shutdown.failedToStart(err, config.MONGODB_URI);
  }
}

await main();
