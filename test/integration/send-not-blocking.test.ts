/**
 * `/send` answers at once and edits its message when the run ends; meanwhile the bot serves everyone else.
 * The bot handles updates one at a time, as telegraf does in long polling (test/support/bot-api.ts), and
 * the run goes through the real engine to a loopback SMTP server that hangs until the test lets it answer.
 */
import { createLogger } from '../../src/logger.js';
import { createDeliveryService } from '../../src/delivery/service.js';
import { executeRequestedRuns } from '../../src/scheduler/dispatch-job.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { edit, makePerson, makeTask, startWorld, type World } from '../support/world.js';

useTestDatabase();
let world: World;
const runs: Array<Promise<number>> = [];
beforeAll(async () => {
  world = await startWorld();
});
const tb = useTestBot({
  adminIds: [1],
  env: { REGISTRATION: 'open' },
  waitForBackground: false,
  // A worker in this process, woken by /send, as in `--role=all`.
  delivery: createDeliveryService({
    kick: () => runs.push(executeRequestedRuns({ config: world.config, logger: createLogger('silent'), secrets: world.secrets })),
  }),
});
afterAll(async () => {
  world.sink.resume();
  await Promise.all(runs);
  await world.close();
});

it("another person's /me is answered while a /send waits for a hanging SMTP server, and /send's message gets the result", async () => {
  const admin = tb.user(1, 'Admin', 'admin');
  const bob = tb.user(2, 'Bob', 'bob');
  await admin.say('/start');
  await bob.say('/start');
  const author = await makePerson({ name: 'Anna' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
  const n = await makeTask(author, 'Отчёт', [[vera, ['email']]]);
  await edit(n, author, 'status', 'done');

  world.sink.pause();
  const { replies } = await admin.send('/send');
  expect(replies.map((r) => r.text)).toEqual(['Отправляю оповещения…']);
  const status = replies[0]!.id;
  await until(() => world.sink.waiting > 0, 20_000, 'the letter to reach the SMTP server');

  expect(await bob.say('/me')).toContain('Bob');
  // The run is still hanging: /me was not answered after it.
  expect(world.sink.count).toBe(0);
  expect(admin.messages().find((m) => m.id === status)?.text).toBe('Отправляю оповещения…');

  world.sink.resume();
  await until(
    () => /Отправлено сообщений: e-mail — 1/.test(admin.messages().find((m) => m.id === status)?.text ?? ''),
    30_000,
    "the /send message to be edited with the run's result",
  );
  expect(world.sink.messages.map((m) => m.to)).toEqual([['vera@example.org']]);
}, 90_000);

it('a /send message deleted before its run ends is no error: the edit that finds it gone is let go', async () => {
  const admin = tb.user(1, 'Admin', 'admin');
  const author = await makePerson({ name: 'Boris' });
  const olga = await makePerson({ name: 'Olga', email: 'olga@example.org' });
  const n = await makeTask(author, 'Смета', [[olga, ['email']]]);
  await edit(n, author, 'status', 'done');

  world.sink.pause();
  const { replies } = await admin.send('/send');
  await until(() => world.sink.waiting > 0, 20_000, 'the letter to reach the SMTP server');
  const stored = tb.server.storage.botMessages as unknown as Array<{ messageId: number }>;
  stored.splice(
    stored.findIndex((m) => m.messageId === replies[0]!.id),
    1,
  );
  world.sink.resume();
  expect(await tb.background.drain(30_000)).toBe(0);

  expect(tb.api.refusals.splice(0).map((r) => r.description)).toEqual(['Bad Request: message to edit not found']);
  expect(tb.logs.filter((l) => String(l.msg).includes('/send result'))).toEqual([]);
}, 90_000);
