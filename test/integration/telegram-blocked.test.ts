/**
 * A person who blocked the bot: Telegram answers 403, their Telegram channel is marked unreachable, admins
 * hear of it once, planning leaves their Telegram out, and writing to the bot again makes it reachable.
 */
import { DeliveryModel, PersonModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { ADMIN_ID, edit, makePerson, makeTask, sendNow, useWorld } from '../support/world.js';

useTestDatabase();
const world = useWorld();
// The person writes to the bot through its own Bot API double (the world's one carries the notifications).
const tb = useTestBot({ env: { REGISTRATION: 'open' } });

it('403 marks Telegram unreachable and tells admins once; planning skips it until the person writes again', async () => {
  await makePerson({ name: 'Admin', admin: true });
  const author = await makePerson({ name: 'Anna' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
  const n = await makeTask(author, 'Отчёт', [[vera, ['telegram', 'email']]]);
  world.botApi.block(vera.telegramId);

  await edit(n, author, 'status', 'done');
  const first = await sendNow(world);
  expect(first.sent).toMatchObject({ email: 1, telegram: 0 });
  expect(first.failed).toEqual([expect.objectContaining({ channel: 'telegram', count: 1 })]);
  expect((await PersonModel.findById(vera._id).lean())!.telegramUnreachableAt).toBeInstanceOf(Date);
  const alerts = () => world.telegramTo(ADMIN_ID).filter((m) => m.text.includes('Vera'));
  expect(alerts()).toHaveLength(1);

  // Blocked still: nothing is planned for her Telegram, e-mail goes on, no second alert.
  await edit(n, author, 'priority', 'high');
  const second = await sendNow(world);
  expect(second.sent).toMatchObject({ email: 1, telegram: 0 });
  expect(second.failed).toEqual([]);
  expect(await DeliveryModel.countDocuments({ person: vera._id, channel: 'telegram' })).toBe(1);
  expect(alerts()).toHaveLength(1);

  // She unblocks the bot and writes to it: her Telegram is reachable again.
  world.botApi.block(vera.telegramId, false);
  await tb.user(vera.telegramId, 'Vera', 'vera').say('/me');
  expect((await PersonModel.findById(vera._id).lean())!.telegramUnreachableAt).toBeUndefined();
  await edit(n, author, 'status', 'in_progress');
  const third = await sendNow(world);
  expect(third.sent).toMatchObject({ email: 1, telegram: 1 });
  expect(world.telegramTo(vera.telegramId)).toHaveLength(1);
}, 60_000);
