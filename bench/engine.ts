/**
 * 3 and 4. taskwatch itself: a run as /send makes it — `requestRun({ trigger: 'send' })`, the Scheduler's
 * `kick()` (a real Bree worker thread from dist/jobs), `waitForRun` — timed from the request to the
 * deliveries' `sentAt` as recorded in the database. The thread is started by the run's kick (a worker's
 * first /send, or one after DISPATCH_IDLE_MS without work), or resident: a worker at work, which has sent a
 * run before ({@link WORKED_TASKS}), or one that has only started and connected (its first sends).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeliveryModel, RunModel } from '../src/db/models/index.js';
import type { RunResult } from '../src/delivery/port.js';
import { createLogger } from '../src/logger.js';
import { planPendingChanges } from '../src/delivery/planning.js';
import { RunTimeoutError, requestRun, waitForRun } from '../src/delivery/runs.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { executeRequestedRuns } from '../src/scheduler/dispatch-job.js';
import { loadConfig } from '../src/config.js';
import type { BenchEnv } from './env.js';
import { openPhase } from './env.js';
import { seedWorkload, sentSpan } from './seed.js';

const WEDGED =
  'It is very slow, or wedged: FerretDB 1.24 (SQLite) stops answering every query of a database after one update ' +
  'command of 100 or more updateOne statements (see "The FerretDB wedge" in docs/benchmarks.md).';

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: the database did not answer within ${ms / 1000} s. ${WEDGED}`)), ms);
    }),
  ]);
}

/**
 * waitForRun, with a watchdog: fails (instead of hanging) when the database stops answering, or when no
 * delivery changes state (leased, sent, failed) for `stallMs`. Progress is checked every `checkEveryMs`.
 */
export async function awaitRun(id: string, opts: { pollMs: number; stallMs: number; checkEveryMs?: number }): Promise<RunResult> {
  let lastMoved = -1;
  let lastChange = Date.now();
  for (;;) {
    try {
      return await within(waitForRun(id, { timeoutMs: opts.checkEveryMs ?? 10_000, pollMs: opts.pollMs }), 60_000, 'waiting for the run');
    } catch (err) {
      if (!(err instanceof RunTimeoutError)) throw err;
    }
    const moved = await within(DeliveryModel.countDocuments({ status: { $ne: 'pending' } }), 120_000, 'progress check');
    if (moved !== lastMoved) {
      lastMoved = moved;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > opts.stallMs) {
      throw new Error(
        `run ${id}: no delivery changed state for ${opts.stallMs / 1000} s (${moved} not pending): the database is wedged or very slow.`,
      );
    }
  }
}

/** Tasks of the run a resident thread has sent before the one measured ("at work"): × observers × 2 deliveries. */
export const WORKED_TASKS = 40;

/** dist/jobs, beside dist/bench. */
const JOBS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../jobs');

function scheduler(env: BenchEnv, uri: string): Scheduler {
  return new Scheduler({
    config: loadConfig(process.env),
    logger: createLogger('warn'),
    mongoUri: uri,
    secrets: env.secrets,
    pollMs: 250,
    jobsDir: JOBS_DIR,
  });
}

export interface RunTiming {
  deliveries: number;
  /** Deliveries per second from the request to the last `sentAt`. */
  rate: number;
  /** Request → last `sentAt`, ms. */
  totalMs: number;
  /** Request → the worker thread claimed the run (with a thread started by the run: its start, module load, connect). */
  startMs: number;
  /** Run claimed → the first `sentAt` (channels, planning, the first claim and its batch's context). */
  toFirstMs: number;
  /** First `sentAt` → last `sentAt`: sending. */
  sendMs: number;
  /** Planning done in this process before the clock started (pre-planned variant), ms. */
  prePlanMs?: number;
}

/**
 * One run over `tasks` × `observers` × (e-mail, SMS). `prePlan`: plan the changes in this process before
 * the clock starts, so the run only sends.
 */
