import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Bree from 'bree';
import type { Logger } from '../logger.js';
import type { Config } from '../config.js';
import { RunModel, SettingsModel, SETTINGS_ID } from '../db/models/index.js';
import type { JobData } from './dispatch-job.js';
import { dueRequests, requestRun } from '../delivery/runs.js';
import { runMaintenance } from './maintenance.js';
import { setAlarm, type Alarm } from './alarm.js';
import { isConnectivityError } from '../db/db-watch.js';
import { nextRunOf, scheduleOf, type Schedule } from '../domain/schedule.js';
import { isMetricsMessage, type MetricsDelta } from '../delivery/metrics.js';

/** The compiled job files (dist/jobs) beside this module's compiled folder (dist/src/scheduler). */
export const DEFAULT_JOBS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../jobs');

export interface SchedulerOptions {
  /** Handed to every job thread as is (see {@link JobData.config}); threads do not read process.env. */
  config: Config;
  logger: Logger;
  mongoUri: string;
  secretKey: string;
  /** Folder of the compiled Bree jobs. @defaultValue {@link DEFAULT_JOBS_DIR} */
  jobsDir?: string;
  /** How often to look for /send requests written by another process, in ms. */
  pollMs: number;
  /** How often SMS delivery reports are polled, in ms. @defaultValue 300_000 */
  reportsEveryMs?: number;
  /** How often housekeeping runs (old claims, dead runs, retention), in ms. @defaultValue 600_000 */
  maintenanceEveryMs?: number;
  /** Finished deliveries older than this many days are deleted; 0 keeps them. @defaultValue 30 */
  retentionDays?: number;
  /** Gets the metrics the dispatch thread posts (src/scheduler/metrics-relay.ts), for the registry /metrics serves. */
  onMetrics?: (delta: MetricsDelta) => void;
  /**
   * Whether the database answers (the process's {@link DatabaseWatch}): while it does not, the polls wait and
   * their failures are not logged one by one (the watch logs the outage). @defaultValue always up
   */
  databaseUp?: () => boolean;
}

/** Whether this worker can do its work now: see {@link Scheduler.readiness}. */
export type Readiness = { ready: true; detail: string } | { ready: false; reason: string };

/** Missed heartbeats after which a resident dispatch thread counts as stuck. */
export const MISSED_HEARTBEATS = 3;
/** Longest wait before a failed dispatch thread is started again, in ms. */
const MAX_RESTART_DELAY_MS = 60_000;

/**
 * Bree runs the work in worker threads: `dispatch`, a resident thread woken by messages, and `sms-reports`
 * when no dispatch thread is there to poll them. All state is in MongoDB; this class only wakes the work
 * up: on /send (a Run request, from this process or polled from the database), on the admin's schedule
 * (a `schedule` Run request), and for report polls and housekeeping.
 */
