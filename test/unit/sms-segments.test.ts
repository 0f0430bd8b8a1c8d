import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ONE_UNIT_GRAPHEMES, analyzeSms, fitSms, graphemes, toGsmWherePossible } from '../../src/domain/sms-segments.js';

interface Vector {
  name: string;
  text: string;
  encoding: 'GSM-7' | 'UCS-2';
  units: number;
  parts: number;
}

// A copy of /work/shared/sms-vectors.json kept in the repo, so the test needs nothing outside it.
const vectors = (JSON.parse(readFileSync(path.resolve(process.cwd(), 'test/fixtures/sms-vectors.json'), 'utf8')) as { vectors: Vector[] })
  .vectors;

/** True when a UTF-16 surrogate stands alone (a split emoji). */
const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('analyzeSms', () => {
  it('reads the shared vectors', () => {
    expect(vectors.length).toBeGreaterThan(20);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(analyzeSms(v.text)).toMatchObject({ encoding: v.encoding, units: v.units, parts: v.parts });
  });

  it('reports the part capacity that applies: 160/153 for GSM-7, 70/67 for UCS-2', () => {
    expect(analyzeSms('a'.repeat(160)).perPart).toBe(160);
    expect(analyzeSms('a'.repeat(161)).perPart).toBe(153);
    expect(analyzeSms('Я'.repeat(70)).perPart).toBe(70);
    expect(analyzeSms('Я'.repeat(71)).perPart).toBe(67);
  });

  it('counts the empty text as GSM-7, 0 units, 0 parts: nothing is sent', () => {
    expect(analyzeSms('')).toEqual({ encoding: 'GSM-7', units: 0, parts: 0, perPart: 160 });
  });

  it('moves an escape pair that would straddle two parts to the next part', () => {
    // 306 septets would be two parts by division; the € at 153/154 opens a third.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(analyzeSms(text)).toEqual({ encoding: 'GSM-7', units: 306, parts: 3, perPart: 153 });
  });

  it('switches the whole text to UCS-2 for one character outside GSM-7', () => {
    expect(analyzeSms('Task 12 is done ✓')).toMatchObject({ encoding: 'UCS-2', units: 17, parts: 1 });
  });
});

describe('fitSms', () => {
  it('returns a text that fits unchanged', () => {
    const text = 'Задача 12: статус изменён на «Выполнена».';
    expect(fitSms(text, 1)).toEqual({ text, truncated: false, analysis: analyzeSms(text) });
  });

  it('cuts Russian text to two parts with "…" at the end, using all 134 units', () => {
    const text = 'Я'.repeat(300);
    const fitted = fitSms(text, 2);
    expect(fitted.truncated).toBe(true);
    expect(fitted.text.endsWith('…')).toBe(true);
    expect(fitted.text).toBe('Я'.repeat(133) + '…');
    expect(fitted.analysis).toEqual({ encoding: 'UCS-2', units: 134, parts: 2, perPart: 67 });
  });

  it('cuts a Russian notice at a prefix of the original and drops the space before the ellipsis', () => {
    const notice = 'Задача 12 «Заменить картридж»: статус изменён на «Выполнена». Исполнитель: Иванов И. '.repeat(4);
    const fitted = fitSms(notice, 2);
    expect(fitted.analysis.units).toBeLessThanOrEqual(134);
    expect(fitted.analysis.parts).toBe(2);
    expect(fitted.text.endsWith('…')).toBe(true);
    expect(fitted.text).not.toMatch(/\s…$/);
    expect(notice.startsWith(fitted.text.slice(0, -1))).toBe(true);
  });

  it('never splits an emoji, in one part or across parts', () => {
    const one = fitSms('a' + '😀'.repeat(40), 1);
    expect(one.text).toBe('a' + '😀'.repeat(34) + '…');
    expect(one.analysis).toMatchObject({ units: 70, parts: 1 });

    // Part one holds "a" and 33 emoji (67 units); part two 33 emoji and the ellipsis.
    const two = fitSms('a' + '😀'.repeat(100), 2);
    expect(two.text).toBe('a' + '😀'.repeat(66) + '…');
    expect(two.analysis).toMatchObject({ encoding: 'UCS-2', units: 134, parts: 2 });
    expect(hasLoneSurrogate(two.text)).toBe(false);
  });

  it('keeps a GSM-7 text in GSM-7 with "...", and drops a whole € rather than half of it', () => {
    const single = fitSms('a'.repeat(156) + '€' + 'b'.repeat(10), 1);
    expect(single.text).toBe('a'.repeat(156) + '...');
    expect(single.analysis).toEqual({ encoding: 'GSM-7', units: 159, parts: 1, perPart: 160 });

    // The € cannot end part one (one septet left), so it opens part two.
    const two = fitSms('a'.repeat(152) + '€' + 'a'.repeat(200), 2);
    expect(two.text).toBe('a'.repeat(152) + '€' + 'a'.repeat(148) + '...');
    expect(two.analysis).toEqual({ encoding: 'GSM-7', units: 305, parts: 2, perPart: 153 });
  });

  it('refuses a part count that is not a positive whole number', () => {
    expect(() => fitSms('text', 0)).toThrow(RangeError);
    expect(() => fitSms('text', 1.5)).toThrow(RangeError);
  });

  it('cuts a GSM-7 text before a later emoji in GSM-7: the ellipsis follows what is kept', () => {
    const fitted = fitSms('a'.repeat(1000) + '😀', 3);
    expect(fitted.text).toBe('a'.repeat(456) + '...');
    expect(fitted.analysis).toEqual({ encoding: 'GSM-7', units: 459, parts: 3, perPart: 153 });
  });

  it('keeps a cut in UCS-2 with "…" when that keeps more of the text', () => {
    const fitted = fitSms('ab😀' + 'Я'.repeat(300), 2);
    expect(fitted.text).toBe('ab😀' + 'Я'.repeat(129) + '…');
    expect(fitted.analysis).toMatchObject({ encoding: 'UCS-2', units: 134, parts: 2 });
  });
});

