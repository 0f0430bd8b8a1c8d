import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Bree from 'bree';
import { CronExpressionParser } from 'cron-parser';
import type { Logger } from '../logger.js';
import { RunModel, SettingsModel, SETTINGS_ID } from '../db/models/index.js';
import type { JobData } from './dispatch-job.js';

/** The compiled job files (dist/jobs) beside this module's compiled folder (dist/src/scheduler). */
export const DEFAULT_JOBS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../jobs');

export interface SchedulerOptions {
  logger: Logger;
  mongoUri: string;
  secretKey: string;
  /** Folder of the compiled Bree jobs. @defaultValue {@link DEFAULT_JOBS_DIR} */
  jobsDir?: string;
  /** How often to look for /send requests written by another process, in ms. */
  pollMs: number;
  /** How often SMS delivery reports are polled, in ms. @defaultValue 300_000 */
  reportsEveryMs?: number;
}

export type ScheduleSetting = { kind: 'interval'; everyMinutes: number } | { kind: 'cron'; cron: string } | { kind: 'off' };

/**
 * Bree runs the jobs in worker threads: `dispatch` on demand (a /send request, or one polled from the
 * database), `dispatch-schedule` on the admin's schedule, `sms-reports` every few minutes. All state is in
 * MongoDB; this class only wakes the work up.
 */
export class Scheduler {
  readonly #bree: Bree;
  readonly #opts: SchedulerOptions;
  readonly #jobsDir: string;
  #again = false;
  #poll?: NodeJS.Timeout;
  #settingsVersion = -1;
  #schedule: ScheduleSetting = { kind: 'off' };
  #stopping = false;
  #idleWaiters: Array<() => void> = [];

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    const jobsDir = (this.#jobsDir = opts.jobsDir ?? DEFAULT_JOBS_DIR);
    const data = (trigger: JobData['trigger']): JobData => ({ mongoUri: opts.mongoUri, secretKey: opts.secretKey, trigger });
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
      jobs: [
        { name: 'dispatch', path: path.join(jobsDir, 'dispatch.js'), timeout: false, worker: { workerData: data('requests') } },
        {
          name: 'sms-reports',
          path: path.join(jobsDir, 'sms-reports.js'),
          interval: opts.reportsEveryMs ?? 300_000,
          timeout: false,
          worker: { workerData: data('requests') },
        },
      ],
    });
    this.#bree.on('worker deleted', (name: string) => {
      if (name !== 'dispatch') return;
      if (this.#again && !this.#stopping) {
        this.#again = false;
        void this.#bree.run('dispatch');
        return;
      }
      for (const w of this.#idleWaiters.splice(0)) w();
    });
  }

  get schedule(): ScheduleSetting {
    return this.#schedule;
  }

  async start(): Promise<void> {
    await (this.#bree as unknown as { init(): Promise<void> }).init();
    await this.#bree.start('sms-reports');
    await this.applySchedule();
    this.#poll = setInterval(() => void this.#tick().catch((err) => this.#opts.logger.warn({ err }, 'scheduler poll failed')), this.#opts.pollMs);
    this.#poll.unref();
    this.kick();
  }

  /** Runs the dispatch job now; if it is running, once more when it ends (it may have missed the newest request). */
  kick(): void {
    if (this.#stopping) return;
    if (this.#bree.workers.has('dispatch')) {
      this.#again = true;
      return;
    }
    void this.#bree.run('dispatch');
  }

  /** Reads the schedule from Settings and (re)installs the scheduled job when it changed. */
  async applySchedule(): Promise<void> {
    const settings = await SettingsModel.findById(SETTINGS_ID).select({ schedule: 1, version: 1 }).lean();
    this.#settingsVersion = settings?.version ?? 0;
    const s = settings?.schedule;
    const next: ScheduleSetting =
      s?.kind === 'off'
        ? { kind: 'off' }
        : s?.kind === 'cron' && s.cron
          ? { kind: 'cron', cron: s.cron }
          : { kind: 'interval', everyMinutes: s?.everyMinutes ?? 1 };
    if (JSON.stringify(next) === JSON.stringify(this.#schedule) && this.#bree.config.jobs.some((j: { name: string }) => j.name === 'dispatch-schedule')) return;
    if (this.#bree.config.jobs.some((j: { name: string }) => j.name === 'dispatch-schedule')) await this.#bree.remove('dispatch-schedule');
    this.#schedule = next;
    if (next.kind === 'off') {
      this.#opts.logger.info('automatic dispatch is off');
      return;
    }
    const data: JobData = { mongoUri: this.#opts.mongoUri, secretKey: this.#opts.secretKey, trigger: 'schedule' };
    await this.#bree.add({
      name: 'dispatch-schedule',
      path: path.join(this.#jobsDir, 'dispatch.js'),
      ...(next.kind === 'cron' ? { cron: next.cron } : { interval: next.everyMinutes * 60_000 }),
      timeout: false,
      worker: { workerData: data },
    });
    await this.#bree.start('dispatch-schedule');
    this.#opts.logger.info({ schedule: next }, 'automatic dispatch scheduled');
  }

  async #tick(): Promise<void> {
    const [requested, settings] = await Promise.all([
      RunModel.exists({ status: 'requested' }),
      SettingsModel.findById(SETTINGS_ID).select({ version: 1 }).lean(),
    ]);
    if (requested) this.kick();
    if ((settings?.version ?? 0) !== this.#settingsVersion) await this.applySchedule();
  }

  /** Stops scheduling, lets a running dispatch finish (up to `graceMs`), then stops the rest. Safe to call twice. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#poll);
    if (this.#bree.workers.has('dispatch')) {
      await Promise.race([
        new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    }
    await this.#bree.stop();
  }
}

/**
 * The next time a schedule fires after `from`: a cron schedule's next match; an interval schedule counts
 * from its last run (`last`), or from `from` when there was none or it is overdue.
 */
export function nextRunOf(schedule: ScheduleSetting, from: Date, last?: Date): Date | undefined {
  if (schedule.kind === 'off') return undefined;
  if (schedule.kind === 'cron') return CronExpressionParser.parse(schedule.cron, { currentDate: from }).next().toDate();
  const every = schedule.everyMinutes * 60_000;
  const fromLast = last ? last.getTime() + every : 0;
  return new Date(fromLast > from.getTime() ? fromLast : from.getTime() + every);
}
