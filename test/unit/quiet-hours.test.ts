import { parseQuietHours, quietHoursEnd } from '../../src/domain/quiet-hours.js';

describe('parseQuietHours', () => {
  it.each([
    ['22:00-08:00', { start: '22:00', end: '08:00' }],
    ['22:00 - 8:00', { start: '22:00', end: '08:00' }],
    ['22.30–07.15', { start: '22:30', end: '07:15' }],
    ['9:00-18:00', { start: '09:00', end: '18:00' }],
    [' 23:00—0.00 ', { start: '23:00', end: '00:00' }],
  ])('reads %s', (text, expected) => {
    expect(parseQuietHours(text)).toEqual(expected);
  });

  it.each([
    '25:00-08:00',
    '22:00-08:60',
    '22:00-24:00',
    '22:00',
    '22:00-22:00',
    '22:0-08:00',
    '22:00-08:00 x',
    'x 22:00-08:00',
    'night',
    '',
  ])('refuses %j', (text) => {
    expect(parseQuietHours(text)).toBeUndefined();
  });
});

describe('quietHoursEnd', () => {
  const night = { start: '22:00', end: '07:00' };

  it("holds until the next morning when the night spans midnight (in the person's zone)", () => {
    // 23:30 in Moscow (UTC+3)
    expect(quietHoursEnd(new Date('2026-11-29T20:30:00Z'), night, 'Europe/Moscow')?.toISOString()).toBe('2026-11-30T04:00:00.000Z');
    // 01:00 in Moscow: the same morning
    expect(quietHoursEnd(new Date('2026-11-29T22:00:00Z'), night, 'Europe/Moscow')?.toISOString()).toBe('2026-11-30T04:00:00.000Z');
  });

  it('holds from the minute they start, until the exact minute they end whatever the seconds now', () => {
    // 22:00:00 in Moscow
    expect(quietHoursEnd(new Date('2026-11-29T19:00:00Z'), night, 'Europe/Moscow')?.toISOString()).toBe('2026-11-30T04:00:00.000Z');
    // 21:59:59 in Moscow: not yet
    expect(quietHoursEnd(new Date('2026-11-29T18:59:59Z'), night, 'Europe/Moscow')).toBeUndefined();
    // 23:30:45.500 in Moscow
    expect(quietHoursEnd(new Date('2026-11-29T20:30:45.500Z'), night, 'Europe/Moscow')?.toISOString()).toBe('2026-11-30T04:00:00.000Z');
    // 06:59:59 in Moscow: still
    expect(quietHoursEnd(new Date('2026-11-30T03:59:59Z'), night, 'Europe/Moscow')?.toISOString()).toBe('2026-11-30T04:00:00.000Z');
  });

  it('holds nothing for hours that start and end at the same minute, or miss one end', () => {
    const at = new Date('2026-11-29T20:30:00Z');
    expect(quietHoursEnd(at, { start: '23:00', end: '23:00' }, 'Europe/Moscow')).toBeUndefined();
    expect(quietHoursEnd(at, { start: '22:00', end: '' }, 'Europe/Moscow')).toBeUndefined();
    expect(quietHoursEnd(at, { start: '', end: '07:00' }, 'Europe/Moscow')).toBeUndefined();
  });

  it('does not hold outside the hours, nor at the minute they end', () => {
    expect(quietHoursEnd(new Date('2026-11-29T12:00:00Z'), night, 'Europe/Moscow')).toBeUndefined();
    expect(quietHoursEnd(new Date('2026-11-30T04:00:00Z'), night, 'Europe/Moscow')).toBeUndefined();
  });

  it('uses the zone of the person, not of the server', () => {
    const at = new Date('2026-11-29T20:30:00Z'); // 23:30 in Moscow, 15:30 in New York
    expect(quietHoursEnd(at, night, 'Europe/Moscow')).toBeDefined();
    expect(quietHoursEnd(at, night, 'America/New_York')).toBeUndefined();
  });

  it('handles hours within one day', () => {
    const lunch = { start: '13:00', end: '14:00' };
    expect(quietHoursEnd(new Date('2026-11-29T10:30:00Z'), lunch, 'Europe/Moscow')?.toISOString()).toBe('2026-11-29T11:00:00.000Z');
    expect(quietHoursEnd(new Date('2026-11-29T11:30:00Z'), lunch, 'Europe/Moscow')).toBeUndefined();
  });

  it('holds nothing without quiet hours', () => {
    expect(quietHoursEnd(new Date(), undefined, 'Europe/Moscow')).toBeUndefined();
  });
});
