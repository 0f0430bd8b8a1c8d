import { threadId } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { SecretBox } from '../secrets.js';
import { connectMongoose } from '../db/connection.js';
import { pruneClaims } from '../db/claims.js';
import { buildChannels, type ChannelSet } from '../delivery/channels/registry.js';
import { Alerter } from '../delivery/alerts.js';
import { dispatch } from '../delivery/dispatch.js';
import { planPendingChanges } from '../delivery/planning.js';
import { claimRequestedRuns, failStaleRuns, finishRun, requestRun } from '../delivery/runs.js';
import { pollSmsReports } from '../delivery/reports.js';
import { errorText } from '../delivery/retry.js';

/** What the main thread hands a job's worker thread. */
export interface JobData {
  mongoUri: string;
  /** Decrypts stored passwords and keys; stays in memory, never logged. */
  secretKey: string;
  /** `schedule`: started by the schedule (records a run of its own); `requests`: carry out requested runs. */
  trigger: 'schedule' | 'requests';
}

export interface JobContext {
  config: Config;
  logger: Logger;
  secrets: SecretBox;
  signal?: AbortSignal;
  /** The time; tests pass a controllable clock. @defaultValue () => new Date() */
  clock?: () => Date;
}

/**
 * Carries out requested runs until none is left: plans pending changes, dispatches each run's scope, writes
 * each run's result. Channels are built once for the job from the current Settings.
 */
export async function executeRequestedRuns(ctx: JobContext): Promise<number> {
  const owner = `${hostname()}:${process.pid}:${threadId}:${randomUUID().slice(0, 8)}`;
  let channels: ChannelSet | undefined;
  let done = 0;
  try {
    await failStaleRuns(15 * 60_000);
    await pruneClaims(new Date(Date.now() - 24 * 3600_000));
    for (;;) {
      if (ctx.signal?.aborted) break;
      const runs = await claimRequestedRuns(owner);
      if (runs.length === 0) break;
      channels ??= await buildChannels(ctx);
      const alerter = new Alerter(channels.senders.telegram, ctx.logger);
      for (const run of runs) {
        const startedAt = new Date();
        try {
          await planPendingChanges(ctx.clock?.());
          const outcome = await dispatch(
            {
              channels,
              alerter,
              logger: ctx.logger,
              policy: { maxAttempts: ctx.config.MAX_ATTEMPTS, baseMs: ctx.config.RETRY_BASE_MS, maxMs: ctx.config.RETRY_MAX_MS },
              batchSize: ctx.config.DISPATCH_BATCH,
              concurrency: ctx.config.DISPATCH_CONCURRENCY,
              leaseMs: ctx.config.LEASE_MS,
              owner: `${owner}:${run.id}`,
              ...(ctx.signal ? { signal: ctx.signal } : {}),
              ...(ctx.clock ? { clock: ctx.clock } : {}),
            },
            run.taskNumber !== undefined ? { taskNumber: run.taskNumber } : {},
          );
          await finishRun(run.id, startedAt, outcome);
          ctx.logger.info({ run: run.id, trigger: run.trigger, sent: outcome.sent, retrying: outcome.retrying, failed: outcome.failed.length }, 'dispatch run finished');
        } catch (err) {
          ctx.logger.error({ err, run: run.id }, 'dispatch run failed');
          await finishRun(run.id, startedAt, { error: errorText(err) });
        }
        done++;
      }
    }
  } finally {
    await channels?.close();
  }
  return done;
}

/** The whole of a dispatch job's thread: connect, carry out runs, disconnect. */
export async function runDispatchJob(data: JobData, signal?: AbortSignal): Promise<number> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL).child({ job: 'dispatch', thread: threadId });
  await connectMongoose(data.mongoUri);
  try {
    if (data.trigger === 'schedule') await requestRun({ trigger: 'schedule' });
    return await executeRequestedRuns({ config, logger, secrets: new SecretBox(data.secretKey), signal });
  } finally {
    await mongoose.disconnect();
  }
}

/** The SMS report job's thread: poll delivery reports of recent SMS. */
export async function runSmsReportsJob(data: JobData): Promise<number> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL).child({ job: 'sms-reports', thread: threadId });
  await connectMongoose(data.mongoUri);
  let channels: ChannelSet | undefined;
  try {
    channels = await buildChannels({ config, logger, secrets: new SecretBox(data.secretKey) });
    if (!channels.smsProvider) return 0;
    const n = await pollSmsReports(channels.smsProvider);
    if (n) logger.info({ reports: n }, 'stored SMS delivery reports');
    return n;
  } finally {
    await channels?.close();
    await mongoose.disconnect();
  }
}
