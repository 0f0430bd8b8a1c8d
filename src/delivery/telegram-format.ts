/**
 * The domain's styled text (src/domain/rich-text.ts) as a Telegram message: text plus entities, built with
 * telegraf's formatting helpers, whose offsets and lengths are in UTF-16 code units as Telegram counts them.
 * Sent with `entities` (never `parse_mode`), so no title or comment can break the markup.
 */
import { bold, fmt, italic, join, type FmtString } from 'telegraf/format';
import type { MessageEntity } from 'telegraf/types';
import type { RichPiece, RichText } from '../domain/rich-text.js';

const STYLED = { bold, italic } as const;

function piece(p: RichPiece): string | FmtString {
  return p.style && p.text ? STYLED[p.style](p.text) : p.text;
}

/** `rich` as one formatted string (telegraf's FmtString). */
export function toFmt(rich: RichText): FmtString {
  return fmt(join(rich.map(piece)));
}

/** The text and entities of a message; no entity at all when nothing is styled. */
export function telegramText(rich: RichText): { text: string; entities: MessageEntity[] } {
  const f = toFmt(rich);
  return { text: f.text, entities: f.entities ?? [] };
}
