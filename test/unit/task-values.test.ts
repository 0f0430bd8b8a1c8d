/** What people type for task fields (`/edit 12 status done`, `/edit 12 due +3d`), read as the bot stores it. */
import { refusal } from '../support/thrown.js';
import { formatDue, parseDue, parseField, parseOnOff, parsePriority, parseStatus, parseTaskNumber } from '../../src/domain/task-values.js';

describe('field names', () => {
  it.each([
    ['title', 'title'],
    [' Status ', 'status'],
    ['DUE', 'due'],
    ['название', 'title'],
    ['Заголовок', 'title'],
    ['desc', 'description'],
    ['срок', 'due'],
    ['deadline', 'due'],
    ['исполнитель', 'assignee'],
    ['приватность', 'private'],
  ])('reads %j as %s', (typed, field) => {
    expect(parseField(typed)).toBe(field);
  });

  it('refuses an unknown name, naming it and the fields there are', () => {
    expect(refusal(() => parseField(' colour '))).toEqual({
      code: 'field_unknown',
      params: { value: 'colour', fields: 'title, description, status, priority, due, assignee, private' },
    });
  });
});

describe('statuses', () => {
  it.each([
    ['done', 'done'],
    ['In   Progress', 'in_progress'],
    ['in-progress', 'in_progress'],
    ['canceled', 'cancelled'],
    ['в работе', 'in_progress'],
    ['На проверке', 'review'],
    ['готово', 'done'],
    ['отменено', 'cancelled'],
  ])('reads %j as %s', (typed, status) => {
    expect(parseStatus(typed)).toBe(status);
  });

  it('refuses another word, naming the statuses there are', () => {
    expect(refusal(() => parseStatus(' finished '))).toEqual({
      code: 'status_invalid',
      params: { value: 'finished', values: 'new, in_progress, review, done, cancelled' },
    });
  });
});

describe('priorities', () => {
  it.each([
    ['urgent', 'urgent'],
    [' HIGH ', 'high'],
    ['нормальный', 'normal'],
    ['срочно', 'urgent'],
    ['низкий', 'low'],
  ])('reads %j as %s', (typed, priority) => {
    expect(parsePriority(typed)).toBe(priority);
  });

  it('refuses another word, naming the priorities there are', () => {
    expect(refusal(() => parsePriority('asap'))).toEqual({
      code: 'priority_invalid',
      params: { value: 'asap', values: 'low, normal, high, urgent' },
    });
  });
});

describe('on and off', () => {
  it.each(['on', 'Yes', 'true', '1', 'да', ' ВКЛ '])('%j is on', (typed) => {
    expect(parseOnOff(typed)).toBe(true);
  });
  it.each(['off', 'no', 'false', '0', 'нет', 'выкл', '-'])('%j is off', (typed) => {
    expect(parseOnOff(typed)).toBe(false);
  });
  it('refuses anything else', () => {
    expect(refusal(() => parseOnOff(' maybe '))).toEqual({ code: 'on_off_invalid', params: { value: 'maybe' } });
  });
});

