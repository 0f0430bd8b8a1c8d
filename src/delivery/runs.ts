import { RunModel } from '../db/models/index.js';
import { claimKey, releaseKeys, releaseKeysOf } from '../db/claims.js';
import { RunFailedError, RunTimeoutError, type RunResult } from './port.js';

export { RunTimeoutError } from './port.js';
import type { DispatchOutcome } from './dispatch-types.js';

/**
 * A run request is a document: /send (in the bot process) writes one, whichever worker claims it carries
 * it out and writes the result into it, and /send reads the result back. So bot and worker may be one
 * process or several.
 */
export async function requestRun(opts: {
  trigger: 'send' | 'schedule';
  taskNumber?: number;
  requestedBy?: number;
  /** Not before this time; see {@link dueRequests}. */
  notBefore?: Date;
}): Promise<string> {
  const run = await RunModel.create({ ...opts, status: 'requested', requestedAt: new Date() });
  return String(run._id);
}

/** The filter of run requests to carry out at `now`: requested, and not waiting for a later time. */
export function dueRequests(now = new Date()): Record<string, unknown> {
  return { status: 'requested', $or: [{ notBefore: { $exists: false } }, { notBefore: { $lte: now } }] };
}

/**
 * After a run that found deliveries under another worker's claim: one run after that claim's lease runs
 * out, so that if its worker died the deliveries are taken over then (within a lease of the kill), not at
 * the next scheduled run. A live worker will have sent them by then, and the follow-up finds nothing.
 */
export async function requestFollowUp(leaseEnd: Date): Promise<void> {
  if (await RunModel.exists({ status: 'requested', notBefore: { $exists: true } })) return;
  await requestRun({ trigger: 'schedule', notBefore: new Date(leaseEnd.getTime() + 1_000) });
}

export interface ClaimedRun {
  id: string;
  trigger: 'send' | 'schedule';
  taskNumber?: number;
}

/** Claims requested runs for this worker, oldest first; each run goes to exactly one worker. */
export async function claimRequestedRuns(owner: string, limit = 20): Promise<ClaimedRun[]> {
  const requested = await RunModel.find(dueRequests()).sort({ requestedAt: 1 }).limit(limit).lean();
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
 * /send waiting for it gets its result): first its claims are given back (the outcomes of what it sent are
 * written before this: dispatch writes them through an outage), so the next run takes their deliveries at
 * once rather than when their leases run out.
 */
export async function requeueInterruptedRun(id: string, dispatchOwner: string): Promise<void> {
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

/**
 * Waits for a run to finish and returns its result; throws RunTimeoutError when no worker finished it in
 * time, RunFailedError when it ended without a result.
 */
export async function waitForRun(id: string, opts: { timeoutMs: number; pollMs?: number }): Promise<RunResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 100;
  for (;;) {
    const run = await RunModel.findById(id).lean();
    if (run?.status === 'done') {
      const r = run.result as Omit<RunResult, 'runId' | 'trigger' | 'finishedAt'>;
      return { ...r, runId: id, trigger: run.trigger, finishedAt: run.finishedAt!.toISOString() };
    }
    if (run?.status === 'failed') throw new RunFailedError(run.error ?? 'the run failed');
    if (Date.now() > deadline) {
      throw new RunTimeoutError(
        run?.status === 'requested' ? 'requested' : 'running',
        run?.status === 'requested'
          ? 'no worker took the request: is a worker running (npm start, or npm run worker)?'
          : 'the run is still going; /queue shows its progress',
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
