import { callbackData, callbackPattern, answerOf } from '../../src/domain/callback-data.js';
import { smtpPortFor, smtpSecurityFor, SMTP_SECURITIES } from '../../src/domain/gateways.js';
import { isOff, OFF_WORDS } from '../../src/domain/off-words.js';
import { DEFAULT_SCHEDULE, parseSchedule, scheduleOf } from '../../src/domain/schedule.js';
import { clip } from '../../src/domain/text.js';
import { UserError } from '../../src/domain/errors.js';
import { heldUntil } from '../../src/domain/quiet-hours.js';

describe('the words that mean "off"', () => {
  it.each(['off', 'OFF', ' none ', 'нет', 'выкл', 'убрать', '-', 'stop'])('%p is off', (word) => {
    expect(isOff(word)).toBe(true);
  });
  it.each(['on', '22:00-08:00', 'nothing', ''])('%p is not', (word) => {
    expect(isOff(word)).toBe(false);
  });
  it('turns a schedule off with every one of them', () => {
    for (const word of OFF_WORDS) expect(parseSchedule(word)).toEqual({ kind: 'off' });
  });
});

describe('clip', () => {
  it('leaves a text that fits alone', () => {
    expect(clip('short', 5)).toBe('short');
  });
  it('cuts to the limit with an ellipsis', () => {
    expect(clip('я'.repeat(10), 5)).toBe('яяяя…');
  });
  it('never cuts an emoji or a flag in half', () => {
    const text = `ab${'👍🏽'.repeat(3)}`; // each thumb: 4 UTF-16 units
    const out = clip(text, 8);
    expect(out).toBe('ab👍🏽…');
    expect(out.length).toBeLessThanOrEqual(8);
    expect(clip('🇷🇺🇷🇺', 6)).toBe('🇷🇺…');
  });
});

describe('a mistake of the person using taskwatch', () => {
  it('carries its code and values for the message, and names both in the log', () => {
    const err = new UserError('task_not_found', { number: 12 });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('UserError');
    expect(err.message).toBe('task_not_found {"number":12}');
    expect(new UserError('no_change').message).toBe('no_change');
    expect(new UserError('no_change').params).toEqual({});
  });
});

describe('SMTP port and security', () => {
  it('pairs 465 with TLS, 587 with STARTTLS and 25 with plain, both ways', () => {
    for (const security of SMTP_SECURITIES) expect(smtpSecurityFor(smtpPortFor(security))).toBe(security);
    expect(smtpSecurityFor(2525)).toBe('none');
  });
});

describe('schedule as stored', () => {
  it('applies the default where nothing usable was saved', () => {
    expect(scheduleOf(undefined)).toEqual(DEFAULT_SCHEDULE);
    expect(scheduleOf({ kind: 'cron', cron: null })).toEqual(DEFAULT_SCHEDULE);
    expect(scheduleOf({ kind: 'interval', everyMinutes: 5 })).toEqual({ kind: 'interval', everyMinutes: 5 });
    expect(scheduleOf({ kind: 'off' })).toEqual({ kind: 'off' });
  });
});

