/**
 * Telegram asked the bot to wait (429 with retry_after): a reply is never lost to it. The strict Bot API
 * double answers the bot's next message with 429; the bot waits and sends the same request again, or,
 * past the longest a reply waits, tells the person plainly once the wait is over.
 */
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { REPLY_MAX_WAIT_MS } from '../../src/bot/create-bot.js';

useTestDatabase();
const tb = useTestBot({ adminIds: [41] });
const admin = () => tb.user(41, 'Olga', 'olga');

beforeAll(async () => {
  await admin().say('/start');
});

it('waits out a 429 and sends the same reply again', async () => {
  tb.api.refuse('sendMessage', { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 }, 1);
  const reply = await admin().say('/me');
  expect(reply).toContain('Olga');
  expect(reply).not.toMatch(/Что-то пошло не так/);
  // Telegram's 429 was answered as it asks: the same request once retry_after had passed.
  expect(tb.api.honoured.map((r) => [r.method, r.status])).toEqual([['sendMessage', 429]]);
});

it('past the longest a reply waits, says so plainly once the wait is over, never "something went wrong"', async () => {
  const wait = Math.ceil(REPLY_MAX_WAIT_MS / 1000) + 1;
  tb.api.refuse('sendMessage', { status: 429, description: `Too Many Requests: retry after ${wait}`, retryAfter: wait }, 1);
  const reply = await admin().say('/me');
  expect(reply).toBe(`Telegram попросил бота подождать ${wait} с, и ответ на ваше последнее сообщение не ушёл. Отправьте его ещё раз.`);
  expect(tb.logs.some((l) => l.level === 50)).toBe(false);
  // The refused reply was not sent again (it was dropped), so the 429 stays a refusal of the double.
  expect(tb.api.refusals.splice(0).map((r) => r.status)).toEqual([429]);
  // The next command is answered at once again.
  expect(await admin().say('/me')).toContain('Olga');
}, 60_000);
