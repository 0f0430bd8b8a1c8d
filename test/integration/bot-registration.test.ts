/** REGISTRATION=open and =invite, and the per-person rate limit: each with its own bot on the Bot API double. */
import { PersonModel } from '../../src/db/models/index.js';
import { startTestBot, type TestBot } from '../support/bot-api.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';

useTestDatabase();
const ADMIN = 100;
const bots: TestBot[] = [];

async function bot(env: Record<string, string>, now?: () => number): Promise<TestBot> {
  await clearDatabase();
  const tb = await startTestBot({ adminIds: [ADMIN], env, ...(now ? { now } : {}) });
  bots.push(tb);
  return tb;
}

afterAll(async () => {
  for (const b of bots) await b.close();
});

const person = (telegramId: number) => PersonModel.findOne({ telegramId }).lean();

it('REGISTRATION=open: whoever writes becomes a member', async () => {
  const tb = await bot({ REGISTRATION: 'open' });
  const nina = tb.user(5, 'Nina', 'nina');
  expect(await nina.say('/newtask Open door')).toContain('#1');
  expect((await person(5))!.role).toBe('member');
  expect(await tb.user(ADMIN, 'Boss', 'boss').say('/start')).toContain('Вы администратор');
  // A removed person stays out even here.
  expect(await tb.user(ADMIN, 'Boss', 'boss').say('/remove @nina')).toContain('больше не в команде');
  expect(await nina.say('/task 1')).toContain('попросите у администратора ссылку-приглашение');
});

it('REGISTRATION=invite: /start asks for a link and tells no admin; a link admits', async () => {
  const tb = await bot({ REGISTRATION: 'invite' });
  const boss = tb.user(ADMIN, 'Boss', 'boss');
  await boss.say('/start');
  const olga = tb.user(6, 'Olga', 'olga');
  expect(await olga.say('/start')).toContain('попросите у администратора ссылку-приглашение');
  expect(await person(6)).toBeNull();
  expect(boss.messages().some((m) => m.text.includes('Заявка на доступ'))).toBe(false);
  // A letter's unsubscribe link (here a genuine one, of the admin's) is no way in: the gate answers as to any stranger.
  const link = tb.secrets.unsubscribePayload(String((await person(ADMIN))!._id), 1);
  expect(await olga.say(`/start ${link}`)).toContain('попросите у администратора ссылку-приглашение');
  expect(await person(6)).toBeNull();
  const code = /start=([A-Za-z0-9_-]+)/.exec(await boss.say('/invite'))![1]!;
  expect(await olga.say(`/start ${code}`)).toContain('Добро пожаловать в команду');
  expect((await person(6))!.role).toBe('member');
});

it('past the per-minute limit: one polite line, then silence', async () => {
  // The limit counts in one-minute windows: a clock fixed inside one, so that no minute ends mid-test.
  const minute = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
  const tb = await bot({ REGISTRATION: 'open', RATE_LIMIT_PER_MINUTE: '5' }, () => minute);
  const pete = tb.user(7, 'Pete', 'pete');
  for (let i = 0; i < 5; i++) expect(await pete.say('/help')).toContain('/watch');
  expect(await pete.say('/help')).toBe('Слишком много сообщений подряд. Подождите минуту — потом я снова отвечу.');
  expect(await pete.say('/help')).toBe('');
  expect(await pete.say('/newtask Spam')).toBe('');
  // Someone else is not affected.
  expect(await tb.user(8, 'Quinn', 'quinn').say('/help')).toContain('/watch');
});
