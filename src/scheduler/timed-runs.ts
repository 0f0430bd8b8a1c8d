/**
 * Runs at their minute, whatever the admin's schedule: a due-date reminder's moment, or the end of an
 * escalation wait. The alarm is set for the next such time (however far: see alarm.ts for waits past
 * Node's 24.8-day timer limit); when it rings it requests a run, as the schedule does, and is set again.
 * What moves those times (a due date edited, a task done, `/remind`, a change planned with escalation) is
 * written by any process, so the next time is read again every `rescanMs` too.
 */
import type { Logger } from '../logger.js';
import { RunModel } from '../db/models/index.js';
import { nextTimedRunAt, reminderWatermark } from '../delivery/reminders.js';
import { dueRequests, requestRun } from '../delivery/runs.js';
import { setAlarm, type Alarm } from './alarm.js';

export class TimedRuns {
  #alarm?: Alarm;
  #at?: number;
  #stopped = false;

  constructor(
    private readonly logger: Logger,
    /** Wakes the dispatch thread for the run requested. */
    private readonly kick: () => void,
    /** Told of a timed run that could not be requested. */
    private readonly failed: (what: string, err: unknown) => void,
  ) {}

  /** When the alarm is set for (ms since the epoch), or undefined. */
  get next(): number | undefined {
    return this.#at;
  }

  /** Reads the next time and sets the alarm for it, unless it is set for that time already. */
  async apply(now = new Date()): Promise<void> {
    // Reminders start from the first time a worker looks: nothing of the past fires on the first start.
    await reminderWatermark(now);
    const next = (await nextTimedRunAt(now))?.getTime();
    if (this.#stopped || next === this.#at) return;
    this.#alarm?.cancel();
    this.#alarm = undefined;
    this.#at = next;
    if (next === undefined) return;
    this.#alarm = setAlarm(new Date(next), () => {
      this.#at = undefined;
      this.#alarm = undefined;
      this.#ring().catch((err: unknown) => this.failed('starting a run for a reminder or an escalation', err));
    });
    this.logger.debug({ at: new Date(next).toISOString() }, 'next reminder or escalation run');
  }

  async #ring(): Promise<void> {
    if (this.#stopped) return;
    if (!(await RunModel.exists({ ...dueRequests(), trigger: 'schedule' }))) await requestRun({ trigger: 'schedule' });
    this.kick();
    await this.apply();
  }

  stop(): void {
    this.#stopped = true;
    this.#alarm?.cancel();
  }
}