export async function measureRun(
  env: BenchEnv,
  phase: string,
  spec: { tasks: number; observers: number; prePlan: boolean; thread?: 'started by the run' | 'resident' | 'resident, first sends' },
): Promise<RunTiming> {
  const db = await openPhase(env, phase);
  const sched = scheduler(env, db.uri);
  try {
    if (spec.thread === 'resident' || spec.thread === 'resident, first sends') {
      // As a running worker has it: its Scheduler started (which starts the dispatch thread) and a run done
      // within DISPATCH_IDLE_MS, so the thread is connected, with its channels built, waiting for a kick.
      await sched.start();
      const warmUp = await requestRun({ trigger: 'send' });
      sched.kick();
      await awaitRun(warmUp, { pollMs: 50, stallMs: 60_000 });
    }
    if (spec.thread === 'resident') {
      // A worker at work has sent before: V8 has compiled its sending code, as the ceiling's has been by the
      // e-mail and SMS runs before the mix. 'resident, first sends' measures a thread that has not.
      await seedWorkload({ tasks: WORKED_TASKS, observers: spec.observers, channels: ['email', 'sms'], firstNumber: 1_000_001 });
      const worked = await requestRun({ trigger: 'send' });
      sched.kick();
      await awaitRun(worked, { pollMs: 50, stallMs: 60_000 });
      env.sms.reset();
    }
    const seeded = await seedWorkload({ tasks: spec.tasks, observers: spec.observers, channels: ['email', 'sms'] });
    let prePlanMs: number | undefined;
    if (spec.prePlan) {
      const p0 = performance.now();
      const planned = await planPendingChanges();
      prePlanMs = performance.now() - p0;
      if (planned !== seeded.deliveries) throw new Error(`planning wrote ${planned} deliveries, expected ${seeded.deliveries}`);
    }
    const emailsBefore = env.sink.count;
    const t0 = Date.now();
    const id = await requestRun({ trigger: 'send' });
    sched.kick();
    const result = await awaitRun(id, { pollMs: 50, stallMs: 120_000 });
    const span = await sentSpan(seeded.changeIds);
    if (span.sent !== seeded.deliveries || span.notSent !== 0) {
      throw new Error(`run ${id}: ${span.sent} of ${seeded.deliveries} deliveries sent (${span.notSent} not): ${JSON.stringify(result)}`);
    }
    const emails = env.sink.count - emailsBefore;
    if (emails !== result.sent.email || env.sms.accepted.length !== result.sent.sms) {
      throw new Error(
        `run ${id}: the doubles got ${emails} e-mails and ${env.sms.accepted.length} SMS; the run says ${JSON.stringify(result.sent)}`,
      );
    }
    const run = await RunModel.findById(id).lean();
    const startedAt = run?.startedAt?.getTime() ?? t0;
    const first = span.first!.getTime();
    const last = span.last!.getTime();
    return {
      deliveries: span.sent,
      rate: span.sent / ((last - t0) / 1000),
      totalMs: last - t0,
      startMs: startedAt - t0,
      toFirstMs: first - startedAt,
      sendMs: last - first,
      ...(prePlanMs !== undefined ? { prePlanMs } : {}),
    };
  } finally {
    await sched.stop();
    await db.close();
  }
}

/**
 * /send → first delivery recorded as sent, over `runs` runs of `observers` × 2 deliveries each: before
 * each run one task with its observers and one change is written (unplanned, as an edit leaves it); the
 * clock starts at the request. One warm-up run first (not counted).
 *
 * `cold`: as /send does it today — `kick()` starts a Bree worker thread, which loads its modules, connects
 * and builds the channels. `warm`: the run is carried out in this process by `executeRequestedRuns` (the
 * code the thread runs) with modules loaded and the connection open: what a resident worker would take.
 */
export async function measureLatency(
  env: BenchEnv,
  phase: string,
  runs: number,
  observers: number,
  mode: 'cold' | 'warm',
): Promise<{ firstMs: number[]; lastMs: number[] }> {
  const db = await openPhase(env, phase);
  const sched = scheduler(env, db.uri);
  const ctx = { config: loadConfig(process.env), logger: createLogger('silent'), secrets: env.secrets };
  const firstMs: number[] = [];
  const lastMs: number[] = [];
  try {
    for (let r = 0; r <= runs; r++) {
      const seeded = await seedWorkload({ tasks: 1, observers, channels: ['email', 'sms'], firstNumber: r + 1 });
      const t0 = Date.now();
      const id = await requestRun({ trigger: 'send' });
      if (mode === 'cold') sched.kick();
      else await executeRequestedRuns(ctx);
      await awaitRun(id, { pollMs: 20, stallMs: 60_000 });
      const span = await sentSpan(seeded.changeIds);
      if (span.sent !== seeded.deliveries) throw new Error(`latency run ${r}: ${span.sent} of ${seeded.deliveries} sent`);
      if (r === 0) continue; // warm-up
      firstMs.push(span.first!.getTime() - t0);
      lastMs.push(span.last!.getTime() - t0);
    }
    return { firstMs, lastMs };
  } finally {
    await sched.stop();
    await db.close();
  }
}
