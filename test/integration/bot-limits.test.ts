/**
 * Replies that grow with what a person has (watched tasks, their tasks) stay within what Telegram accepts:
 * the strict Bot API double refuses a text over 4096 characters or a button over 64 bytes, and useTestBot
 * fails the test that caused it.
 */
import { PersonModel } from '../../src/db/models/index.js';
import { createTask } from '../../src/services/tasks.js';
import { watch } from '../../src/services/observers.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { confirmEmail, confirmPhone, useCodeChannels } from '../support/contacts.js';

useTestDatabase();
const tb = useTestBot({ env: { REGISTRATION: 'open' } });
const codes = useCodeChannels(tb);
const heavy = () => tb.user(77, 'Heavy Watcher', 'heavy');

beforeAll(async () => {
  await heavy().say('/start');
  await confirmEmail(heavy(), 'heavy@example.org', codes.sink);
  await confirmPhone(heavy(), '+79120000777', codes.sms);
  const me = (await PersonModel.findOne({ telegramId: 77 }).lean())!;
  for (let i = 0; i < 160; i++) {
    const n = await createTask({
      title: `Квартальный отчёт для отдела номер ${i} — подготовить и согласовать с руководством`,
      authorId: me._id,
    });
    await watch(n, me._id, ['email', 'sms', 'telegram'], me._id);
  }
}, 120_000);

it('/me with 160 watched tasks is one message Telegram accepts', async () => {
  const reply = await heavy().say('/me');
  expect(reply).toContain('heavy@example.org');
  expect(reply.length).toBeLessThanOrEqual(4096);
});

it('/tasks with 160 tasks is accepted by Telegram', async () => {
  const reply = await heavy().say('/tasks');
  expect(reply).toContain('Квартальный отчёт');
  for (const m of heavy().messages()) expect(m.text.length).toBeLessThanOrEqual(4096);
});

it('the channel picker of a task with a large number has callback data within 64 bytes', async () => {
  const n = await createTask({ title: 'Big number', authorId: (await PersonModel.findOne({ telegramId: 77 }).lean())!._id });
  await heavy().say(`/watch ${n}`);
  const buttons = heavy().last()!.buttons;
  expect(buttons.length).toBeGreaterThan(0);
  for (const b of buttons) expect(Buffer.byteLength(b.data ?? '', 'utf8')).toBeLessThanOrEqual(64);
});
