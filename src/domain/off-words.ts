/**
 * The words that mean "clear it" wherever a value can be turned off (e-mail, phone, quiet hours, due date,
 * sender, schedule), in the one-line commands and in the conversations alike.
 */
export const OFF_WORDS: readonly string[] = ['off', 'none', 'stop', '-', 'нет', 'выкл', 'убрать'];

/** Whether `raw` (any case, surrounding spaces ignored) is one of the {@link OFF_WORDS}. */
export function isOff(raw: string): boolean {
  return OFF_WORDS.includes(raw.trim().toLowerCase());
}
