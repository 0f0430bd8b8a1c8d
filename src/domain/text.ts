/** Clipping text for places with a length limit, without cutting a character (or an emoji) in half. */

/** Telegram refuses a message text longer than this many UTF-16 units. */
export const TELEGRAM_MAX_LENGTH = 4096;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` when it is at most `max` UTF-16 units long; otherwise its longest run of whole graphemes (an emoji
 * with its modifiers, a letter with its accents) that fits with an ellipsis after it, and the ellipsis.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out}…`;
}
