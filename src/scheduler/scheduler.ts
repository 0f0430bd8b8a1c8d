import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Bree from 'bree';
import type { Logger } from '../logger.js';
import type { Config } from '../config.js';
import { RunModel, SettingsModel, SETTINGS_ID } from '../db/models/index.js';
import type { JobData } from './job-context.js';
import type { SecretBox } from '../secrets.js';
import { dueRequests } from '../delivery/runs.js';
import { runMaintenance } from './maintenance.js';
import { isConnectivityError } from '../db/db-watch.js';
import type { Schedule } from '../domain/schedule.js';
import { isMetricsMessage, type MetricsDelta } from '../delivery/metrics.js';
import { DISPATCH, DispatchThread, type Readiness } from './dispatch-thread.js';
import { RunSchedule } from './run-schedule.js';
import { TimedRuns } from './timed-runs.js';

/** The compiled job files (dist/jobs) beside this module's compiled folder (dist/src/scheduler). */
export const DEFAULT_JOBS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../jobs');

export interface SchedulerOptions {
  /** Handed to every job thread as is (see {@link JobData.config}); threads do not read process.env. */
  config: Config;
  logger: Logger;
  mongoUri: string;
  /** The process's box: its job threads get the keys it derived (see {@link JobData.secrets}). */
  secrets: SecretBox;
  /** Folder of the compiled Bree jobs. @defaultValue {@link DEFAULT_JOBS_DIR} */
  jobsDir?: string;
  /** How often to look for /send requests written by another process, in ms. */
  pollMs: number;
  /** How often SMS delivery reports are polled, in ms. @defaultValue 300_000 */
  reportsEveryMs?: number;
  /** How often housekeeping runs (old claims, dead runs, retention), in ms. @defaultValue 600_000 */
  maintenanceEveryMs?: number;
  /**
   * How often the time of the next reminder or escalation run is read again (a due date edited in another
   * process moves it), in ms. @defaultValue 30_000
   */
  timedRunsRescanMs?: number;
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

/**
 * Bree runs the work in worker threads: `dispatch`, a resident thread woken by messages (supervised by
 * {@link DispatchThread}), and `sms-reports` when no dispatch thread is there to poll them. All state is in
 * MongoDB; this class only wakes the work up: on /send (a Run request, from this process or polled from the
 * database), on the admin's schedule ({@link RunSchedule}), and for report polls and housekeeping.
 */
export class Scheduler {
  readonly #bree: Bree;
  readonly #opts: SchedulerOptions;
  readonly #thread: DispatchThread;
  readonly #schedule: RunSchedule;
  readonly #timed: TimedRuns;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopping = false;
  #ticking = false;

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    const jobsDir = opts.jobsDir ?? DEFAULT_JOBS_DIR;
    // Derived once, by the process: a thread's start does not pay for scrypt again.
    const workerData: JobData = { config: opts.config, mongoUri: opts.mongoUri, secrets: opts.secrets.keys() };
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
        if (meta.name === DISPATCH) this.#thread.errored(err);
        log.error({ err, job: meta.name }, 'job failed');
      },
      workerMessageHandler: ({ name, message }: { name: string; message: unknown }) => {
        if (isMetricsMessage(message)) opts.onMetrics?.(message.delta);
        else if (name === DISPATCH) this.#thread.message(message);
      },
      jobs: [
        { name: DISPATCH, path: path.join(jobsDir, 'dispatch.js'), timeout: false, worker: { workerData } },
        { name: 'sms-reports', path: path.join(jobsDir, 'sms-reports.js'), timeout: false, worker: { workerData } },
      ],
    });
    const logFailure = (what: string, err: unknown) => this.#failed(what, err);
    this.#thread = new DispatchThread(this.#bree, opts.logger, () => {
      if (this.#databaseUp()) this.#tick().catch((err: unknown) => logFailure('scheduler check', err));
    });
    this.#schedule = new RunSchedule(opts.logger, () => this.kick(), logFailure);
    this.#timed = new TimedRuns(opts.logger, () => this.kick(), logFailure);
  }

  /** When the next reminder or escalation run is set for (ms since the epoch), or undefined. */
  get nextTimedRun(): number | undefined {
    return this.#timed.next;
  }

  /** Reads the time of the next reminder or escalation run again and sets its alarm. */
  async applyTimedRuns(): Promise<void> {
    await this.#timed.apply();
  }

  get schedule(): Schedule {
    return this.#schedule.current;
  }

  /** See {@link DispatchThread.readiness}. */
  readiness(heartbeatMs: number, now = Date.now()): Readiness {
    return this.#thread.readiness(heartbeatMs, now);
  }

  async start(): Promise<void> {
    await (this.#bree as unknown as { init(): Promise<void> }).init();
    await this.applySchedule();
    const log = (what: string) => (err: unknown) => this.#failed(what, err);
    this.#every(this.#opts.pollMs, () => {
      if (this.#databaseUp() && !this.#ticking) this.#tick().catch(log('scheduler poll'));
    });
    await this.#timed.apply().catch(log('reading the next reminder'));
    this.#every(this.#opts.timedRunsRescanMs ?? 30_000, () => {
      if (this.#databaseUp()) this.#timed.apply().catch(log('reading the next reminder'));
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
    if (!this.#stopping) this.#thread.kick();
  }

  #pollReports(): void {
    if (this.#stopping) return;
    // Never a second job thread beside a resident dispatch thread: it polls the reports itself.
    if (this.#thread.pollReports() || this.#bree.workers.has('sms-reports')) return;
    this.#bree.run('sms-reports').catch((err: unknown) => this.#opts.logger.error({ err }, 'the sms-reports job failed to start'));
  }

  /** Reads the schedule from Settings and re-arms the timer of scheduled runs when it changed. */
  async applySchedule(): Promise<void> {
    await this.#schedule.apply();
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
      if (this.#schedule.isStale(settings?.version ?? 0)) await this.applySchedule();
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
    this.#schedule.stop();
    this.#timed.stop();
    await this.#thread.stop(graceMs);
    await this.#bree.stop();
  }
}
