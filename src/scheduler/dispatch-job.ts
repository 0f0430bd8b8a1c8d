import { threadId } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { createLogger, type Logger } from '../logger.js';
import { SecretBox } from '../secrets.js';
import { connectMongoose, reconnectMongoose } from '../db/connection.js';
import { ClientWatchdog } from '../db/client-watchdog.js';
import { Alerter } from '../delivery/alerts.js';
import { dispatch } from '../delivery/dispatch.js';
import { planDueForRun } from '../delivery/planning.js';
import { HandOff } from '../delivery/handoff.js';
import { claimRequestedRuns, finishRun, requestFollowUp, requeueInterruptedRun, type ClaimedRun } from '../delivery/runs.js';
import type { ChannelSet } from '../delivery/channels/registry.js';
import type { DispatchOutcome } from '../delivery/dispatch-types.js';
import { isConnectivityError, pingDatabase } from '../db/db-watch.js';
import { errorText } from '../delivery/retry.js';
import type { DeliveryMetrics } from '../delivery/metrics.js';
import { ChannelCache, type InterruptedRun, type JobContext, type JobData } from './job-context.js';
import { pollReports } from './sms-reports-job.js';

/** Thrown when the database went away during a run: the run is left `running`, to be requeued once it is back. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  constructor(
    readonly interrupted: InterruptedRun | undefined,
    override readonly cause: unknown,
  ) {
    super(`the database is unreachable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Whether `err` means the database cannot be reached now (its own kind, or a ping failing after it). */
async function databaseGone(err: unknown): Promise<boolean> {
  return isConnectivityError(err) || !(await pingDatabase());
}

/**
 * Carries out requested runs until none is left: plans pending changes, dispatches each run's scope, writes
 * each run's result. Returns how many runs it carried out. When the database goes away it throws
 * {@link DatabaseUnreachableError} naming the run it interrupted (which is neither failed nor finished).
 */
export async function executeRequestedRuns(ctx: JobContext, cache?: ChannelCache): Promise<number> {
  const owner = `${hostname()}:${process.pid}:${threadId}:${randomUUID().slice(0, 8)}`;
  const own = cache ?? new ChannelCache(ctx);
  let done = 0;
  try {
    for (;;) {
      if (ctx.signal?.aborted) break;
      let runs;
      let channels;
      try {
        runs = await claimRequestedRuns(owner);
        if (runs.length === 0) break;
        channels = await own.get(true);
      } catch (err) {
        if (await databaseGone(err)) throw new DatabaseUnreachableError(undefined, err);
        throw err;
      }
      const alerter = new Alerter(channels.senders.telegram, ctx.logger);
      for (const [i, run] of runs.entries()) {
        const startedAt = new Date();
        const dispatchOwner = `${owner}:${run.id}`;
        const handOff = new HandOff({
          owner: dispatchOwner,
          leaseMs: ctx.config.LEASE_MS,
          taskNumber: run.taskNumber,
          limit: ctx.config.DISPATCH_BATCH,
          clock: ctx.clock ?? (() => new Date()),
        });
        try {
          const outcome = await carryOut(ctx, run, { channels, alerter, owner: dispatchOwner, handOff });
          ctx.metrics?.runDuration(run.trigger, (Date.now() - startedAt.getTime()) / 1000);
          await finishRun(run.id, startedAt, outcome);
          if (outcome.othersLeaseEnd) await requestFollowUp(new Date(outcome.othersLeaseEnd));
          ctx.logger.info(
            { run: run.id, trigger: run.trigger, sent: outcome.sent, retrying: outcome.retrying, failed: outcome.failed.length },
            'dispatch run finished',
          );
        } catch (err) {
          if (await databaseGone(err)) {
            // This run and those claimed after it go back to `requested` once the database is back.
            for (const later of runs.slice(i + 1)) ctx.onInterrupted?.({ id: later.id, dispatchOwner: `${owner}:${later.id}` });
            throw new DatabaseUnreachableError({ id: run.id, dispatchOwner }, err);
          }
          ctx.logger.error({ err, run: run.id }, 'dispatch run failed');
          // A batch planning handed over that the run never took: its claims go back now, not when their lease runs out.
          await handOff.abandon().catch(() => undefined);
          await finishRun(run.id, startedAt, { error: errorText(err) });
        }
        done++;
      }
    }
  } finally {
    if (!cache) await own.close();
  }
  return done;
}

/**
 * One run: plans (what it plans goes straight to its first batch when nothing else is due, see
 * src/delivery/handoff.ts), then dispatches the run's scope.
 */
