/**
 * SMS length arithmetic (GSM 03.38 / 03.40): which encoding a text needs, how many units and parts it takes,
 * and how to cut it to a number of parts. Pure, no I/O.
 */

/** GSM 03.38 basic character set: one septet each (ESC 0x1B is left out: it only introduces the extension table). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** GSM 03.38 extension table: ESC + one septet, two septets each, and the pair is never split across parts. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

export type SmsEncoding = keyof typeof LIMITS;

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** Parts the text is sent in; 0 for the empty text (nothing to send). */
  parts: number;
  /** Capacity of each part as applied: 160/70 for a single part, 153/67 once split. */
  perPart: number;
}

/** True when every character of `text` is in the GSM-7 basic or extension table. */
function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) return false;
  return true;
}

/**
 * Weights of the indivisible pieces of `text` in the given encoding: GSM-7 one septet per basic
 * character and two per extension character; UCS-2 one unit per BMP character and two per surrogate pair.
 */
function weights(text: string, encoding: SmsEncoding): number[] {
  const out: number[] = [];
  for (const ch of text) {
    out.push(encoding === 'GSM-7' ? (GSM_EXTENSION.has(ch) ? 2 : 1) : ch.length);
  }
  return out;
}

/** Packs pieces in order into parts of `capacity`, a piece never split, and counts the parts. */
function packParts(pieces: number[], capacity: number): number {
  let parts = 0;
  let room = 0;
  for (const w of pieces) {
    if (w > room) {
      parts += 1;
      room = capacity;
    }
    room -= w;
  }
  return parts;
}

/**
 * Encoding, length and number of parts of an SMS text.
 * Any character outside the GSM-7 tables switches the whole text to UCS-2.
 * The empty text is GSM-7, 0 units and 0 parts: there is nothing to send.
 */
export function analyzeSms(text: string): SmsAnalysis {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const { single, multi } = LIMITS[encoding];
  const pieces = weights(text, encoding);
  const units = pieces.reduce((a, b) => a + b, 0);
  if (units <= single) return { encoding, units, parts: units === 0 ? 0 : 1, perPart: single };
  return { encoding, units, parts: packParts(pieces, multi), perPart: multi };
}

export interface FittedSms {
  /** The text as sent: the original, or its cut with an ellipsis. */
  text: string;
  truncated: boolean;
  analysis: SmsAnalysis;
}

/**
 * Cuts `text` to at most `maxParts` parts, ending the cut with an ellipsis: "..." for GSM-7 texts
 * (so the cut stays GSM-7), "…" for UCS-2 texts. Never splits a surrogate pair or an escape pair;
 * drops trailing white space before the ellipsis. A text that fits is returned unchanged.
 * @throws RangeError when maxParts is not a positive whole number.
 */
export function fitSms(text: string, maxParts: number): FittedSms {
  if (!Number.isInteger(maxParts) || maxParts < 1) {
    throw new RangeError(`maxParts must be a positive whole number (got ${maxParts})`);
  }
  const analysis = analyzeSms(text);
  if (analysis.parts <= maxParts) return { text, truncated: false, analysis };

  const ellipsis = analysis.encoding === 'GSM-7' ? '...' : '…';
  const chars = Array.from(text);
  const cut = (n: number) => chars.slice(0, n).join('').trimEnd() + ellipsis;
  // Parts grow monotonically with the prefix length, so the longest prefix that fits is found by bisection.
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (analyzeSms(cut(mid)).parts <= maxParts) lo = mid;
    else hi = mid - 1;
  }
  const fitted = cut(lo);
  return { text: fitted, truncated: true, analysis: analyzeSms(fitted) };
}
