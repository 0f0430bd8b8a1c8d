/**
 * Due-date reminders and escalation, the pure rules: leads and their moments across DST changes and month
 * ends (fixed dates: these functions are given both the date and the data), which moment a sweep fires,
 * what /remind and /escalate refuse, and how a reminder reads in the recipient's zone and language.
 */
import { DateTime } from 'luxon';
import {
  leadsOf,
  nextReminderMoment,
  parseLead,
  parseRemind,
  reminderMoment,
  reminderToFire,
  remindersOf,
  roughDuration,
} from '../../src/domain/reminders.js';
import { parseEscalate } from '../../src/domain/escalation.js';
import { reminderLine } from '../../src/domain/reminder-texts.js';
import { notificationWords } from '../../src/i18n/notification-words.js';
import type { NotificationItem } from '../../src/domain/templates.js';

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const inZone = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm');

describe('leads', () => {
  it('reads days, hours and minutes in both languages, in canonical form', () => {
    expect(['1d', '2h', '30m', '30min', '3д', '5ч', '10м', ' 2H '].map(parseLead)).toEqual([
      '1d',
      '2h',
      '30m',
      '30m',
      '3d',
      '5h',
      '10m',
      '2h',
    ]);
  });

  it('refuses a lead over 30 days, zero, negative or without a unit', () => {
    expect(['31d', '721h', '43201m', '0h', '0d', '-1h', '2', 'h', '1w', '1.5h'].map(parseLead)).toEqual(Array(10).fill(undefined));
    expect(parseLead('30d')).toBe('30d');
    expect(parseLead('720h')).toBe('720h');
  });

  it('/remind: leads, off, default, author on|off; anything else changes nothing', () => {
    expect(parseRemind(['1d', '2h'])).toEqual({ leads: ['1d', '2h'] });
    expect(parseRemind(['off'])).toEqual({ leads: [] });
    expect(parseRemind(['default'])).toEqual({ leads: ['24h', '1h'] });
    expect(parseRemind(['author', 'on'])).toEqual({ author: true });
    expect(parseRemind(['3h', 'author', 'off'])).toEqual({ leads: ['3h'], author: false });
    for (const bad of [
      ['31d'],
      ['0h'],
      ['-2h'],
      ['soon'],
      ['author'],
      ['author', 'maybe'],
      ['off', '2h'],
      ['1h', '2h', '3h', '4h', '5h', '6h'],
      [],
    ]) {
      expect(parseRemind(bad)).toBeUndefined();
    }
  });

  it('defaults to 24 h and 1 h; none at all when turned off; longest first', () => {
    expect(leadsOf({})).toEqual(['24h', '1h']);
    expect(leadsOf({ remindLeads: [] })).toEqual([]);
    expect(leadsOf({ remindLeads: ['2h', '1d', '30m'] })).toEqual(['1d', '2h', '30m']);
    expect(remindersOf(new Date(), { remindLeads: [] }, 'UTC')).toEqual([]);
  });
});

describe('moments', () => {
  it('a day before is the same wall-clock time the day before across a DST change (New York, spring forward)', () => {
    const zone = 'America/New_York';
    // DST began on Sunday 8 March 2026 at 02:00: from Saturday 18:00 to Sunday 18:00 is 23 hours.
    const due = local('2026-03-08T18:00', zone);
    const day = reminderMoment(due, '1d', zone);
    expect(inZone(day, zone)).toBe('2026-03-07 18:00');
    expect(due.getTime() - day.getTime()).toBe(23 * 3600_000);
    // 24 hours are 24 hours: 17:00 local the day before.
    expect(inZone(reminderMoment(due, '24h', zone), zone)).toBe('2026-03-07 17:00');
  });

  it('and in London when the clocks go back (a 25-hour day)', () => {
    const zone = 'Europe/London';
    const due = local('2026-10-25T09:00', zone);
    const day = reminderMoment(due, '1d', zone);
    expect(inZone(day, zone)).toBe('2026-10-24 09:00');
    expect(due.getTime() - day.getTime()).toBe(25 * 3600_000);
  });

  it('crosses month ends and a leap day in Moscow (no DST)', () => {
    const zone = 'Europe/Moscow';
    expect(inZone(reminderMoment(local('2026-03-01T00:30', zone), '1d', zone), zone)).toBe('2026-02-28 00:30');
    expect(inZone(reminderMoment(local('2028-03-01T00:30', zone), '1d', zone), zone)).toBe('2028-02-29 00:30');
    expect(inZone(reminderMoment(local('2026-01-01T10:00', zone), '2h', zone), zone)).toBe('2026-01-01 08:00');
    expect(inZone(reminderMoment(local('2026-05-01T01:00', zone), '90m', zone), zone)).toBe('2026-04-30 23:30');
    expect(inZone(reminderMoment(local('2026-03-31T12:00', zone), '30d', zone), zone)).toBe('2026-03-01 12:00');
  });

  it('a sweep fires the moment in its window; of several, the one nearest the due time; none twice', () => {
    const zone = 'Europe/Moscow';
    const due = local('2026-12-25T18:00', zone);
    const p = {};
    const at = (iso: string) => local(iso, zone);
    expect(reminderToFire(due, p, zone, at('2026-12-24T17:59'), at('2026-12-24T18:00'))).toEqual({
      lead: '24h',
      at: at('2026-12-24T18:00'),
    });
    // The window (from, to]: a moment at its start was the previous sweep's.
    expect(reminderToFire(due, p, zone, at('2026-12-24T18:00'), at('2026-12-25T16:59'))).toBeUndefined();
    // A worker down for two days: only the overdue one, not three at once.
    expect(reminderToFire(due, p, zone, at('2026-12-23T00:00'), at('2026-12-26T00:00'))).toEqual({ lead: 'overdue', at: due });
    expect(reminderToFire(due, { remindLeads: [] }, zone, at('2026-12-23T00:00'), at('2026-12-26T00:00'))).toBeUndefined();
  });

  it('the next moment after a time, however far ahead', () => {
    const zone = 'Europe/Moscow';
    const due = local('2027-06-01T12:00', zone);
    expect(nextReminderMoment(due, {}, zone, local('2026-12-01T00:00', zone))).toEqual(local('2027-05-31T12:00', zone));
    expect(nextReminderMoment(due, {}, zone, local('2027-06-01T11:00', zone))).toEqual(due);
    expect(nextReminderMoment(due, {}, zone, due)).toBeUndefined();
  });
});

