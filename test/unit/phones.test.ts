import { normalizePhone } from '../../src/domain/phone.js';
import { checkSmsPhone, parseCountryList } from '../../src/domain/phones.js';

describe('checkSmsPhone', () => {
  it.each([
    ['+7 912 345-67-89', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['8 (912) 345 67 89', '+79123456789'],
    ['+7 701 123 45 67', '+77011234567'], // Kazakhstan, mobile
    ['+1 202 555 0123', '+12025550123'], // US: fixed line or mobile
  ])('accepts %s as %s', (typed, e164) => {
    expect(checkSmsPhone(typed)).toMatchObject({ ok: true, e164 });
  });

  it.each([
    ['+7 809 123-45-67', 'PREMIUM_RATE'],
    ['8 800 555-35-35', 'TOLL_FREE'],
    ['+7 495 123-45-67', 'FIXED_LINE'],
  ])('refuses %s: %s', (typed, type) => {
    expect(checkSmsPhone(typed)).toMatchObject({ ok: false, reason: 'type', type });
  });

  it('refuses what is no number', () => {
    expect(checkSmsPhone('12345')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('keeps to the allowed countries', () => {
    expect(checkSmsPhone('+7 701 123 45 67', { countries: ['RU'] })).toMatchObject({ ok: false, reason: 'country', country: 'KZ' });
    expect(checkSmsPhone('+7 912 345 67 89', { countries: ['RU'] })).toMatchObject({ ok: true, country: 'RU' });
    expect(checkSmsPhone('+7 701 123 45 67', { countries: ['RU', 'KZ'] })).toMatchObject({ ok: true, country: 'KZ' });
  });
});

describe('parseCountryList', () => {
  it('reads codes and "any"', () => {
    expect(parseCountryList('RU,kz')).toEqual(['RU', 'KZ']);
    expect(parseCountryList('ru ru')).toEqual(['RU']);
    expect(parseCountryList('any')).toEqual([]);
    for (const word of ['ALL', '-', 'off', 'любые', 'все']) expect(parseCountryList(` ${word} `)).toEqual([]);
    expect(parseCountryList('ru; by,  kz')).toEqual(['RU', 'BY', 'KZ']);
  });
  it('refuses unknown codes', () => {
    expect(parseCountryList('RU,XX')).toBeUndefined();
    expect(parseCountryList('Russia')).toBeUndefined();
    expect(parseCountryList('')).toBeUndefined();
    expect(parseCountryList('any RU')).toBeUndefined();
    expect(parseCountryList('RUS')).toBeUndefined();
  });
});

describe('normalizePhone', () => {
  it('writes a number as people type it in E.164, reading one without + as Russian unless told otherwise', () => {
    expect(normalizePhone(' 8 (912) 345-67-89 ')).toBe('+79123456789');
    expect(normalizePhone('+1 202 555 0123')).toBe('+12025550123');
    expect(normalizePhone('(202) 555-0123', 'US')).toBe('+12025550123');
  });
  it('gives nothing for what is not a valid number', () => {
    expect(normalizePhone('12345')).toBeUndefined();
    expect(normalizePhone('phone')).toBeUndefined();
  });
});
