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
import { awaitRun } from './engine.js';
import type { BenchEnv } from './env.js';
import { SECRET_KEY, openPhase } from './env.js';
import { seedWorkload, sentSpan } from './seed.js';
import { procMemory, sleep } from './util.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.js');

export interface MemoryResult {
  pending: number;
  /** VmHWM of the worker process after the run, MiB. */
  peakMiB: number;
  /** VmHWM once the worker was up and idle, before the run was requested, MiB. */
  idleMiB: number;
  /** Deliveries sent when the measurement ended. */
  sent: number;
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
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let finished = false;
  let partialRun = true;
  try {
    // Up and idle: the start-up dispatch thread (nothing requested) has come and gone; RSS settles.
    await sleep(4_000);
    if (child.exitCode !== null) throw new Error(`the worker process exited with ${child.exitCode}: ${stderr}`);
    const idle = procMemory(child.pid!);
    const t0 = Date.now();
    const id = await requestRun({ trigger: 'send' });
    let windowTimer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      awaitRun(id, { pollMs: 200, stallMs: 180_000 }).then(() => 'done' as const),
      new Promise<'window'>((resolve) => {
        windowTimer = setTimeout(() => resolve('window'), windowMs);
      }),
      exited.then((code) => {
        if (finished) return 'done' as const;
        throw new Error(`the worker process exited with ${code} during the run: ${stderr}`);
      }),
    ]);
    clearTimeout(windowTimer);
    const peak = procMemory(child.pid!);
    const end = Date.now();
    finished = true;
    const span = await sentSpan();
    const partial = outcome === 'window';
    partialRun = partial;
    if (!partial && span.sent !== seeded.deliveries) throw new Error(`memory run: ${span.sent} of ${seeded.deliveries} sent`);
    const seconds = ((partial ? end : span.last!.getTime()) - t0) / 1000;
    return { pending: seeded.deliveries, peakMiB: peak?.hwmMiB ?? NaN, idleMiB: idle?.hwmMiB ?? NaN, sent: span.sent, partial, rate: span.sent / seconds, seconds };
  } finally {
    finished = true;
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
