/**
 * The doubles' own SMS part counter, written from GSM 03.38 / 03.40 as /work/shared/sms-vectors.json states
 * the rules, independent of the product's src/domain/sms-segments.ts (a double that counted with the
 * product's code could never catch it counting wrong):
 * - GSM-7 when every character is in the basic table or its extension: 160 septets in one part, 153 per
 *   part when split; an extension character takes two septets (escape + char) and is never split.
 * - UCS-2 otherwise: 70 UTF-16 code units in one part, 67 per part; a surrogate pair is never split.
 * - A grapheme cluster (family emoji with joiners, flag, letter + combining accent) is never split across
 *   parts, as Twilio bills it: one that would straddle a boundary opens the next part.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION = '\f^{}\\[~]|€';

export interface SmsParts {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  parts: number;
}

/** Packs `sizes` (indivisible pieces) into parts of `single` units, or of `multi` units when more than one is needed. */
function pack(sizes: number[], single: number, multi: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      parts++;
      used = 0;
    }
    used += size;
  }
  return parts;
}

export function countSmsParts(text: string): SmsParts {
  const clusters = Array.from(new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(text), (s) => s.segment).flatMap((g) =>
    g === '\r\n' ? ['\r', '\n'] : [g],
  );
  const gsm = Array.from(text).every((c) => BASIC.includes(c) || EXTENSION.includes(c));
  if (gsm) {
    const sizes = clusters.map((g) => Array.from(g).reduce((n, c) => n + (EXTENSION.includes(c) ? 2 : 1), 0));
    return { encoding: 'GSM-7', units: sizes.reduce((a, b) => a + b, 0), parts: pack(sizes, 160, 153) };
  }
  const sizes = clusters.map((g) => g.length);
  return { encoding: 'UCS-2', units: text.length, parts: pack(sizes, 70, 67) };
}