async function carryOut(
  ctx: JobContext,
  run: ClaimedRun,
  deps: { channels: ChannelSet; alerter: Alerter; owner: string; handOff: HandOff },
): Promise<DispatchOutcome> {
  const planned = await planDueForRun(ctx.clock?.(), deps.handOff);
  // The changes are marked planned once the run has sent (see planDueForRun), whatever its end.
  return dispatch(
    {
      channels: deps.channels,
      alerter: deps.alerter,
      logger: ctx.logger,
      policy: { maxAttempts: ctx.config.MAX_ATTEMPTS, baseMs: ctx.config.RETRY_BASE_MS, maxMs: ctx.config.RETRY_MAX_MS },
      batchSize: ctx.config.DISPATCH_BATCH,
      concurrency: ctx.config.DISPATCH_CONCURRENCY,
      outcomeWrites: ctx.config.OUTCOME_WRITES,
      leaseMs: ctx.config.LEASE_MS,
      owner: deps.owner,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
      ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
    },
    run.taskNumber !== undefined ? { taskNumber: run.taskNumber } : {},
    deps.handOff,
  ).finally(planned.mark);
}

/** What wakes a resident dispatch thread: new run requests, a report poll, or nothing within the idle time. */
export type Wake = 'kick' | 'reports' | 'idle';

/**
 * The whole of the dispatch job's thread. It stays resident: connected, with its channels built, it carries
 * out requested runs, then waits for the next wake-up from the main thread; after `idleMs` with none, or
 * on cancel, it closes its connections and returns (the job file then reports 'done').
 */
export async function runDispatchJob(
  data: JobData,
  next: (idleMs: number) => Promise<Wake>,
  signal?: AbortSignal,
  metrics?: DeliveryMetrics,
): Promise<void> {
  const config = data.config;
  const logger = createLogger(config.LOG_LEVEL).child({ job: 'dispatch', thread: threadId });
  if (!(await connectWhenUp(data.mongoUri, logger, signal))) return;
  const watchdog = new ClientWatchdog({ uri: data.mongoUri, logger, reconnect: () => reconnectMongoose(data.mongoUri) });
  watchdog.start();
  const interrupted: InterruptedRun[] = [];
  const ctx: JobContext = {
    config,
    logger,
    secrets: new SecretBox(data.secrets),
    onInterrupted: (run) => interrupted.push(run),
    ...(signal ? { signal } : {}),
    ...(metrics ? { metrics } : {}),
  };
  const cache = new ChannelCache(ctx);
  try {
    let wake: Wake = 'kick';
    while (wake !== 'idle' && !signal?.aborted) {
      try {
        if (wake === 'reports') await pollReports(await cache.get(), logger);
        await executeRequestedRuns(ctx, cache);
      } catch (err) {
        if (!(err instanceof DatabaseUnreachableError)) throw err;
        if (err.interrupted) interrupted.push(err.interrupted);
        // One line for the whole outage; the process's database watch logs its phases.
        logger.warn(
          { runs: interrupted.map((r) => r.id) },
          'dispatch paused: the database is unreachable; the run starts again when it is back',
        );
        if (!(await waitForDatabase(signal))) break;
        await requeueInterrupted(interrupted, logger, signal);
        wake = 'kick';
        continue;
      }
      wake = await next(config.DISPATCH_IDLE_MS);
    }
  } finally {
    await watchdog.stop();
    await cache.close();
    await mongoose.disconnect();
  }
}

/** Pings every second until the database answers; false when stopped first. */
async function waitForDatabase(signal?: AbortSignal): Promise<boolean> {
  while (!signal?.aborted) {
    if (await pingDatabase()) return true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return false;
}

/** Connects the thread's mongoose, waiting for the database while it is away; false when stopped first. */
async function connectWhenUp(uri: string, logger: Logger, signal?: AbortSignal): Promise<boolean> {
  let told = false;
  while (!signal?.aborted) {
    try {
      await connectMongoose(uri);
      return true;
    } catch (err) {
      if (!isConnectivityError(err)) throw err;
      if (!told) logger.warn('dispatch thread waiting for the database');
      told = true;
      await mongoose.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  return false;
}

/** Puts the interrupted runs back (see requeueInterruptedRun); one the database loses again stays in the list. */
async function requeueInterrupted(interrupted: InterruptedRun[], logger: Logger, signal?: AbortSignal): Promise<void> {
  while (interrupted.length > 0 && !signal?.aborted) {
    const run = interrupted[0]!;
    try {
      await requeueInterruptedRun(run.id, run.dispatchOwner);
      interrupted.shift();
      logger.info({ run: run.id }, 'database back: the interrupted run starts again');
    } catch (err) {
      if (!isConnectivityError(err)) throw err;
      if (!(await waitForDatabase(signal))) return;
    }
  }
}
