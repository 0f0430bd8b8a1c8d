/**
 * The jest set-up of the mutation run (stryker.config.mjs, docs/testing.md): the unit tests of src/domain
 * only — those in test/unit that import from src/domain and otherwise only from the pure modules in
 * {@link PURE} (the golden messages render through them) — so that a mutant run loads no database driver,
 * no global set-up and no network. Same ESM transform as jest.config.js.
 */
import { readdirSync, readFileSync } from 'node:fs';
import base from './jest.config.js';

const UNIT = 'test/unit';
/**
 * Modules outside src/domain with no I/O, which a domain test may use: secrets (HMAC of links), Telegram
 * entities, the words of notifications (the renderers take them as an argument).
 */
const PURE = ['secrets.js', 'delivery/telegram-format.js', 'i18n/notification-words.js'];
/** The `../../src/…` paths a test file imports. */
const srcPaths = (file) => [...readFileSync(`${UNIT}/${file}`, 'utf8').matchAll(/from '\.\.\/\.\.\/src\/([^']+)'/g)].map((m) => m[1]);
const domainTests = readdirSync(UNIT)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => {
    const paths = srcPaths(f);
    return paths.some((p) => p.startsWith('domain/')) && paths.every((p) => p.startsWith('domain/') || PURE.includes(p));
  });

export default {
  preset: base.preset,
  testEnvironment: base.testEnvironment,
  moduleNameMapper: base.moduleNameMapper,
  transform: base.transform,
  roots: [`<rootDir>/${UNIT}`],
  testMatch: domainTests.map((f) => `<rootDir>/${UNIT}/${f}`),
  // A test that reaches for a host that is not loopback still fails to connect.
  setupFiles: base.setupFiles,
  testTimeout: 10_000,
};
