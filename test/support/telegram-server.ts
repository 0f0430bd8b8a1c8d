/**
 * telegram-test-api is CommonJS with `module.exports = TelegramServer`: at run time the default import is the
 * class itself, while its typings (an ES default export) make NodeNext see a namespace. This shim gives
 * the class its type once, for every test.
 */
import telegramTestApi from 'telegram-test-api';
import type { TelegramServer as TelegramServerClass } from 'telegram-test-api/lib/telegramServer.js';

export type TelegramServer = TelegramServerClass;
export const TelegramServer = telegramTestApi as unknown as typeof TelegramServerClass;
