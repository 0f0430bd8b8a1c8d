/** When automatic dispatch runs: the one shape of a schedule, its default, how people type it, its next time. */
import { CronExpressionParser } from 'cron-parser';
import { UserError } from './errors.js';
import { isOff } from './off-words.js';

export type Schedule = { kind: 'interval'; everyMinutes: number } | { kind: 'cron'; cron: string } | { kind: 'off' };

/** Every minute, until an admin sets another schedule. */
export const DEFAULT_SCHEDULE: Schedule = { kind: 'interval', everyMinutes: 1 };

/** The bounds of an interval schedule, in minutes (a day at most). */
export const SCHEDULE_MINUTES = { min: 1, max: 1440 } as const;

/** A schedule as stored (fields optional, as mongoose returns them), with the defaults applied. */
export function scheduleOf(
  stored: { kind?: string | null; everyMinutes?: number | null; cron?: string | null } | null | undefined,
): Schedule {
  if (stored?.kind === 'off') return { kind: 'off' };
  if (stored?.kind === 'cron' && stored.cron) return { kind: 'cron', cron: stored.cron };
  if (stored?.kind === 'interval' && stored.everyMinutes) return { kind: 'interval', everyMinutes: stored.everyMinutes };
  return DEFAULT_SCHEDULE;
}

export function checkCron(expr: string): string {
  const cron = expr.trim().replace(/\s+/g, ' ');
  const fields = cron.split(' ').length;
  if (fields < 5 || fields > 6) throw new UserError('cron_invalid', { value: cron });
  try {
    CronExpressionParser.parse(cron, { strict: false });
  } catch {
    throw new UserError('cron_invalid', { value: cron });
  }
  return cron;
}

/**
 * What people type after /schedule: `every 5 min`, `каждые 5 мин`, `5` (minutes), a cron expression
 * (`*\/10 * * * *`), or `off`.
 */
export function parseSchedule(raw: string): Schedule {
  const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (isOff(s)) return { kind: 'off' };
  const every = /^(?:every|каждые|каждую|каждый|раз в)?\s*(\d{1,4})\s*(m|min|mins|minutes?|м|мин|минут[уы]?)?$/.exec(s);
  if (every && (every[2] || !s.includes(' ') || /^(every|кажд|раз)/.test(s))) {
    return { kind: 'interval', everyMinutes: Number(every[1]) };
  }
  const everyHour = /^(?:every|каждый|раз в) ?(hour|час)$/.exec(s);
  if (everyHour) return { kind: 'interval', everyMinutes: 60 };
  if (s.split(' ').length >= 5) return { kind: 'cron', cron: checkCron(raw) };
  throw new UserError('schedule_invalid', { value: raw.trim() });
}

/**
 * The next time a schedule fires after `from`: a cron schedule's next match; an interval schedule counts
 * from its last run (`last`), or from `from` when there was none or it is overdue.
 */
export function nextRunOf(schedule: Schedule, from: Date, last?: Date): Date | undefined {
  if (schedule.kind === 'off') return undefined;
  if (schedule.kind === 'cron') return CronExpressionParser.parse(schedule.cron, { currentDate: from }).next().toDate();
  const every = schedule.everyMinutes * 60_000;
  const fromLast = last ? last.getTime() + every : 0;
  return new Date(fromLast > from.getTime() ? fromLast : from.getTime() + every);
}
