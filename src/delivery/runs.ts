import { DeliveryModel, RunModel } from '../db/models/index.js';
import { claimKey, releaseKeys, releaseKeysOf } from '../db/claims.js';
import { outcome } from './outcomes.js';
import type { RunResult } from './port.js';
import type { DispatchOutcome } from './dispatch.js';

/**
 * A run request is a document: /send (in the bot process) writes one, whichever worker claims it carries
 * it out and writes the result into it, and /send reads the result back. So bot and worker may be one
 * process or several.
 */
export async function requestRun(opts: { trigger: 'send' | 'schedule'; taskNumber?: number; requestedBy?: number }): Promise<string> {
  const run = await RunModel.create({ ...opts, status: 'requested', requestedAt: new Date() });
  return String(run._id);
}

export interface ClaimedRun {
  id: string;
  trigger: 'send' | 'schedule';
  taskNumber?: number;
}

/** Claims requested runs for this worker, oldest first; each run goes to exactly one worker. */
export async function claimRequestedRuns(owner: string, limit = 20): Promise<ClaimedRun[]> {
  const requested = await RunModel.find({ status: 'requested' }).sort({ requestedAt: 1 }).limit(limit).lean();
  const won: ClaimedRun[] = [];
  for (const r of requested) {
    if (!(await claimKey(`run:${String(r._id)}`, owner))) continue;
    await RunModel.updateOne({ _id: r._id }, { $set: { status: 'running', startedAt: new Date(), worker: owner } });
    won.push({ id: String(r._id), trigger: r.trigger, ...(r.taskNumber != null ? { taskNumber: r.taskNumber } : {}) });
  }
  return won;
}

export async function finishRun(id: string, startedAt: Date, outcome: DispatchOutcome | { error: string }): Promise<void> {
  if ('error' in outcome) {
    await RunModel.updateOne({ _id: id }, { $set: { status: 'failed', finishedAt: new Date(), error: outcome.error } });
    return;
  }
  await RunModel.updateOne(
    { _id: id },
    { $set: { status: 'done', finishedAt: new Date(), result: { ...outcome, startedAt: startedAt.toISOString() } } },
  );
}

/**
 * A run the database outage interrupted goes back to `requested`, so a worker carries it out again (and a
 * /send waiting for it gets its result): first what it held is given back — its deliveries still leased
 * (`sending` under `dispatchOwner`: their outcomes in hand are written before this) and its claims —, so the
 * next run takes them at once rather than when their leases run out.
 */
export async function requeueInterruptedRun(id: string, dispatchOwner: string): Promise<void> {
  await DeliveryModel.updateMany({ status: 'sending', leaseOwner: dispatchOwner }, outcome.released());
  await releaseKeysOf(dispatchOwner);
  await releaseKeys([`run:${id}`]);
  await RunModel.updateOne({ _id: id, status: 'running' }, { $set: { status: 'requested' }, $unset: { startedAt: '', worker: '' } });
}

/** Runs a worker claimed and never finished (it died): marked failed, so nobody waits for them. */
export async function failStaleRuns(olderThanMs: number, now = new Date()): Promise<number> {
  const r = await RunModel.updateMany(
    { status: 'running', startedAt: { $lt: new Date(now.getTime() - olderThanMs) } },
    { $set: { status: 'failed', finishedAt: new Date(), error: 'the worker stopped before the run finished' } },
  );
  return r.modifiedCount;
}

export class RunTimeoutError extends Error {
  override readonly name = 'RunTimeoutError';
}

/** Waits for a run to finish and returns its result; throws RunTimeoutError when no worker finished it in time. */
export async function waitForRun(id: string, opts: { timeoutMs: number; pollMs?: number }): Promise<RunResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 100;
  for (;;) {
    const run = await RunModel.findById(id).lean();
    if (run?.status === 'done') {
      const r = run.result as Omit<RunResult, 'runId' | 'trigger' | 'finishedAt'>;
      return { ...r, runId: id, trigger: run.trigger, finishedAt: run.finishedAt!.toISOString() };
    }
    if (run?.status === 'failed') throw new Error(run.error ?? 'the run failed');
    if (Date.now() > deadline) {
      throw new RunTimeoutError(
        run?.status === 'requested'
          ? 'no worker took the request: is a worker running (npm start, or npm run worker)?'
          : 'the run is still going; /queue shows its progress',
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
