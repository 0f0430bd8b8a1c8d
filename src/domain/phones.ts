/**
 * Which phone numbers taskwatch sends SMS to: numbers that can take an SMS (libphonenumber types MOBILE and
 * FIXED_LINE_OR_MOBILE), optionally only of some countries. Premium-rate, shared-cost, toll-free, VoIP, UAN,
 * personal, pager, fixed-line and numbers of unknown type are refused: a premium-rate number set as an SMS
 * phone would bill the company's gateway. `getType()` needs libphonenumber's full ('max') metadata.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

const SMS_TYPES: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** Why a number was refused; `type` is the libphonenumber type (or `UNKNOWN`). */
export type SmsPhoneCheck =
  | { ok: true; e164: string; country?: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'type'; type: string; e164: string }
  | { ok: false; reason: 'country'; country: string; e164: string };

export interface SmsPhoneOptions {
  /** How to read a number without `+` (`89123456789`); default RU. */
  defaultCountry?: CountryCode;
  /** ISO 3166 codes numbers must belong to; empty or absent: any country. */
  countries?: readonly string[];
}

/**
 * Checks a phone as people type it (`+7 912 345-67-89`, `89123456789`) for SMS: E.164 when it can take an
 * SMS (and is of an allowed country), else why not.
 */
export function checkSmsPhone(input: string, opts: SmsPhoneOptions = {}): SmsPhoneCheck {
  const phone = parsePhoneNumberFromString(input.trim(), opts.defaultCountry ?? 'RU');
  if (!phone?.isValid()) return { ok: false, reason: 'invalid' };
  const type = phone.getType();
  if (!type || !SMS_TYPES.has(type)) return { ok: false, reason: 'type', type: type ?? 'UNKNOWN', e164: phone.number };
  const allowed = opts.countries ?? [];
  if (allowed.length && (!phone.country || !allowed.includes(phone.country))) {
    return { ok: false, reason: 'country', country: phone.country ?? '??', e164: phone.number };
  }
  return { ok: true, e164: phone.number, ...(phone.country ? { country: phone.country } : {}) };
}

/**
 * `RU,KZ`, `ru kz` → `['RU', 'KZ']`; `any` (or `all`, `-`, `off`) → `[]` (any country). Undefined when a code is
 * not an ISO 3166 country libphonenumber knows.
 */
export function parseCountryList(raw: string): string[] | undefined {
  const words = raw
    .split(/[\s,;]+/)
    .map((w) => w.trim().toUpperCase())
    .filter(Boolean);
  if (words.length === 1 && ['ANY', 'ALL', '-', 'OFF', 'ЛЮБЫЕ', 'ВСЕ'].includes(words[0]!)) return [];
  if (!words.length || !words.every((w) => /^[A-Z]{2}$/.test(w) && isSupportedCountry(w))) return undefined;
  return [...new Set(words)];
}
