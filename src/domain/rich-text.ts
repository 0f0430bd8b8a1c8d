/**
 * Styled text as the domain describes it: pieces of plain text, some in a style. Delivery turns it into a
 * Telegram message with entities (telegraf's formatting helpers); the domain knows nothing of Telegram's
 * wire format. Lengths are in UTF-16 code units, as Telegram counts them. Pure: no I/O.
 */

/** How a piece of text is shown. */
export type RichStyle = 'bold' | 'italic';

/** A run of text, plain or in one style. */
export interface RichPiece {
  text: string;
  style?: RichStyle;
}

/** A message: its pieces in order. */
export type RichText = RichPiece[];

/** The pieces' text, joined: what the reader sees. */
export function plainOf(rich: RichText): string {
  return rich.map((p) => p.text).join('');
}

/** Length of the visible text, in UTF-16 code units. */
export function richLength(rich: RichText): number {
  return rich.reduce((n, p) => n + p.text.length, 0);
}

/** `parts` one after another with `separator` (plain) between them. */
export function joinRich(parts: RichText[], separator: string): RichText {
  return parts.flatMap((p, i) => (i === 0 ? p : [{ text: separator }, ...p]));
}
