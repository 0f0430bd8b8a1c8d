/**
 * `/remind`, `/escalate` and the "👍 Seen" button through the bot: what they show, save and refuse (with the
 * allowed form, nothing changed), who may use them, and what `/me` and `/help` say.
 */
import { PersonModel, SeenModel, SettingsModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const ADMIN = 100;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open' } });

const admin = () => tb.user(ADMIN, 'Admin', 'boss');
const ann = () => tb.user(11, 'Ann', 'ann');
const stored = (telegramId: number) => PersonModel.findOne({ telegramId }).lean();

beforeAll(async () => {
  await admin().say('/start');
  await ann().say('/start');
});

it('/remind shows the defaults, saves leads and the author switch, and refuses a bad lead changing nothing', async () => {
  const a = ann();
  expect(await a.say('/remind')).toContain('за 24 часа, за 1 час до срока и однажды при просрочке');
  expect(await a.say('/remind 1d 2h')).toContain('за 1 день, за 2 часа до срока');
  expect((await stored(11))!.remindLeads).toEqual(['1d', '2h']);
  for (const bad of ['/remind 31d', '/remind 0h', '/remind -1h', '/remind soon']) {
    expect(await a.say(bad)).toContain('/remind 1d 2h (d — дни');
  }
  expect((await stored(11))!.remindLeads).toEqual(['1d', '2h']);
  expect(await a.say('/remind author on')).toContain('и о заданиях, где вы автор');
  expect(await a.say('/remind off')).toContain('нет (/remind default');
  expect((await stored(11))!.remindLeads).toEqual([]);
  expect(await a.say('/me')).toContain('Напоминания о сроке: нет');
  expect(await a.say('/help')).toContain('/remind 1d 2h');
});

it('/escalate is for admins; shows, saves, refuses an unknown priority or minutes out of 1–1440', async () => {
  expect(await ann().say('/escalate high 15')).toContain('только для администраторов');
  const boss = admin();
  expect(await boss.say('/escalate')).toContain('выключена');
  expect(await boss.say('/escalate high 15')).toContain('приоритет высокий: SMS через 15 мин');
  for (const bad of ['/escalate highest 15', '/escalate high 0', '/escalate high 1441']) {
    expect(await boss.say(bad)).toContain('минуты от 1 до 1440');
  }
  expect((await SettingsModel.findById('global').lean())!.escalation).toMatchObject({ high: 15 });
  expect(await boss.say('/escalate high off')).toContain('выключена');
  expect(await boss.say('/help')).toContain('/escalate high 15');
});

it('opening a task records it as seen', async () => {
  const a = ann();
  const created = await a.say('/newtask Backup');
  const n = Number(/#(\d+)/.exec(created)![1]);
  expect(await SeenModel.countDocuments()).toBe(0);
  await a.say(`/task ${n}`);
  const person = await stored(11);
  expect(await SeenModel.exists({ person: person!._id })).toBeTruthy();
});
