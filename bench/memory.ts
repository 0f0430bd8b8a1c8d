/**
 * 5. Memory: the worker as a process of its own (`node dist/src/main.js --role=worker`) carries out one
 * run over a backlog of `n` pending deliveries (inserted directly, half e-mail, half SMS, with valid
 * person, task and change references). Its peak RSS is VmHWM from /proc/<pid>/status: the whole process,
 * worker threads included.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestRun } from '../src/delivery/runs.js';
import type { BenchEnv } from './env.js';
import { SECRET_KEY, openPhase } from './env.js';
import { seedWorkload, sentSpan } from './seed.js';
import { RunModel } from '../src/db/models/index.js';
import { log, procMemory, sleep } from './util.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.js');

export interface MemoryResult {
  pending: number;
  /** VmHWM of the worker process after the run, MiB. */
  peakMiB: number;
  /** VmHWM once the worker was up and idle, before the run was requested, MiB. */
  idleMiB: number;
  /** Deliveries recorded as sent when the measurement ended. */
  sent: number;
  /** Messages the SMTP sink and the sms.ru double received meanwhile. */
  messagesOut: number;
  /** The run did not finish within the window: the figures cover the part it did. */
  partial: boolean;
  /** Deliveries per second (request → last sentAt, or → the end of the window). */
  rate: number;
  seconds: number;
}

/** Runs the worker on a backlog of `n`; stops watching after `windowMs` if the run is not finished by then. */
export async function measureMemory(env: BenchEnv, phase: string, n: number, windowMs: number): Promise<MemoryResult> {
  const db = await openPhase(env, phase);
  const observers = 5;
  const seeded = await seedWorkload({ tasks: Math.ceil(n / 2 / observers), observers, channels: ['email', 'sms'], planned: true });
  const child = spawn(process.execPath, [MAIN, '--role=worker'], {
    env: {
      PATH: process.env.PATH,
      MONGODB_URI: db.uri,
      SECRET_KEY,
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
      RUN_POLL_MS: '100',
      SMSRU_BASE_URL: env.sms.baseUrl,
      DISPATCH_BATCH: process.env.DISPATCH_BATCH ?? '',
      // As the Docker image runs it (see the Dockerfile); another value in the environment is passed on.
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let partialRun = true;
  try {
    // Up and idle: the start-up dispatch thread (nothing requested) has come and gone; RSS settles.
    await sleep(4_000);
    if (child.exitCode !== null) throw new Error(`the worker process exited with ${child.exitCode}: ${stderr}`);
    const idle = procMemory(child.pid);
    const out0 = env.sink.count + env.sms.accepted.length;
    const t0 = Date.now();
    const id = await requestRun({ trigger: 'send' });
    // Watch without ever blocking on the database: on a slow one the worker's commands queue up, and
    // the figure wanted here (the worker's RSS) does not depend on it.
    let done = false;
    let check: Promise<void> | undefined;
    let lastLog = t0;
    while (!done && Date.now() - t0 < windowMs) {
      if (child.exitCode !== null) throw new Error(`the worker process exited with ${String(child.exitCode)} during the run: ${stderr}`);
      check ??= RunModel.findById(id)
        .select({ status: 1, error: 1 })
        .lean()
        .then((run) => {
          if (run?.status === 'failed') throw new Error(`the run failed: ${run.error ?? '?'}`);
          done = run?.status === 'done';
        })
        .finally(() => {
          check = undefined;
        });
      await Promise.race([check, sleep(1_000)]);
      if (Date.now() - lastLog >= 60_000) {
        lastLog = Date.now();
        const m = procMemory(child.pid);
        log(
          `  ${Math.round((Date.now() - t0) / 1000)} s: ${env.sink.count + env.sms.accepted.length - out0} messages out, worker RSS ${Math.round(m?.rssMiB ?? NaN)} MiB, peak ${Math.round(m?.hwmMiB ?? NaN)} MiB`,
        );
      }
    }
    const peak = procMemory(child.pid);
    const end = Date.now();
    const messagesOut = env.sink.count + env.sms.accepted.length - out0;
    const partial = !done;
    partialRun = partial;
    if (partial) {
      child.kill('SIGKILL'); // before counting, so that the database is not busy with its queued writes
      await exited;
    }
    const span = await Promise.race([sentSpan(), sleep(300_000).then(() => undefined)]);
    const sent = span?.sent ?? Number.NaN;
    if (!partial && sent !== seeded.deliveries) throw new Error(`memory run: ${sent} of ${seeded.deliveries} sent`);
    const seconds = ((partial || !span?.last ? end : span.last.getTime()) - t0) / 1000;
    return {
      pending: seeded.deliveries,
      peakMiB: peak?.hwmMiB ?? NaN,
      idleMiB: idle?.hwmMiB ?? NaN,
      sent,
      messagesOut,
      partial,
      rate: (partial ? messagesOut : sent) / seconds,
      seconds,
    };
  } finally {
    if (child.exitCode === null) {
      // A finished run: stop as an operator would. A run cut short: SIGKILL (a clean stop lets the
      // batch in hand finish first, which on a slow database takes a while; the leases cover a kill).
      child.kill(partialRun ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await db.close();
  }
}
