/**
 * The admin's schedule of automatic runs: read from Settings, re-armed when it changes, and turned into a
 * `schedule` Run request when it comes due.
 */
import type { Logger } from '../logger.js';
import { RunModel, SettingsModel, SETTINGS_ID } from '../db/models/index.js';
import { dueRequests, requestRun } from '../delivery/runs.js';
import { nextRunOf, scheduleOf, type Schedule } from '../domain/schedule.js';
import { setAlarm, type Alarm } from './alarm.js';

export class RunSchedule {
  #alarm?: Alarm;
  #settingsVersion = -1;
  #schedule: Schedule = { kind: 'off' };
  #stopped = false;

  constructor(
    private readonly logger: Logger,
    /** Wakes the dispatch thread for the run requested. */
    private readonly kick: () => void,
    /** Told of a scheduled run that could not be requested. */
    private readonly failed: (what: string, err: unknown) => void,
  ) {}

  get current(): Schedule {
    return this.#schedule;
  }

  /** Whether Settings moved on from the version the schedule was read at. */
  isStale(settingsVersion: number): boolean {
    return settingsVersion !== this.#settingsVersion;
  }

  /** Reads the schedule from Settings and re-arms the timer of scheduled runs when it changed. */
  async apply(): Promise<void> {
    const settings = await SettingsModel.findById(SETTINGS_ID).select({ schedule: 1, version: 1 }).lean();
    this.#settingsVersion = settings?.version ?? 0;
    const next = scheduleOf(settings?.schedule);
    if (JSON.stringify(next) === JSON.stringify(this.#schedule) && (this.#alarm || next.kind === 'off')) return;
    this.#alarm?.cancel();
    this.#alarm = undefined;
    this.#schedule = next;
    if (next.kind === 'off') {
      this.logger.info('automatic dispatch is off');
      return;
    }
    this.#arm();
    this.logger.info({ schedule: next }, 'automatic dispatch scheduled');
  }

  #arm(): void {
    const at = nextRunOf(this.#schedule, new Date());
    if (!at || this.#stopped) return;
    // An alarm, not a plain setTimeout: a run a month or a year away must not fire at once (see alarm.ts).
    this.#alarm = setAlarm(at, () => {
      this.#arm();
      this.#scheduledRun().catch((err: unknown) => this.failed('starting a scheduled run', err));
    });
  }

  /** A scheduled run is a Run request like /send's, so its result is recorded too; one waiting is enough. */
  async #scheduledRun(): Promise<void> {
    if (!(await RunModel.exists({ ...dueRequests(), trigger: 'schedule' }))) await requestRun({ trigger: 'schedule' });
    this.kick();
  }

  stop(): void {
    this.#stopped = true;
    this.#alarm?.cancel();
  }
}
