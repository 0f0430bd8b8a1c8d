/**
 * The README's examples of what people receive are the golden files, not texts written by hand: each code
 * block marked `<!-- golden: <file> -->` must be that file of test/fixtures/golden/ exactly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const readme = readFileSync(path.resolve(process.cwd(), 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- golden: ([\w.-]+) -->\n```\n([\s\S]*?)\n```/g)].map((m) => ({ file: m[1]!, shown: m[2]! }));

it('shows a Russian letter, Telegram message and SMS', () => {
  expect(blocks.map((b) => b.file.replace(/^ru-[\w-]+\./, ''))).toEqual(['email.txt', 'telegram.txt', 'sms.txt']);
});

it.each(blocks.map((b) => [b.file, b.shown]))('shows %s exactly as the golden file', (file, shown) => {
  const golden = readFileSync(path.resolve(process.cwd(), 'test/fixtures/golden', file), 'utf8');
  expect(shown).toBe(golden.replace(/\n$/, ''));
});
