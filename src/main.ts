/**
 * taskwatch's entry point: `node dist/src/main.js [--role=all|bot|worker]`.
 * `all` (default) runs the bot and the delivery worker in one process; `bot` and `worker` run one each,
 * so that several workers can share one database.
 */
import { hookSecretsFrom } from './http/api/hooks.js';
import { createHash } from 'node:crypto';
import { BOT_TOKEN_HINT, ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { SecretBox, loadOrCreateKeyFile, webhookSecretToken } from './secrets.js';
import { ensureIndexes, isDatabaseUp, openDatabase, type Database } from './db/connection.js';
import { startHttpServer, type HttpServer, type RequestHandler } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { Scheduler } from './scheduler/scheduler.js';
import { createDeliveryService } from './delivery/service.js';
import { explainStartupError } from './startup-errors.js';
import { checkSecretKey } from './db/key-check.js';
import { DatabaseWatch, isConnectivityError } from './db/db-watch.js';
import { reportOutage } from './delivery/outage-alert.js';
import { createTelegramChannel } from './delivery/channels/telegram.js';
import { databaseSlots } from './db/slots.js';
import { pollingReadiness, type PollingState, type Readiness } from './http/readiness.js';

/** How long stopping waits for the bot's unfinished work (the /send result edits), in ms. */
const BACKGROUND_DRAIN_MS = 15_000;
/** Long polling counts as stopped when getUpdates has not answered for this long (telegraf's long poll is 50 s), in ms. */
const POLLING_STALE_MS = 90_000;

export type Role = 'all' | 'bot' | 'worker';

export function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith('--role='));
  const role = arg?.slice('--role='.length) ?? process.env.TASKWATCH_ROLE ?? 'all';
  if (role !== 'all' && role !== 'bot' && role !== 'worker') {
    throw new ConfigError([`--role must be all, bot or worker (got "${role}")`]);
  }
  return role;
}

