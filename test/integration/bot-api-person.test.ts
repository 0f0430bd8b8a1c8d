/**
 * `/api new|list|revoke` and `/person add|invite` through the real bot: admins only, the token shown once
 * and never logged, a token that works against the HTTP app and stops once revoked, a person without
 * Telegram who joins with the link made for them.
 */
import { ApiTokenModel, PersonModel } from '../../src/db/models/index.js';
import { checkApiToken } from '../../src/services/api-tokens.js';
import { useTestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const ADMIN = 300;
const tb = useTestBot({ adminIds: [ADMIN] });

let boss: TestUser;
let member: TestUser;

beforeAll(async () => {
  boss = tb.user(ADMIN, 'Boss', 'boss');
  await boss.say('/start');
  const reply = await boss.say('/invite');
  const code = /start=([A-Za-z0-9_-]+)/.exec(reply)![1]!;
  member = tb.user(301, 'Masha', 'masha');
  await member.say(`/start ${code}`);
});

const tokenIn = (text: string) => /\btw_[A-Za-z0-9_-]{43}\b/.exec(text)?.[0];

describe('/api', () => {
  it('makes a token shown once, stored as a hash, never logged; lists and revokes it', async () => {
    const reply = await boss.say('/api new erp write');
    const token = tokenIn(reply);
    expect(token).toBeDefined();
    expect(reply).toContain('erp');
    expect(JSON.stringify(await ApiTokenModel.find().lean())).not.toContain(token!);
    expect(JSON.stringify(tb.logs)).not.toContain(token!);
    expect((await checkApiToken(token!)).ok).toBe(true);

    const list = await boss.say('/api list');
    expect(list).toContain('erp (write)');
    expect(tokenIn(list)).toBeUndefined();

    expect(await boss.say('/api new erp read')).toContain('/api revoke erp');
    expect(await boss.say('/api new "bad name"')).toContain('1 до 40');
    expect(await boss.say('/api new x admin')).toContain('read или write');

    expect(await boss.say('/api revoke erp')).toContain('отозван');
    expect((await checkApiToken(token!)).ok).toBe(false);
    expect(await boss.say('/api revoke erp')).toContain('нет');
    // the name is free again
    expect(tokenIn(await boss.say('/api new erp'))).toBeDefined();
  });

  it('refuses a member, making nothing', async () => {
    const before = await ApiTokenModel.countDocuments();
    for (const cmd of ['/api new mine write', '/api list', '/api revoke erp']) {
      const reply = await member.say(cmd);
      expect(reply).toMatch(/администратор/i);
      expect(tokenIn(reply)).toBeUndefined();
    }
    expect(await ApiTokenModel.countDocuments()).toBe(before);
  });
});

describe('/person', () => {
  it('adds a person without Telegram, refuses bad contacts, and an invite joins their Telegram to them', async () => {
    expect(await boss.say('/person add "Ivan Petrov" email=bad')).toContain('не похоже');
    expect(await boss.say('/person add "Ivan Petrov"')).toContain('e-mail или телефон');
    expect(await PersonModel.countDocuments({ name: 'Ivan Petrov' })).toBe(0);

    const added = await boss.say('/person add "Ivan Petrov" email=ivan@example.org phone=+79123456789');
    const ref = /\(id (-\d+)\)/.exec(added)?.[1];
    expect(ref).toBeDefined();
    const ivan = (await PersonModel.findOne({ name: 'Ivan Petrov' }).lean())!;
    expect(ivan).toMatchObject({ email: 'ivan@example.org', phone: '+79123456789', role: 'member', telegramId: Number(ref) });

    await boss.say('/newtask Pump');
    expect(await boss.say(`/observe 1 ${ref} telegram`)).toContain(`/person invite ${ref}`);
    expect(await boss.say(`/observe 1 ${ref} email sms`)).toContain('Ivan Petrov');

    expect(await member.say(`/person invite ${ref}`)).toMatch(/администратор/i);
    const inv = await boss.say(`/person invite ${ref}`);
    const code = /start=([A-Za-z0-9_-]+)/.exec(inv)?.[1];
    expect(code).toBeDefined();
    expect(JSON.stringify(tb.logs)).not.toContain(code!);

    const phone = tb.user(777, 'Ivan', 'ivanp');
    expect(await phone.say(`/start ${code}`)).toContain('Добро пожаловать');
    const joined = (await PersonModel.findById(ivan._id).lean())!;
    expect(joined).toMatchObject({ telegramId: 777, username: 'ivanp', email: 'ivan@example.org' });
    expect(await PersonModel.countDocuments({ telegramId: 777 })).toBe(1);
    // the same person: their contacts and subscriptions (the name follows Telegram from now on)
    const me = await phone.say('/me');
    expect(me).toContain('ivan@example.org');
    expect(me).toContain('#1 (e-mail, SMS)');

    // used up: another account gets nothing
    const other = tb.user(778, 'Eve', 'eve');
    expect(await other.say(`/start ${code}`)).toContain('Этот бот — для участников команды');
    expect(await boss.say(`/person invite @ivanp`)).toContain('уже в Telegram');
  });
});
