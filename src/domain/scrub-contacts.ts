/**
 * Hides e-mail addresses and phone numbers in free text, such as a provider's failure reason
 * (`550 <ivan@example.org>: user unknown`, `invalid number 79123456789`), before a member reads it.
 */

const EMAIL = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+\.[^\s<>()[\]"',;:@.]{2,}/g;
/**
 * 7 to 15 digits, optionally after `+`, with at most two of space, `-`, `(`, `)` between them (not dots or
 * colons: `127.0.0.1:2525` and `5.1.1` are not phones), not glued to letters or other digits.
 */
const PHONE = /(?<![\w+])\+?\(?\d(?:[ \-()]{0,2}\d){6,14}(?![\w])/g;

/** Placeholders that take the place of what was hidden. */
export const HIDDEN_EMAIL = '[e-mail]';
export const HIDDEN_PHONE = '[phone]';

/** `text` with every e-mail address replaced by {@link HIDDEN_EMAIL} and every phone number by {@link HIDDEN_PHONE}. */
export function scrubContacts(text: string): string {
  return text.replace(EMAIL, HIDDEN_EMAIL).replace(PHONE, HIDDEN_PHONE);
}
