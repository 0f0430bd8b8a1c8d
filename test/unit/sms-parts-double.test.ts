/** The doubles' own part counter agrees with every shared vector (GSM 03.38 / 03.40). */
import { readFileSync } from 'node:fs';
import { countSmsParts } from '../support/sms-parts.js';

interface Vector {
  name: string;
  text: string;
  encoding: 'GSM-7' | 'UCS-2';
  units: number;
  parts: number;
}
const vectors = (JSON.parse(readFileSync('test/fixtures/sms-vectors.json', 'utf8')) as { vectors: Vector[] }).vectors;

it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
  expect(countSmsParts(v.text)).toEqual({ encoding: v.encoding, units: v.units, parts: v.parts });
});

it('bills a family emoji that would straddle a part boundary in the next part, as Twilio does', () => {
  expect(countSmsParts('a'.repeat(62) + '👨‍👩‍👧‍👦' + 'a'.repeat(60))).toEqual({ encoding: 'UCS-2', units: 133, parts: 3 });
});
