/** The worker role: the Scheduler and its Bree threads, which carry out runs and poll SMS reports. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { DatabaseWatch } from '../db/db-watch.js';
import type { TaskwatchMetrics } from '../http/metrics.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Running } from './shutdown.js';
import type { SecretBox } from '../secrets.js';

export async function startWorker(opts: {
  config: Config;
  logger: Logger;
  mongoUri: string;
  secrets: SecretBox;
  metrics: TaskwatchMetrics;
  watch: DatabaseWatch;
  /** Gets the Scheduler before it starts, so that a start that fails half way is stopped too. */
  running: Running;
}): Promise<Scheduler> {
  const { config, metrics, watch } = opts;
  const scheduler = new Scheduler({
    config,
    logger: opts.logger,
    mongoUri: opts.mongoUri,
    secrets: opts.secrets,
    pollMs: config.RUN_POLL_MS,
    retentionDays: config.DELIVERY_RETENTION_DAYS,
    onMetrics: (delta) => metrics.apply(delta),
    databaseUp: () => watch.up,
  });
  opts.running.scheduler = scheduler;
  await scheduler.start();
  opts.logger.info('delivery worker started');
  return scheduler;
}
