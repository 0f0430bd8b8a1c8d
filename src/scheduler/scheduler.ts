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
}

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
      errorHandler: (err: unknown, meta: { name: string }) => log.error({ err, job: meta.name }, 'job failed'),
      workerMessageHandler: ({ message }: { message: unknown }) => {
        if (isMetricsMessage(message)) opts.onMetrics?.(message.delta);
      },
      jobs: [
        { name: 'dispatch', path: path.join(jobsDir, 'dispatch.js'), timeout: false, worker: { workerData } },
        { name: 'sms-reports', path: path.join(jobsDir, 'sms-reports.js'), timeout: false, worker: { workerData } },
      ],
    });
    this.#bree.on('worker deleted', (name: string) => {
      if (name !== 'dispatch') return;
      for (const w of this.#idleWaiters.splice(0)) w();
      // A kick posted while the thread was already on its way out is lost: look for requests again.
      if (!this.#stopping) void this.#tick().catch((err) => this.#opts.logger.warn({ err }, 'scheduler check failed'));
    });
  }

  get schedule(): Schedule {
    return this.#schedule;
  }

  async start(): Promise<void> {
    await (this.#bree as unknown as { init(): Promise<void> }).init();
    await this.applySchedule();
    const log = (what: string) => (err: unknown) => this.#opts.logger.warn({ err }, `${what} failed`);
    this.#every(this.#opts.pollMs, () => void this.#tick().catch(log('scheduler poll')));
    this.#every(this.#opts.reportsEveryMs ?? 300_000, () => this.#pollReports());
    this.#every(
      this.#opts.maintenanceEveryMs ?? 600_000,
      () =>
        void runMaintenance(new Date(), this.#opts.retentionDays ?? 30)
          .then((r) => this.#opts.logger.info(r, 'housekeeping done'))
          .catch(log('housekeeping')),
    );
    this.kick();
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.add(t);
  }

  /** Wakes the dispatch thread (starting it when it is not resident) to carry out requested runs. */
  kick(): void {
    if (this.#stopping) return;
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
      void this.#scheduledRun().catch((err) => this.#opts.logger.warn({ err }, 'scheduled run failed to start'));
    });
  }

  /** A scheduled run is a Run request like /send's, so its result is recorded too; one waiting is enough. */
  async #scheduledRun(): Promise<void> {
    if (!(await RunModel.exists({ ...dueRequests(), trigger: 'schedule' }))) await requestRun({ trigger: 'schedule' });
    this.kick();
  }

  async #tick(): Promise<void> {
    const [requested, settings] = await Promise.all([
      RunModel.exists(dueRequests()),
      SettingsModel.findById(SETTINGS_ID).select({ version: 1 }).lean(),
    ]);
    if (requested) this.kick();
    if ((settings?.version ?? 0) !== this.#settingsVersion) await this.applySchedule();
  }

  /**
   * Stops scheduling; the running dispatch finishes the messages in hand and gives back those not started
   * (src/delivery/dispatch.ts), for up to `graceMs` (10 s by default), then the rest is stopped. Safe to call twice.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const t of this.#timers) clearInterval(t);
    this.#scheduleTimer?.cancel();
    const worker = this.#bree.workers.get('dispatch');
    if (worker) {
      worker.postMessage('cancel');
      await Promise.race([
        new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    }
    await this.#bree.stop();
  }
}
