import { nextDigestAt, parseDigest, parseTimeOfDay } from '../../src/domain/digest.js';

const iso = (d: Date) => d.toISOString();

describe('nextDigestAt', () => {
  it('is today at that local time when it is still to come, else tomorrow', () => {
    // 10:00 in Vladivostok (UTC+10) is 00:00 UTC.
    expect(iso(nextDigestAt('18:00', 'Asia/Vladivostok', new Date('2027-03-10T00:00:00Z')))).toBe('2027-03-10T08:00:00.000Z');
    expect(iso(nextDigestAt('18:00', 'Asia/Vladivostok', new Date('2027-03-10T08:00:00Z')))).toBe('2027-03-11T08:00:00.000Z');
    expect(iso(nextDigestAt('09:30', 'Europe/Moscow', new Date('2027-03-10T07:00:00Z')))).toBe('2027-03-11T06:30:00.000Z');
  });

  it('keeps the local time across a DST change', () => {
    // Berlin: UTC+1 before 29 March 2026, UTC+2 after.
    expect(iso(nextDigestAt('18:00', 'Europe/Berlin', new Date('2026-03-28T18:00:00Z')))).toBe('2026-03-29T16:00:00.000Z');
    // 02:30 does not exist on 29 March (02:00 → 03:00): the digest comes when the clock reads 03:30.
    expect(iso(nextDigestAt('02:30', 'Europe/Berlin', new Date('2026-03-28T23:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October: one digest, at the second (standard time, UTC+1); none at the first.
    expect(iso(nextDigestAt('02:30', 'Europe/Berlin', new Date('2026-10-24T23:00:00Z')))).toBe('2026-10-25T01:30:00.000Z');
    expect(iso(nextDigestAt('02:30', 'Europe/Berlin', new Date('2026-10-25T01:30:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });
});

describe('parseDigest', () => {
  it('reads now, daily HH:MM and daily HH:MM sms', () => {
    expect(parseDigest(['now'])).toBe('now');
    expect(parseDigest(['daily', '18:00'])).toEqual({ time: '18:00', sms: false });
    expect(parseDigest(['DAILY', '9.05', 'SMS'])).toEqual({ time: '09:05', sms: true });
    expect(parseDigest(['ежедневно', '7:00', 'смс'])).toEqual({ time: '07:00', sms: true });
  });

  it('refuses anything else', () => {
    for (const words of [
      [],
      ['daily'],
      ['daily', '24:00'],
      ['daily', '18:60'],
      ['now', '18:00'],
      ['daily', '18:00', 'email'],
      ['weekly', '18:00'],
    ]) {
      expect(parseDigest(words)).toBeUndefined();
    }
    expect(parseTimeOfDay('1800')).toBeUndefined();
  });
});
