/**
 * SMS length arithmetic (GSM 03.38 / 03.40): which encoding a text needs, how many units and parts it takes,
 * and how to cut it to a number of parts. Pure, no I/O.
 *
 * Pieces are grapheme clusters (what a reader sees as one character): a family emoji with joiners, a flag or
 * a letter with a combining accent is never split, in a cut or across parts; one that would straddle a part
 * boundary opens the next part, as providers bill it.
 */

/** GSM 03.38 basic character set: one septet each (ESC 0x1B is left out: it only introduces the extension table). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** GSM 03.38 extension table: ESC + one septet, two septets each, and the pair is never split across parts. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

/**
 * Typographic characters and their GSM-7 stand-ins: a text that is GSM-7 but for these is sent in GSM-7
 * (160 a part) with the stand-ins rather than in UCS-2 (70 a part).
 */
const GSM_SUBSTITUTES: Record<string, string> = {
  '→': '->',
  '←': '<-',
  '—': '-',
  '–': '-',
  '‒': '-',
  '‑': '-',
  '−': '-',
  '…': '...',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '‟': '"',
  '«': '"',
  '»': '"',
  '\u00a0': ' ',
  '\u202f': ' ',
};

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

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Texts whose every character is a grapheme of its own (Unicode's Grapheme_Cluster_Break Other or Control;
 * CR LF is split anyway): no combining mark, joiner, variation selector, surrogate or Hangul jamo.
 */
export const ONE_UNIT_GRAPHEMES =
  // eslint-disable-next-line no-control-regex -- control characters are graphemes of their own: they belong in the range
  /^[\u0000-\u02af\u0370-\u0482\u048a-\u052f\u2010-\u2027\u2030-\u205e\u20a0-\u20cf\u2100-\u214f\u2190-\u21ff]*$/;

/** The grapheme clusters of `text`, in order; CR LF counts as two (they are two septets a part may split). */
export function graphemes(text: string): string[] {
  // Most texts (Latin, Cyrillic, Greek, the punctuation, arrows and currency signs our messages use) have no
  // character that joins its neighbours: each UTF-16 unit is one grapheme, and the segmenter, which costs
  // about a tenth of a millisecond a message, is not needed (test/unit/sms-segments.test.ts checks the ranges).
  if (ONE_UNIT_GRAPHEMES.test(text)) return text.split('');
  return Array.from(segmenter.segment(text), (s) => s.segment).flatMap((g) => (g === '\r\n' ? ['\r', '\n'] : [g]));
}

const isGsmChar = (ch: string) => GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch);

/** True when every character of `text` is in the GSM-7 basic or extension table. */
function isGsm7(text: string): boolean {
  for (const ch of text) if (!isGsmChar(ch)) return false;
  return true;
}

/** The GSM-7 form of one grapheme (with stand-ins for typographic characters), or undefined if it has none. */
function gsmForm(grapheme: string): string | undefined {
  let out = '';
  for (const ch of grapheme) {
    const sub = GSM_SUBSTITUTES[ch] ?? ch;
    if (!isGsm7(sub)) return undefined;
    out += sub;
  }
  return out;
}

/**
 * The text as it should be sent: with GSM-7 stand-ins for typographic characters (`→` `->`, `—` `-`, `…`
 * `...`, curly and angle quotes straight) when that makes the whole text GSM-7; otherwise unchanged, since
 * UCS-2 carries those characters anyway.
 */
export function toGsmWherePossible(text: string): string {
  const forms = graphemes(text).map(gsmForm);
  return forms.every((f) => f !== undefined) ? forms.join('') : text;
}

/** Units of one piece (a grapheme) in the given encoding. */
function weightOf(piece: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS-2') return piece.length;
  let w = 0;
  for (const ch of piece) w += GSM_EXTENSION.has(ch) ? 2 : 1;
  return w;
}

/**
 * Packs pieces in order into parts of `capacity`, a piece never split, and counts the parts. A piece larger
 * than a whole part (a long run of combining marks) cannot stay whole: it is packed per code point.
 */
function packParts(pieces: string[], encoding: SmsEncoding, capacity: number): number {
  let parts = 0;
  let room = 0;
  const place = (w: number) => {
    if (w > room) {
      parts += 1;
      room = capacity;
    }
    room -= w;
  };
  for (const piece of pieces) {
    const w = weightOf(piece, encoding);
    if (w <= capacity) place(w);
    else for (const ch of piece) place(weightOf(ch, encoding));
  }
  return parts;
}

/**
 * Encoding, length and number of parts of an SMS text as it is (no stand-ins applied: see
 * {@link toGsmWherePossible}). Any character outside the GSM-7 tables switches the whole text to UCS-2.
 * The empty text is GSM-7, 0 units and 0 parts: there is nothing to send.
 */
export function analyzeSms(text: string): SmsAnalysis {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const { single, multi } = LIMITS[encoding];
  const pieces = graphemes(text);
  const units = pieces.reduce((a, p) => a + weightOf(p, encoding), 0);
  if (units <= single) return { encoding, units, parts: units === 0 ? 0 : 1, perPart: single };
  return { encoding, units, parts: packParts(pieces, encoding, multi), perPart: multi };
}

export interface FittedSms {
  /** The text as sent: the original (with GSM-7 stand-ins where they keep it GSM-7), or its cut with an ellipsis. */
  text: string;
  truncated: boolean;
  analysis: SmsAnalysis;
}

/**
 * Prepares `text` for sending and cuts it to at most `maxParts` parts. The cut keeps whole graphemes,
 * drops trailing white space and ends in an ellipsis chosen by what is kept: "..." when the kept text is
 * GSM-7 (with stand-ins), "…" when it is UCS-2. So a GSM-7 text cut before a later emoji stays GSM-7.
 * @throws RangeError when maxParts is not a positive whole number.
 */
export function fitSms(text: string, maxParts: number): FittedSms {
  if (!Number.isInteger(maxParts) || maxParts < 1) {
    throw new RangeError(`maxParts must be a positive whole number (got ${maxParts})`);
  }
  const whole = toGsmWherePossible(text);
  const analysis = analyzeSms(whole);
  if (analysis.parts <= maxParts) return { text: whole, truncated: false, analysis };

  const pieces = graphemes(text);
  const forms = pieces.map(gsmForm);
  // Prefixes of up to `gsmEnd` graphemes can go as GSM-7; longer ones are UCS-2. Within each range the
  // parts grow with the prefix, so each range is bisected and the longer fitting cut wins.
  const firstNonGsm = forms.findIndex((f) => f === undefined);
  const gsmEnd = firstNonGsm === -1 ? pieces.length : firstNonGsm;
  const cutGsm = (n: number) => forms.slice(0, n).join('').trimEnd() + '...';
  const cutUcs = (n: number) => pieces.slice(0, n).join('').trimEnd() + '…';
  const fits = (s: string) => analyzeSms(s).parts <= maxParts;

  /** The largest n in [lo, hi] with fits(cut(n)), or lo - 1 when none. */
  const longest = (lo: number, hi: number, cut: (n: number) => string): number => {
    if (hi < lo || !fits(cut(lo))) return lo - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(cut(mid))) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const ucsN = longest(gsmEnd + 1, pieces.length - 1, cutUcs);
  const fitted = ucsN > gsmEnd ? cutUcs(ucsN) : cutGsm(Math.max(0, longest(0, Math.min(gsmEnd, pieces.length - 1), cutGsm)));
  return { text: fitted, truncated: true, analysis: analyzeSms(fitted) };
}
