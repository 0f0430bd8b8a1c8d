/** What an admin types after /schedule, and when automatic dispatch runs next. */
import { refusal } from '../support/thrown.js';
import { checkCron, nextRunOf, parseSchedule, scheduleOf } from '../../src/domain/schedule.js';

describe('/schedule as typed', () => {
  it.each([
    ['5', 5],
    ['every 5 min', 5],
    ['Every 15 minutes', 15],
    ['every 1 minute', 1],
    ['every 10', 10],
    ['каждые 5 мин', 5],
    ['каждую 1 минуту', 1],
    ['раз в 30 минут', 30],
    ['10 m', 10],
    ['10 мин', 10],
    ['  каждые   20   минуты ', 20],
  ])('reads %j as every %d minutes', (typed, everyMinutes) => {
    expect(parseSchedule(typed)).toEqual({ kind: 'interval', everyMinutes });
  });

  it.each(['every hour', 'каждый час', 'раз в час', 'everyhour'])('reads %j as every 60 minutes', (typed) => {
    expect(parseSchedule(typed)).toEqual({ kind: 'interval', everyMinutes: 60 });
  });

  it('reads a cron expression of five or six fields, spaces tidied', () => {
    expect(parseSchedule('*/10 * * * *')).toEqual({ kind: 'cron', cron: '*/10 * * * *' });
    expect(parseSchedule(' 0  9 * * 1-5 ')).toEqual({ kind: 'cron', cron: '0 9 * * 1-5' });
    expect(parseSchedule('0 */5 * * * *')).toEqual({ kind: 'cron', cron: '0 */5 * * * *' });
  });

  it('turns dispatch off', () => {
    expect(parseSchedule('OFF')).toEqual({ kind: 'off' });
  });

  it.each(['often', '5 hours', '5 10', 'every', 'every five minutes', '12345'])('refuses %j as no schedule, naming it', (typed) => {
    expect(refusal(() => parseSchedule(` ${typed} `))).toEqual({ code: 'schedule_invalid', params: { value: typed } });
  });

  it('refuses a cron expression with a field out of range, naming it', () => {
    expect(refusal(() => parseSchedule('0 25 * * *'))).toEqual({ code: 'cron_invalid', params: { value: '0 25 * * *' } });
  });
});

describe('cron expressions', () => {
  it('keeps a valid one with single spaces', () => {
    expect(checkCron('0   9 * * *')).toBe('0 9 * * *');
  });
  it.each(['* * * *', '0 0 0 * * * *', '61 * * * *', 'a b c d e'])('refuses %j', (typed) => {
    expect(refusal(() => checkCron(typed)).code).toBe('cron_invalid');
  });
});

describe('the next run', () => {
  const from = new Date('2026-03-10T10:07:30Z');

  it('is none when dispatch is off', () => {
    expect(nextRunOf({ kind: 'off' }, from)).toBeUndefined();
  });

  it("is a cron schedule's next match after now", () => {
    expect(nextRunOf({ kind: 'cron', cron: '*/10 * * * *' }, from)?.toISOString()).toBe('2026-03-10T10:10:00.000Z');
  });

  it('counts an interval from the last run while it is ahead, else from now', () => {
    const every15 = { kind: 'interval', everyMinutes: 15 } as const;
    expect(nextRunOf(every15, from)?.toISOString()).toBe('2026-03-10T10:22:30.000Z');
    expect(nextRunOf(every15, from, new Date('2026-03-10T10:00:00Z'))?.toISOString()).toBe('2026-03-10T10:15:00.000Z');
    // overdue: the last run was more than an interval ago
    expect(nextRunOf(every15, from, new Date('2026-03-10T09:00:00Z'))?.toISOString()).toBe('2026-03-10T10:22:30.000Z');
    // the last run's next time is exactly now: counted from now
    expect(nextRunOf(every15, from, new Date('2026-03-10T09:52:30Z'))?.toISOString()).toBe('2026-03-10T10:22:30.000Z');
  });
});

describe('a stored schedule', () => {
  it('keeps a stored cron or interval and falls back to the default for an empty one', () => {
    expect(scheduleOf({ kind: 'cron', cron: '0 9 * * *' })).toEqual({ kind: 'cron', cron: '0 9 * * *' });
    expect(scheduleOf({ kind: 'interval', everyMinutes: 0 })).toEqual({ kind: 'interval', everyMinutes: 1 });
    expect(scheduleOf({ kind: 'interval', cron: '0 9 * * *' })).toEqual({ kind: 'interval', everyMinutes: 1 });
    expect(scheduleOf({ kind: 'cron', everyMinutes: 5 })).toEqual({ kind: 'interval', everyMinutes: 1 });
    expect(scheduleOf(null)).toEqual({ kind: 'interval', everyMinutes: 1 });
  });
});
