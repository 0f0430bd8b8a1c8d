/**
 * REGISTRATION=open (the demo's mode): anyone may join, and invites still count. A `/start <code>` is read
 * before the newcomer is registered, so a person invite links their Telegram to the person an admin made,
 * and an `/invite` code's use is counted.
 */
import { PersonModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const tb = useTestBot({ adminIds: [1], env: { REGISTRATION: 'open' } });
const boss = () => tb.user(1, 'Boss', 'boss');

beforeAll(async () => {
  await boss().say('/start');
});

it('a person invite opened by a new account links it to that person, not to a new empty one', async () => {
  const added = await boss().say('/person add "Сергей Кузнецов" email=sergey@example.org');
  const ref = /\(id (-\d+)\)/.exec(added)![1]!;
  const code = /start=([A-Za-z0-9_-]+)/.exec(await boss().say(`/person invite ${ref}`))![1]!;

  const sergey = tb.user(501, 'Sergey', 'sergey');
  expect(await sergey.say(`/start ${code}`)).toContain('Добро пожаловать в команду!');
  const people = await PersonModel.find({ name: { $in: ['Сергей Кузнецов', 'Sergey'] } }).lean();
  expect(people).toHaveLength(1);
  expect(people[0]).toMatchObject({ telegramId: 501, email: 'sergey@example.org' });
  expect(await sergey.say('/me')).toContain('sergey@example.org');
});

it('an /invite code is used up by the account that opens it', async () => {
  const code = /start=([A-Za-z0-9_-]+)/.exec(await boss().say('/invite 1 1'))![1]!;
  const anna = tb.user(502, 'Anna', 'anna');
  expect(await boss().say('/invite list')).toMatch(/осталось 1 из 1/);
  expect(await anna.say(`/start ${code}`)).toContain('Добро пожаловать в команду!');
  // Used: no longer among the live invites.
  expect(await boss().say('/invite list')).not.toMatch(/осталось 1 из 1/);

  // Used up: where anyone may join, the next account is registered as usual (the code changes nothing).
  const boris = tb.user(503, 'Boris', 'boris');
  const reply = await boris.say(`/start ${code}`);
  expect(reply).not.toContain('Этот бот — для участников команды');
  expect(await PersonModel.countDocuments({ telegramId: 503, role: 'member' })).toBe(1);
});