/** The key that encrypts stored secrets: SECRET_KEY, or with the embedded default a generated key file. */
function resolveSecretKey(config: Config, logger: Logger): string {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  if (config.MONGODB_URI) {
    throw new ConfigError([
      'SECRET_KEY is not set. It encrypts the SMTP password and SMS keys in the database; every process ' +
        'of one installation needs the same value. Generate one with: openssl rand -hex 32',
    ]);
  }
  const { key, created } = loadOrCreateKeyFile(config.DATA_DIR);
  logger.info(
    { file: `${config.DATA_DIR}/secret.key` },
    created
      ? 'SECRET_KEY is not set: generated a key for the embedded database (keep this file; set SECRET_KEY for a real deployment)'
      : 'SECRET_KEY is not set: using the key file of the embedded database',
  );
  return key;
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  let config: Config;
  let role: Role;
  try {
    role = parseRole(argv);
    config = loadConfig(env);
    if (role !== 'worker' && !config.BOT_TOKEN) throw new ConfigError([BOT_TOKEN_HINT]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`taskwatch: ${err.problems.length === 1 ? err.problems[0] : err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL).child({ role });

  let secretKey: string;
  try {
    secretKey = resolveSecretKey(config, logger);
  } catch (err) {
    process.stderr.write(`taskwatch: ${err instanceof ConfigError ? err.problems[0] : (err as Error).message}\n`);
    process.exit(2);
  }
  const secrets = new SecretBox(secretKey);
  const metrics = createMetrics({ logger });

  let db: Database | undefined;
  let http: HttpServer | undefined;
  let scheduler: Scheduler | undefined;
  let stopBot: (() => Promise<void>) | undefined;
  let watch: DatabaseWatch | undefined;
  let stopping = false;

  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work, letting the running dispatch finish');
    try {
      watch?.stop();
      const botStopped = stopBot?.();
      await scheduler?.stop();
      await botStopped;
      await http?.close();
      await db?.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      code = code || 1;
    }
    process.exit(code);
  };
  // shutdown handles its own errors and exits; the catch only keeps a rejection from going unhandled.
  const onSignal = (signal: string) => () => {
    shutdown(signal).catch((err: unknown) => logger.error({ err }, 'shutdown failed'));
  };
  process.on('SIGTERM', onSignal('SIGTERM'));
  process.on('SIGINT', onSignal('SIGINT'));
  // A promise nobody waited for must not end a process that serves others; during a database outage such a
  // failure is the outage's, which the watch logs in one line per phase.
  process.on('unhandledRejection', (err: unknown) => {
    if (isConnectivityError(err) && watch && !watch.up) logger.debug({ err }, 'unhandled rejection during the database outage');
    else logger.error({ err }, 'unhandled rejection');
  });

  try {
    db = await openDatabase({ uri: config.MONGODB_URI, dataDir: config.DATA_DIR }, logger);
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
    watch = new DatabaseWatch({
      logger,
      reportEveryMs: config.DB_OUTAGE_LOG_SECONDS * 1000,
      onRecovered: async (outage) => {
        await reportOutage(outage, alertSender, logger);
      },
    });
    watch.start();
    const dbWatch = watch;

    if (role !== 'bot') {
      scheduler = new Scheduler({
        config,
        logger,
        mongoUri: db.uri,
        secretKey,
        pollMs: config.RUN_POLL_MS,
        retentionDays: config.DELIVERY_RETENTION_DAYS,
        onMetrics: (delta) => metrics.apply(delta),
        databaseUp: () => dbWatch.up,
      });
      await scheduler.start();
      logger.info('delivery worker started');
    }

    const delivery = createDeliveryService({
      ...(scheduler ? { kick: () => scheduler!.kick(), onScheduleChanged: () => scheduler!.applySchedule() } : {}),
    });

    let webhook: { path: string; handler: RequestHandler; secretToken: string } | undefined;
    let botReadiness: (() => Readiness) | undefined;
    if (role !== 'worker') {
      // Loaded only where the bot runs: a worker process never loads telegraf's bot side.
      const { createBot } = await import('./bot/create-bot.js');
      // Readiness of long polling: when getUpdates last answered (telegraf's polling loop calls it).
      const polling: PollingState = { waitingSince: 0, answeredAt: 0 };
      const observeApi = {
        start(method: string) {
          if (method !== 'getUpdates') return;
          // A new request (telegraf retries a failed one after a pause) is a new chance: the failure is past.
          polling.waitingSince = Date.now();
          polling.lastError = undefined;
        },
        end(method: string, _seconds: number, err?: unknown) {
          if (method !== 'getUpdates') return;
          polling.waitingSince = 0;
          if (err === undefined) polling.answeredAt = Date.now();
          else polling.lastError = err instanceof Error ? err.message : JSON.stringify(err);
        },
      };
      const { bot, setCommands, background } = createBot({ config, logger, secrets, delivery, observeApi });
      // Fails at once, explained, when Telegram refuses the token (revoked or mistyped).
      bot.botInfo = await bot.telegram.getMe();
      const mode = config.TELEGRAM_WEBHOOK_URL ? 'webhook' : 'polling';
      botReadiness = () => pollingReadiness(mode, polling, POLLING_STALE_MS);
      await setCommands();
      if (config.TELEGRAM_WEBHOOK_URL) {
        // A path nobody can guess, derived from the token (the token itself never appears in it).
        const path = `/telegram/${createHash('sha256').update(config.BOT_TOKEN!).digest('hex').slice(0, 32)}`;
        const secretToken = webhookSecretToken(secretKey);
        webhook = { path, handler: bot.webhookCallback(path), secretToken };
        await bot.telegram.setWebhook(new URL(path, config.TELEGRAM_WEBHOOK_URL).toString(), { secret_token: secretToken });
        logger.info('bot started (webhook)');
      } else {
        await bot.telegram.deleteWebhook().catch((err: unknown) => logger.warn({ err }, 'deleteWebhook failed'));
        bot
          .launch({ dropPendingUpdates: false }, () => logger.info({ bot: bot.botInfo?.username }, 'bot started (long polling)'))
          .catch((err: unknown) => {
            logger.fatal({ err }, 'the bot stopped polling');
            shutdown('polling stopped', 1).catch((e: unknown) => logger.error({ err: e }, 'shutdown failed'));
          });
      }
      stopBot = async () => {
        try {
          bot.stop('shutdown');
        } catch {
          // not running (webhook mode)
        }
        // The "sending…" messages of runs still going get their result (the worker finishes its run first).
        const left = await background.drain(BACKGROUND_DRAIN_MS);
        if (left > 0) logger.warn({ left }, 'stopped without editing the result of some /send messages');
      };
    }

    http = await startHttpServer({
      port: config.HTTP_PORT,
      logger,
      readiness: {
        database: isDatabaseUp,
        ...(scheduler ? { worker: () => scheduler!.readiness(config.DISPATCH_HEARTBEAT_MS) } : {}),
        ...(botReadiness ? { bot: botReadiness } : {}),
      },
      ...(webhook ? { webhook } : {}),
      ...(config.PUBLIC_URL ? { unsubscribe: { secrets } } : {}),
      ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
      api: {
        logger,
        delivery,
        ratePerMinute: config.API_RATE_LIMIT_PER_MINUTE,
        defaultTimezone: config.DEFAULT_TIMEZONE,
        defaultLanguage: config.DEFAULT_LANGUAGE,
        hooks: hookSecretsFrom(config),
      },
      metrics: metrics.registry,
    });
    logger.info({ port: http.port }, 'health endpoints on /healthz (liveness) and /readyz (readiness)');
  } catch (err) {
    const line = explainStartupError(err, { mongoUri: config.MONGODB_URI });
    if (line === undefined) {
      logger.fatal({ err }, 'start-up failed');
    } else {
      // One line a person can act on; the stack only for those who ask for it.
      process.stderr.write(`taskwatch: ${line}\n`);
      logger.debug({ err }, 'start-up failed');
    }
    await shutdown('start-up failed', 1);
  }
}

await main();