describe('callback data', () => {
  it('is recognised by its pattern, with the task number back', () => {
    expect(callbackPattern.unwatch.exec(callbackData.unwatch(12))?.[1]).toBe('12');
    expect(callbackPattern.channels.exec(callbackData.channels(7))?.[1]).toBe('7');
    expect(callbackPattern.pick.exec(callbackData.pick(3, 5, 'save'))?.slice(1)).toEqual(['3', '5', 'save']);
    expect(callbackPattern.unwatch.test(callbackData.channels(12))).toBe(false);
    expect(answerOf(callbackData.answer('Europe/Moscow'))).toBe('Europe/Moscow');
    expect(answerOf(callbackData.cancel)).toBeUndefined();
  });
  it("routes every button to its own handler: each builder's data matches its pattern, with its arguments back, and no other", () => {
    const built: Array<[keyof typeof callbackPattern, string, string[]]> = [
      ['unwatch', callbackData.unwatch(12), ['12']],
      ['channels', callbackData.channels(12), ['12']],
      ['taskView', callbackData.taskView(12), ['12']],
      ['taskDone', callbackData.taskDone(12), ['12']],
      ['taskObservers', callbackData.taskObservers(12), ['12']],
      ['pick', callbackData.pick(12, 5, 2), ['12', '5', '2']],
      ['language', callbackData.language('en'), ['en']],
      ['answer', callbackData.answer('a:b\nc'), ['a:b\nc']],
      ['joinDecision', callbackData.joinDecision(true, '0123456789abcdef01234567'), ['ok', '0123456789abcdef01234567']],
      ['joinDecision', callbackData.joinDecision(false, '0123456789abcdef01234567'), ['no', '0123456789abcdef01234567']],
    ];
    for (const [name, data, args] of built) {
      const matching = Object.entries(callbackPattern)
        .filter(([, pattern]) => pattern.test(data))
        .map(([n]) => n);
      expect({ data, matching, args: callbackPattern[name].exec(data)?.slice(1) }).toEqual({ data, matching: [name], args });
    }
  });
  it('refuses data that only looks like a button: other values, extra text, a wrong id', () => {
    for (const data of [
      'tw:unwatch:12x',
      'xtw:chan:1',
      'task:view:',
      'task:done:-1',
      'task:observers:1 ',
      'pick:1:2:10',
      'pick:1:x:save',
    ]) {
      expect(Object.values(callbackPattern).filter((p) => p.test(data))).toEqual([]);
    }
    expect(callbackPattern.language.test('lang:de')).toBe(false);
    expect(callbackPattern.joinDecision.test('join:maybe:0123456789abcdef01234567')).toBe(false);
    expect(callbackPattern.joinDecision.test('join:ok:0123456789ABCDEF01234567')).toBe(false);
    expect(callbackPattern.joinDecision.test('join:ok:0123456789abcdef0123456')).toBe(false);
    expect(answerOf('x:ask:1')).toBeUndefined();
  });
  it('fits the 64 bytes Telegram allows, every builder at its largest arguments', () => {
    const n = 999_999_999;
    const largest = [
      callbackData.unwatch(n),
      callbackData.channels(n),
      callbackData.taskView(n),
      callbackData.taskDone(n),
      callbackData.taskObservers(n),
      callbackData.pick(n, 7, 'save'),
      callbackData.pick(n, 7, 2),
      callbackData.pickClose,
      callbackData.language('ru'),
      callbackData.language('en'),
      callbackData.cancel,
      callbackData.joinDecision(true, 'f'.repeat(24)),
      callbackData.joinDecision(false, 'f'.repeat(24)),
    ];
    for (const data of largest) expect({ data, bytes: Buffer.byteLength(data) <= 64 }).toEqual({ data, bytes: true });
  });
});

describe('which channel waits for quiet hours', () => {
  const night = new Date('2026-01-10T20:00:00Z'); // 23:00 in Moscow
  const person = { quietHours: { start: '22:00', end: '08:00' }, timezone: 'Europe/Moscow', quietEmail: false };
  it('sends at once to a person without quiet hours, on every channel', () => {
    for (const quietHours of [undefined, null, { start: '22:00' }, { start: null, end: '08:00' }]) {
      expect(heldUntil('sms', { ...person, quietHours, quietEmail: true }, night)).toBeUndefined();
      expect(heldUntil('email', { ...person, quietHours, quietEmail: true }, night)).toBeUndefined();
    }
  });
  it('holds SMS always, e-mail only when chosen, Telegram never', () => {
    expect(heldUntil('sms', person, night)?.toISOString()).toBe('2026-01-11T05:00:00.000Z');
    expect(heldUntil('email', person, night)).toBeUndefined();
    expect(heldUntil('email', { ...person, quietEmail: true }, night)).toBeDefined();
    expect(heldUntil('telegram', person, night)).toBeUndefined();
  });
});