export class Scheduler {
  readonly #bree: Bree;
  readonly #opts: SchedulerOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  #scheduleTimer?: Alarm;
  #settingsVersion = -1;
  #schedule: Schedule = { kind: 'off' };
  #stopping = false;
  #idleWaiters: Array<() => void> = [];
  #threadSince = 0;
  #lastBeat = 0;
  #threadFailure?: string;
  #restartDelayMs = 1_000;
  #restartTimer?: NodeJS.Timeout;
  #ticking = false;

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    const jobsDir = opts.jobsDir ?? DEFAULT_JOBS_DIR;
    const workerData: JobData = { config: opts.config, mongoUri: opts.mongoUri, secretKey: opts.secretKey };
    const log = opts.logger.child({ component: 'bree' });
    this.#bree = new Bree({
      root: false,
      defaultExtension: 'js',
      logger: {
        info: (msg: unknown) => log.debug(typeof msg === 'string' ? msg : String(msg)),
        warn: (msg: unknown) => log.debug(msg instanceof Error ? msg.message : String(msg)),
        error: (msg: unknown) => log.error(msg instanceof Error ? { err: msg } : {}, typeof msg === 'string' ? msg : 'job error'),
      } as never,
      errorHandler: (err: unknown, meta: { name: string }) => {
        if (meta.name === 'dispatch') this.#threadFailure ??= err instanceof Error ? err.message : String(err);
        log.error({ err, job: meta.name }, 'job failed');
      },
      // The dispatch thread's heartbeat ({ heartbeat }) and its failure ({ failed }), before its 'done' (Bree's own).
      workerMessageHandler: ({ name, message }: { name: string; message: unknown }) => {
        if (isMetricsMessage(message)) {
          opts.onMetrics?.(message.delta);
          return;
        }
        if (name !== 'dispatch' || typeof message !== 'object' || message === null) return;
        if ('heartbeat' in message) {
          this.#lastBeat = Date.now();
          this.#threadFailure = undefined;
          this.#restartDelayMs = 1_000;
        } else if ('failed' in message) {
          this.#threadFailure = String(message.failed);
          log.error({ job: name, error: message.failed }, 'the dispatch thread failed');
        }
      },
      jobs: [
        { name: 'dispatch', path: path.join(jobsDir, 'dispatch.js'), timeout: false, worker: { workerData } },
        { name: 'sms-reports', path: path.join(jobsDir, 'sms-reports.js'), timeout: false, worker: { workerData } },
      ],
    });
    this.#bree.on('worker created', (name: string) => {
      if (name !== 'dispatch') return;
      this.#threadSince = Date.now();
      this.#lastBeat = 0;
    });
    this.#bree.on('worker deleted', (name: string) => {
      if (name !== 'dispatch') return;
      for (const w of this.#idleWaiters.splice(0)) w();
      if (this.#threadFailure !== undefined && !this.#stopping) {
        // A thread that failed is started again, sooner the first time, later if it keeps failing.
        const delay = this.#restartDelayMs;
        this.#restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
        this.#opts.logger.warn({ inSeconds: delay / 1000 }, 'the dispatch thread failed; starting it again');
        clearTimeout(this.#restartTimer);
        this.#restartTimer = setTimeout(() => this.kick(), delay);
        this.#restartTimer.unref();
        return;
      }
      // A kick posted while the thread was already on its way out is lost: look for requests again.
      if (!this.#stopping && this.#databaseUp()) this.#tick().catch((err: unknown) => this.#failed('scheduler check', err));
    });
  }

  get schedule(): Schedule {
    return this.#schedule;
  }

  /**
   * The dispatch thread's side of readiness: a resident thread must have sent a heartbeat within
   * {@link MISSED_HEARTBEATS} periods (else it is stuck); a thread that failed counts until a new one beats;
   * no thread at all is fine (it ends when idle and starts on the next run).
   * @param heartbeatMs the thread's heartbeat period (config DISPATCH_HEARTBEAT_MS)
   */
  readiness(heartbeatMs: number, now = Date.now()): Readiness {
    const resident = this.#bree.workers.has('dispatch');
    if (resident) {
      const last = this.#lastBeat || this.#threadSince;
      const age = now - last;
      if (age > MISSED_HEARTBEATS * heartbeatMs) {
        return { ready: false, reason: `dispatch thread stuck: no heartbeat for ${Math.round(age / 1000)} s` };
      }
      if (this.#lastBeat) return { ready: true, detail: 'dispatch thread alive' };
    }
    if (this.#threadFailure !== undefined) return { ready: false, reason: `dispatch thread failed: ${this.#threadFailure}` };
    return { ready: true, detail: resident ? 'dispatch thread starting' : 'dispatch thread idle' };
  }

  async start(): Promise<void> {
    await (this.#bree as unknown as { init(): Promise<void> }).init();
    await this.applySchedule();
    const log = (what: string) => (err: unknown) => this.#failed(what, err);
    this.#every(this.#opts.pollMs, () => {
      if (this.#databaseUp() && !this.#ticking) this.#tick().catch(log('scheduler poll'));
    });
    this.#every(this.#opts.reportsEveryMs ?? 300_000, () => this.#pollReports());
    this.#every(this.#opts.maintenanceEveryMs ?? 600_000, () => {
      if (!this.#databaseUp()) return;
      runMaintenance(new Date(), this.#opts.retentionDays ?? 30)
        .then((r) => this.#opts.logger.info(r, 'housekeeping done'))
        .catch(log('housekeeping'));
    });
    this.kick();
  }

  #databaseUp(): boolean {
    return this.#opts.databaseUp?.() ?? true;
  }

  /** A failure because the database is away is the outage's, which the database watch logs in one line a phase. */
  #failed(what: string, err: unknown): void {
    if (this.#databaseUp() && !isConnectivityError(err)) this.#opts.logger.warn({ err }, `${what} failed`);
    else this.#opts.logger.debug({ err }, `${what} failed: the database is unreachable`);
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.add(t);
  }

  /** Wakes the dispatch thread (starting it when it is not resident) to carry out requested runs. */
  kick(): void {
    if (this.#stopping) return;
    clearTimeout(this.#restartTimer);
    const worker = this.#bree.workers.get('dispatch');
    if (worker) worker.postMessage('kick');
    else this.#bree.run('dispatch').catch((err: unknown) => this.#opts.logger.error({ err }, 'the dispatch thread failed to start'));
  }

  #pollReports(): void {
    if (this.#stopping) return;
    const worker = this.#bree.workers.get('dispatch');
    // Never a second job thread beside a resident dispatch thread: it polls the reports itself.
    if (worker) worker.postMessage('reports');
    else if (!this.#bree.workers.has('sms-reports')) {
      this.#bree.run('sms-reports').catch((err: unknown) => this.#opts.logger.error({ err }, 'the sms-reports job failed to start'));
    }
  }

  /** Reads the schedule from Settings and re-arms the timer of scheduled runs when it changed. */
  async applySchedule(): Promise<void> {
    const settings = await SettingsModel.findById(SETTINGS_ID).select({ schedule: 1, version: 1 }).lean();
    this.#settingsVersion = settings?.version ?? 0;
    const next = scheduleOf(settings?.schedule);
    if (JSON.stringify(next) === JSON.stringify(this.#schedule) && (this.#scheduleTimer || next.kind === 'off')) return;
    this.#scheduleTimer?.cancel();
    this.#scheduleTimer = undefined;
    this.#schedule = next;
    if (next.kind === 'off') {
      this.#opts.logger.info('automatic dispatch is off');
      return;
    }
    this.#armSchedule();
    this.#opts.logger.info({ schedule: next }, 'automatic dispatch scheduled');
  }

  #armSchedule(): void {
    const at = nextRunOf(this.#schedule, new Date());
    if (!at || this.#stopping) return;
    // An alarm, not a plain setTimeout: a run a month or a year away must not fire at once (see alarm.ts).
    this.#scheduleTimer = setAlarm(at, () => {
      this.#armSchedule();
      this.#scheduledRun().catch((err: unknown) => this.#failed('starting a scheduled run', err));
    });
  }

  /** A scheduled run is a Run request like /send's, so its result is recorded too; one waiting is enough. */
  async #scheduledRun(): Promise<void> {
    if (!(await RunModel.exists({ ...dueRequests(), trigger: 'schedule' }))) await requestRun({ trigger: 'schedule' });
    this.kick();
  }

  /** One at a time: while the database is slow, polls do not pile up. */
  async #tick(): Promise<void> {
    this.#ticking = true;
    try {
      const [requested, settings] = await Promise.all([
        RunModel.exists(dueRequests()),
        SettingsModel.findById(SETTINGS_ID).select({ version: 1 }).lean(),
      ]);
      if (requested) this.kick();
      if ((settings?.version ?? 0) !== this.#settingsVersion) await this.applySchedule();
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Stops scheduling; the running dispatch finishes the messages in hand and gives back those not started
   * (src/delivery/dispatch.ts), for up to `graceMs` (10 s by default), then the rest is stopped. Safe to call twice.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#restartTimer);
    this.#scheduleTimer?.cancel();
    const worker = this.#bree.workers.get('dispatch');
    if (worker) {
      worker.postMessage('cancel');
      await Promise.race([
        new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      // A thread that did not stop in time (stuck, or still sending) is ended: Bree's stop would wait for it
      // for ever. Its leases run out and another worker takes its deliveries over.
      const left = this.#bree.workers.get('dispatch');
      if (left) {
        this.#opts.logger.warn({ graceMs }, 'the dispatch thread did not stop in time; ending it');
        await left.terminate();
      }
    }
    await this.#bree.stop();
  }
}
