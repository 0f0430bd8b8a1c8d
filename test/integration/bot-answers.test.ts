/**
 * Answers as the person reads them: a mistyped address is called one, not "admins only"; a wrong answer in
 * a conversation is asked again rather than ending it silently; a person is told of their own missing
 * phone in the second person; a city for a time zone gets a suggestion; the fields of /edit include all.
 */
import { PersonModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const tb = useTestBot({ env: { REGISTRATION: 'open' } });
const maria = () => tb.user(61, 'Maria', 'maria');

beforeAll(async () => {
  await maria().say('/start');
  await maria().say('/newtask Отчёт');
});

it('a member\'s mistyped address is called a mistyped address, not "admins only"', async () => {
  const reply = await maria().say('/email ivan example.org');
  expect(reply).toBe('«ivan example.org» не похоже на адрес e-mail. Напишите так: /email ivan@example.org');
});

it('a wrong answer in the /edit conversation is asked again; the right one then edits the task', async () => {
  expect(await maria().say('/edit 1 status')).toContain('статус');
  const wrong = await maria().say('почти готово');
  expect(wrong).toContain('Такого статуса нет');
  expect(await maria().say('done')).toMatch(/#1.*выполнено/s);
});

it('tells a person of their own missing phone in the second person', async () => {
  expect(await maria().say('/channels sms')).toBe(
    'Для оповещений по SMS у вас нет телефона. Добавьте его: /phone +79123456789 — и повторите',
  );
});

it('suggests the zone a city name means', async () => {
  expect(await maria().say('/tz Moscow')).toContain('Может быть, Europe/Moscow? Например: /tz Europe/Moscow');
  expect(await maria().say('/tz Москва')).toContain('Может быть, Europe/Moscow?');
  expect(await maria().say('/tz Europe/Moscow')).toContain('Europe/Moscow');
});

it('lists every field /edit can change, private included', async () => {
  expect(await maria().say('/edit 1 colour red')).toContain('private (закрытое: on/off)');
});

it('tells the last admin, demoting themselves, as "you"', async () => {
  // An admin promoted in the bot (not one of ADMIN_IDS), and the only one.
  await PersonModel.updateOne({ telegramId: 61 }, { $set: { role: 'admin' } });
  expect(await maria().say('/admin @maria off')).toBe('Вы — последний администратор; сначала назначьте другого: /admin @username');
  expect((await PersonModel.findOne({ telegramId: 61 }).lean())!.role).toBe('admin');
});