describe('due dates', () => {
  const moscow = 'Europe/Moscow';
  // 10:20:30 in Moscow
  const now = new Date('2026-03-10T07:20:30.500Z');

  it('reads a date at midnight and a date with a time, in the person’s zone', () => {
    expect(parseDue('25.12.2026', moscow, now)?.toISOString()).toBe('2026-12-24T21:00:00.000Z');
    expect(parseDue('25.12.2026 18:00', moscow, now)?.toISOString()).toBe('2026-12-25T15:00:00.000Z');
    expect(parseDue('2026-12-25', moscow, now)?.toISOString()).toBe('2026-12-24T21:00:00.000Z');
    expect(parseDue('2026-12-25  18.30', moscow, now)?.toISOString()).toBe('2026-12-25T15:30:00.000Z');
    expect(parseDue('5.1.27 9:05', moscow, now)?.toISOString()).toBe('2027-01-05T06:05:00.000Z');
    expect(parseDue('25.12.2026 18:00', 'Asia/Vladivostok', now)?.toISOString()).toBe('2026-12-25T08:00:00.000Z');
  });

  it('reads +N days, hours and weeks (in English or Russian letters) from now, to the minute', () => {
    expect(parseDue('+3d', moscow, now)?.toISOString()).toBe('2026-03-13T07:20:00.000Z');
    expect(parseDue('+3д', moscow, now)?.toISOString()).toBe('2026-03-13T07:20:00.000Z');
    expect(parseDue('+5h', moscow, now)?.toISOString()).toBe('2026-03-10T12:20:00.000Z');
    expect(parseDue('+5 ч', moscow, now)?.toISOString()).toBe('2026-03-10T12:20:00.000Z');
    expect(parseDue('+2w', moscow, now)?.toISOString()).toBe('2026-03-24T07:20:00.000Z');
    expect(parseDue('+2Н', moscow, now)?.toISOString()).toBe('2026-03-24T07:20:00.000Z');
  });

  it('reads today and tomorrow as the start of that day in the person’s zone', () => {
    expect(parseDue('today', moscow, now)?.toISOString()).toBe('2026-03-09T21:00:00.000Z');
    expect(parseDue('Сегодня', moscow, now)?.toISOString()).toBe('2026-03-09T21:00:00.000Z');
    expect(parseDue('tomorrow', moscow, now)?.toISOString()).toBe('2026-03-10T21:00:00.000Z');
    expect(parseDue('завтра', moscow, now)?.toISOString()).toBe('2026-03-10T21:00:00.000Z');
    // At 21:30 UTC it is 00:30 of the next day in Moscow
    expect(parseDue('today', moscow, new Date('2026-03-10T21:30:00Z'))?.toISOString()).toBe('2026-03-10T21:00:00.000Z');
  });

  it('clears the date with an off word', () => {
    expect(parseDue(' off ', moscow, now)).toBeNull();
    expect(parseDue('нет', moscow, now)).toBeNull();
  });

  it.each(['31.02.2026', '25.12.2026 25:00', 'next friday', '+3m', '+12345d', '2026-12-25T18:00', ''])('refuses %j', (typed) => {
    expect(refusal(() => parseDue(` ${typed} `, moscow, now))).toEqual({ code: 'due_invalid', params: { value: typed } });
  });

  it('shows a date at midnight without the time, and any other with it, in the reader’s zone', () => {
    expect(formatDue(new Date('2026-12-24T21:00:00Z'), moscow)).toBe('25.12.2026');
    expect(formatDue(new Date('2026-12-24T21:00:00Z'), 'UTC')).toBe('24.12.2026 21:00');
    expect(formatDue(new Date('2026-12-25T15:05:00Z'), moscow)).toBe('25.12.2026 18:05');
    expect(formatDue(new Date('2026-12-24T21:30:00Z'), moscow)).toBe('25.12.2026 00:30');
    expect(formatDue(new Date('2026-12-25T12:00:00Z'), moscow)).toBe('25.12.2026 15:00');
  });
});

describe('task numbers', () => {
  it.each([
    ['12', 12],
    ['#12', 12],
    ['№7', 7],
    [' 42 ', 42],
    ['999999999', 999_999_999],
  ])('reads %j as %d', (typed, n) => {
    expect(parseTaskNumber(typed)).toBe(n);
  });

  it.each([
    ['twelve', 'twelve'],
    ['#', '#'],
    ['1234567890', '1234567890'],
    ['12a', '12a'],
    ['-1', '-1'],
    [' #1 2 ', '#1 2'],
  ])('refuses %j', (typed, value) => {
    expect(refusal(() => parseTaskNumber(typed))).toEqual({ code: 'task_number_invalid', params: { value } });
  });

  it('refuses a missing number with an empty value', () => {
    expect(refusal(() => parseTaskNumber(undefined))).toEqual({ code: 'task_number_invalid', params: { value: '' } });
  });
});
