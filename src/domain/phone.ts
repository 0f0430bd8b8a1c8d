/** Phone numbers as people type them, and as the SMS gateways take them (E.164). */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * A phone as people type it (`+7 912 345-67-89`, `89123456789`, `8 (912) 345 67 89`) in E.164 (`+79123456789`),
 * or undefined when it is not a valid number. Numbers without `+` are read as numbers of `defaultCountry`.
 */
export function normalizePhone(input: string, defaultCountry: CountryCode = 'RU'): string | undefined {
  const phone = parsePhoneNumberFromString(input.trim(), defaultCountry);
  return phone?.isValid() ? phone.number : undefined;
}
