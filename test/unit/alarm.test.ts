/** Alarms for far moments: Node fires a timer above 2^31−1 ms after 1 ms; an alarm must not. */
import { jest } from '@jest/globals';
import { CronExpressionParser } from 'cron-parser';
import { MAX_TIMER_MS, setAlarm } from '../../src/scheduler/alarm.js';

const DAY = 24 * 60 * 60 * 1000;

beforeEach(() => {
  // Fake timers clamp an over-long delay to 1 ms exactly as Node does.
  jest.useFakeTimers({ now: new Date('2026-11-29T10:00:00Z') });
});
afterEach(() => {
  jest.useRealTimers();
});

it('a plain timer beyond the limit fires at once (the trap this guards against)', () => {
  const fired = jest.fn();
  setTimeout(fired, MAX_TIMER_MS + 1);
  jest.advanceTimersByTime(5);
  expect(fired).toHaveBeenCalledTimes(1);
});

it('rings a yearly cron (next run 33 days away) once, at its time, and not before', () => {
  const at = CronExpressionParser.parse('0 9 1 1 *', { currentDate: new Date(), tz: 'UTC' }).next().toDate();
  expect(at.toISOString()).toBe('2027-01-01T09:00:00.000Z');
  const ring = jest.fn();
  setAlarm(at, ring);

  jest.advanceTimersByTime(20_000);
  expect(ring).not.toHaveBeenCalled();
  expect(jest.getTimerCount()).toBe(1); // one timer waiting, not a loop of them

  jest.advanceTimersByTime(at.getTime() - Date.now() - 1);
  expect(ring).not.toHaveBeenCalled();
  jest.advanceTimersByTime(1);
  expect(ring).toHaveBeenCalledTimes(1);
  jest.advanceTimersByTime(400 * DAY);
  expect(ring).toHaveBeenCalledTimes(1);
});

it('rings 29 February four years away, at its time', () => {
  const at = CronExpressionParser.parse('0 12 29 2 *', { currentDate: new Date('2030-01-01T00:00:00Z'), tz: 'UTC' })
    .next()
    .toDate();
  expect(at.toISOString()).toBe('2032-02-29T12:00:00.000Z');
  const ring = jest.fn();
  setAlarm(at, ring);
  jest.advanceTimersByTime(at.getTime() - Date.now() - 1000);
  expect(ring).not.toHaveBeenCalled();
  jest.advanceTimersByTime(1000);
  expect(ring).toHaveBeenCalledTimes(1);
});

it('rings at once for a moment already past, and never after cancel', () => {
  const past = jest.fn();
  setAlarm(new Date(Date.now() - 1), past);
  expect(past).toHaveBeenCalledTimes(1);

  const cancelled = jest.fn();
  const alarm = setAlarm(new Date(Date.now() + 40 * DAY), cancelled);
  jest.advanceTimersByTime(30 * DAY);
  alarm.cancel();
  alarm.cancel();
  jest.advanceTimersByTime(20 * DAY);
  expect(cancelled).not.toHaveBeenCalled();
  expect(jest.getTimerCount()).toBe(0);
});