describe('escalation settings', () => {
  it('reads a priority (its key or its Russian name) and minutes 1–1440, or off', () => {
    expect(parseEscalate(['high', '15'])).toEqual({ priority: 'high', minutes: 15 });
    expect(parseEscalate(['срочный', '1440'])).toEqual({ priority: 'urgent', minutes: 1440 });
    expect(parseEscalate(['high', 'off'])).toEqual({ priority: 'high', minutes: null });
  });

  it('refuses an unknown priority, minutes out of 1–1440 and missing or extra words', () => {
    for (const bad of [
      ['highest', '15'],
      ['high', '0'],
      ['high', '1441'],
      ['high', '-5'],
      ['high', '1.5'],
      ['high'],
      ['high', '15', 'now'],
      [],
    ]) {
      expect(parseEscalate(bad)).toBeUndefined();
    }
  });
});

describe('how a reminder reads', () => {
  const item = (due: Date, lead: string): NotificationItem => ({
    task: { number: 12, title: 'Квартальный отчёт', status: 'in_progress', priority: 'high', due },
    actor: '',
    at: due,
    fields: [],
    reminder: { due, lead },
  });
  const opts = (language: string, timezone: string) => ({ words: notificationWords(language), timezone, personName: 'Иван' });

  it('overdue, in Russian, in the recipient zone', () => {
    const due = local('2025-12-25T18:00', 'Europe/Moscow');
    const now = new Date(due.getTime() + 2 * 24 * 3600_000);
    expect(reminderLine(item(due, 'overdue'), opts('ru', 'Europe/Moscow'), now)).toBe(
      'Задание #12 «Квартальный отчёт» просрочено с 25.12 18:00 (2 дня)',
    );
    // Vladivostok reads the same instant as 01:00 the next day.
    expect(reminderLine(item(due, 'overdue'), opts('ru', 'Asia/Vladivostok'), now)).toBe(
      'Задание #12 «Квартальный отчёт» просрочено с 26.12 01:00 (2 дня)',
    );
  });

  it('before the due time, with what is left counted when it goes', () => {
    const due = local('2025-12-25T18:00', 'Europe/Moscow');
    expect(reminderLine(item(due, '1h'), opts('ru', 'Europe/Moscow'), new Date(due.getTime() - 3600_000))).toBe(
      'Задание #12 «Квартальный отчёт»: срок 25.12 18:00 (через 60 минут)',
    );
    expect(reminderLine(item(due, '24h'), opts('en', 'Europe/Moscow'), new Date(due.getTime() - 24 * 3600_000))).toBe(
      'Task #12 "Квартальный отчёт" is due 25 Dec 18:00 (in 24 hours)',
    );
    // Held by quiet hours past the due time: it says overdue, not "in 0 minutes".
    expect(reminderLine(item(due, '1h'), opts('en', 'Europe/Moscow'), new Date(due.getTime() + 5 * 3600_000))).toBe(
      'Task #12 "Квартальный отчёт" is overdue since 25 Dec 18:00 (5 hours)',
    );
  });

  it('the wall clock of the due time across DST (London): the same hour reads an hour apart', () => {
    const zone = 'Europe/London';
    const before = new Date('2026-10-24T17:00:00Z'); // BST: 18:00
    const after = new Date('2026-10-25T17:00:00Z'); // GMT: 17:00
    const now = new Date('2026-10-27T17:00:00Z');
    expect(reminderLine(item(before, 'overdue'), opts('ru', zone), now)).toBe(
      'Задание #12 «Квартальный отчёт» просрочено с 24.10 18:00 (3 дня)',
    );
    expect(reminderLine(item(after, 'overdue'), opts('ru', zone), now)).toBe(
      'Задание #12 «Квартальный отчёт» просрочено с 25.10 17:00 (2 дня)',
    );
  });

  it('rounds durations the way they read: minutes under 2 h, hours under 2 days, at least a minute', () => {
    expect(roughDuration(0)).toEqual({ unit: 'minute', n: 1 });
    expect(roughDuration(119 * 60_000)).toEqual({ unit: 'minute', n: 119 });
    expect(roughDuration(47 * 3600_000)).toEqual({ unit: 'hour', n: 47 });
    expect(roughDuration(-49 * 3600_000)).toEqual({ unit: 'day', n: 2 });
    const w = notificationWords('ru');
    expect([1, 2, 5, 11, 21].map((n) => w.duration('day', n))).toEqual(['1 день', '2 дня', '5 дней', '11 дней', '21 день']);
  });
});
