/**
 * One Telegram budget for the whole deployment: channels of two worker processes and the bot share one
 * token's limits through database slots, against the strict Bot API double (Telegram's own limits: 30 a
 * second overall with a burst of 35, one a second per chat).
 */
import { TelegramServer } from '../support/telegram-server.js';
import { startStrictBotApi, type StrictBotApi } from '../support/strict-bot-api.js';
import { freePort } from '../support/ports.js';
import { useTestDatabase, clearDatabase } from '../support/db.js';
import { createTelegramChannel } from '../../src/delivery/channels/telegram.js';
import { databaseSlots } from '../../src/db/slots.js';
import { TelegramBudget, budgetKey } from '../../src/telegram/budget.js';
import { PacedTelegram } from '../../src/telegram/client.js';
import type { OutgoingMessage } from '../../src/delivery/channels/types.js';
import { until } from '../support/wait.js';

const TOKEN = '1234567890:AAH-budget-token-for-the-emulator';

useTestDatabase();
let server: TelegramServer;
let strict: StrictBotApi;

beforeAll(async () => {
  server = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
  await server.start();
  strict = await startStrictBotApi(server);
});
afterAll(async () => {
  await strict.close();
  await server.stop();
});
beforeEach(async () => {
  await clearDatabase();
  server.storage.botMessages.length = 0;
  strict.reset();
});

const note = (to: string, text: string): OutgoingMessage => ({ channel: 'telegram', to, text });
/** A worker process's Telegram channel: its own budget object, the deployment's slots. */
// 120 messages at 25 a second take 4.8 s, near the channel's default wait bound of 5 s: on a busy machine the
// last would fail by that bound (a retry later, in the engine), which is not what these tests are about.
const workerChannel = () =>
  createTelegramChannel({ token: TOKEN, apiRoot: strict.apiRoot, slots: databaseSlots, maxRateLimitWaitMs: 30_000 });
const arrived = () => server.storage.botMessages.map((m) => String((m.message as { text?: string }).text));

it('two workers notifying 120 people at once keep the token under Telegram limits together: no 429 at all', async () => {
  const chats = Array.from({ length: 120 }, (_, i) => String(5000 + i));
  for (const chat of chats) strict.knowChat(chat);
  const [a, b] = [workerChannel(), workerChannel()];
  // Each alone paces itself to the limit; two of them used to send twice Telegram's limit.
  await Promise.all(chats.map((chat, i) => (i % 2 ? a : b).send(note(chat, `to ${chat}`))));
  expect(server.storage.botMessages).toHaveLength(120);
  expect(strict.refusals).toEqual([]);
  expect(strict.honoured).toEqual([]);
});

it('keeps one a second per chat across workers', async () => {
  // Telegram's per-chat limit as the double has it: one a second with a burst of 3. Five notifications to
  // one person from two workers at once would be refused from the fourth on; paced, they are one a second
  // (a margin of two messages for the jitter of a busy machine).
  strict.knowChat('6001');
  const [a, b] = [workerChannel(), workerChannel()];
  await Promise.all([a, b, a, b, a].map((ch, i) => ch.send(note('6001', `n${i}`))));
  expect(server.storage.botMessages).toHaveLength(5);
  expect(strict.refusals).toEqual([]);
  expect(strict.honoured).toEqual([]);
});

it("answers a person's reply before a fan-out booked ahead of it", async () => {
  const chats = Array.from({ length: 60 }, (_, i) => String(7000 + i));
  for (const chat of [...chats, '7999']) strict.knowChat(chat);
  const worker = workerChannel();
  const fanOut = Promise.all(chats.map((chat) => worker.send(note(chat, `notification ${chat}`))));
  // The bot's client, in the reply lane of the same budget, once the fan-out has booked its slots.
  const bot = new PacedTelegram(
    TOKEN,
    { apiRoot: strict.apiRoot },
    {
      budget: new TelegramBudget(budgetKey(TOKEN), databaseSlots),
      lane: 'reply',
      maxWaitMs: 10_000,
    },
  );
  await until(() => server.storage.botMessages.length >= 3, 10_000, 'the first notifications', 5);
  // Counted as the reply is asked for: on a busy machine more than three may be out by the time the wait
  // above notices them, and the reply's place is measured from where the fan-out really was.
  const sentBefore = server.storage.botMessages.length;
  await bot.sendMessage(7999, 'your /me');
  await fanOut;
  const order = arrived();
  // Notifications take five slots of six; one in six is the replies' alone, so the reply goes out
  // within the next six slots (and the booking's own round trip), not after the 50-odd notifications still waiting.
  expect(sentBefore).toBeLessThan(20);
  expect(order.indexOf('your /me')).toBeLessThan(sentBefore + 10);
  expect(order).toHaveLength(61);
  expect(strict.refusals).toEqual([]);
});

it('a 429 from Telegram holds the other workers too, and every request goes again after retry_after', async () => {
  // Telegram tighter than the budget, as when something else sends with the token.
  strict.setLimits({ overall: { perSecond: 3, burst: 3 } });
  const chats = Array.from({ length: 8 }, (_, i) => String(8000 + i));
  for (const chat of chats) strict.knowChat(chat);
  const [a, b] = [workerChannel(), workerChannel()];
  await Promise.all(chats.map((chat, i) => (i % 2 ? a : b).send(note(chat, `to ${chat}`))));
  expect(server.storage.botMessages).toHaveLength(8);
  // Every 429 was answered by the same request after its retry_after (an early one stays a refusal).
  expect(strict.refusals).toEqual([]);
  expect(strict.honoured.length).toBeGreaterThan(0);
});
