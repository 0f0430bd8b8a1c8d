/** The HTTP server every role runs: health and readiness, metrics, the webhook, the unsubscribe page, the API. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets.js';
import { isDatabaseUp } from '../db/connection.js';
import type { DeliveryPort } from '../delivery/port.js';
import type { TaskwatchMetrics } from '../http/metrics.js';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { hookSecretsFrom } from '../http/api/hooks.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { StartedBot } from './bot-role.js';

export async function serveHttp(opts: {
  config: Config;
  logger: Logger;
  secrets: SecretBox;
  delivery: DeliveryPort;
  metrics: TaskwatchMetrics;
  scheduler?: Scheduler | undefined;
  bot?: StartedBot | undefined;
}): Promise<HttpServer> {
  const { config, logger, scheduler, bot } = opts;
  const http = await startHttpServer({
    port: config.HTTP_PORT,
    logger,
    readiness: {
      database: isDatabaseUp,
      ...(scheduler ? { worker: () => scheduler.readiness(config.DISPATCH_HEARTBEAT_MS) } : {}),
      ...(bot ? { bot: bot.readiness } : {}),
    },
    ...(bot?.webhook ? { webhook: bot.webhook } : {}),
    ...(config.PUBLIC_URL ? { unsubscribe: { secrets: opts.secrets } } : {}),
    ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
    api: {
      logger,
      delivery: opts.delivery,
      ratePerMinute: config.API_RATE_LIMIT_PER_MINUTE,
      defaultTimezone: config.DEFAULT_TIMEZONE,
      defaultLanguage: config.DEFAULT_LANGUAGE,
      hooks: hookSecretsFrom(config),
    },
    metrics: opts.metrics.registry,
  });
  logger.info({ port: http.port }, 'health endpoints on /healthz (liveness) and /readyz (readiness)');
  return http;
}