describe('GSM-7 stand-ins for typographic characters', () => {
  it('sends an English notice with arrows, dashes, ellipses and curly quotes as GSM-7', () => {
    const text = '#1 Fix the login page: status new → in progress — “urgent”, don’t wait… «now»';
    const fitted = fitSms(text, 1);
    expect(fitted.text).toBe('#1 Fix the login page: status new -> in progress - "urgent", don\'t wait... "now"');
    expect(fitted.analysis).toMatchObject({ encoding: 'GSM-7', parts: 1 });
  });

  it('leaves a text that needs UCS-2 anyway as it is', () => {
    const text = '#12 «Отчёт»: статус новая → готово — всё…';
    expect(toGsmWherePossible(text)).toBe(text);
    expect(fitSms(text, 1).text).toBe(text);
  });

  it('uses the stand-ins in a GSM-7 cut of a text whose tail needs UCS-2', () => {
    const fitted = fitSms('status new → done; ' + 'a'.repeat(200) + ' 😀', 1);
    expect(fitted.text).toBe('status new -> done; ' + 'a'.repeat(137) + '...');
    expect(fitted.analysis).toEqual({ encoding: 'GSM-7', units: 160, parts: 1, perPart: 160 });
  });
});

describe('grapheme clusters', () => {
  const segmented = (text: string) => Array.from(new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text), (s) => s.segment);

  it('takes each character of the fast path as a grapheme of its own, as the segmenter does, beside any neighbour', () => {
    const ranges = ONE_UNIT_GRAPHEMES.source.match(/\\u[0-9a-f]{4}-\\u[0-9a-f]{4}/g)!;
    expect(ranges.length).toBeGreaterThan(5);
    let checked = 0;
    for (const range of ranges) {
      const [from, to] = range.split('-').map((u) => parseInt(u.slice(2), 16));
      for (let cp = from!; cp <= to!; cp++) {
        const c = String.fromCharCode(cp);
        // A character that joins what comes before (a mark) or after (a prefix) would make fewer segments.
        for (const text of [`a${c}b`, `${c}${c}`]) {
          if (c === '\r' && text === `${c}${c}`) continue;
          const expected = segmented(text).flatMap((g) => (g === '\r\n' ? ['\r', '\n'] : [g]));
          expect(graphemes(text)).toEqual(expected);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });

  it('still joins a letter and its combining accent, and keeps an emoji whole, outside the fast path', () => {
    expect(graphemes('e\u0301t')).toEqual(['e\u0301', 't']);
    expect(graphemes('a👍🏽b')).toEqual(['a', '👍🏽', 'b']);
    expect(graphemes('x\r\ny')).toEqual(['x', '\r', '\n', 'y']);
  });

  const family = '👨‍👩‍👧‍👦'; // four emoji joined by ZWJ: 11 UTF-16 units
  const flag = '🇷🇺'; // two regional indicators: 4 units

  it('moves a family emoji that would straddle a part boundary whole to the next part, as providers bill', () => {
    // Per code point this would pack into 2 parts (62 + 5 units | 6 + 60); whole, the family opens part two
    // and pushes 4 letters into a third.
    const text = 'a'.repeat(62) + family + 'a'.repeat(60);
    expect(analyzeSms(text)).toEqual({ encoding: 'UCS-2', units: 133, parts: 3, perPart: 67 });
  });

  it('never cuts inside a family emoji, a flag or a letter with a combining accent', () => {
    const families = fitSms('a' + family.repeat(10), 1);
    expect(families.text).toBe('a' + family.repeat(6) + '…');
    expect(families.text).not.toMatch(/\u200d…$/);

    const flags = fitSms(flag.repeat(30), 1);
    expect(flags.text).toBe(flag.repeat(17) + '…');

    const accents = fitSms('e\u0301'.repeat(100), 1);
    expect(accents.text).toBe('e\u0301'.repeat(34) + '…');
    expect(accents.analysis).toMatchObject({ encoding: 'UCS-2', units: 69, parts: 1 });
  });

  it('counts a flag across a boundary in the next part', () => {
    expect(analyzeSms('a'.repeat(65) + flag + 'a'.repeat(65)).parts).toBe(3);
    expect(analyzeSms('a'.repeat(63) + flag + 'a'.repeat(67)).parts).toBe(2);
  });
});
