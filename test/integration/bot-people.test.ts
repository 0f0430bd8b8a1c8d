/** The bot's people side: /start, /help, profile commands, languages, access rules, errors. */
import { PersonModel, SettingsModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { confirmEmail, confirmPhone, useCodeChannels } from '../support/contacts.js';

useTestDatabase();
const ADMIN = 100;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open' } });
const codes = useCodeChannels(tb);

const person = (telegramId: number) => PersonModel.findOne({ telegramId }).lean();

describe('who is who', () => {
  it('registers a person on /start and greets them with what they can do', async () => {
    const ann = tb.user(1, 'Ann', 'Ann_K');
    const reply = await ann.say('/start');
    expect(reply).toContain('Здравствуйте, Ann!');
    expect(reply).toContain('/email');
    expect(reply).toContain('/help');
    const p = await person(1);
    expect(p).toMatchObject({ name: 'Ann', username: 'ann_k', role: 'member', language: 'ru', timezone: 'Europe/Moscow' });
    await ann.say('/start');
    expect(await PersonModel.countDocuments({ telegramId: 1 })).toBe(1);
  });

  it('makes an id from ADMIN_IDS an admin, and tells them about the admin commands', async () => {
    const boss = tb.user(ADMIN, 'Boss', 'boss');
    expect(await boss.say('/start')).toContain('Вы администратор');
    expect((await person(ADMIN))?.role).toBe('admin');
  });

  it('lists in /help only the commands a person may use, each with an example', async () => {
    const user = await tb.user(2, 'Bob', 'bob').say('/help');
    expect(user).toContain('/watch');
    expect(user).toContain('/watch 12 email sms — наблюдать за заданием');
    expect(user).toContain('/email');
    expect(user).not.toContain('/smtp');
    expect(user).not.toContain('/schedule');
    const admin = await tb.user(ADMIN, 'Boss', 'boss').say('/help');
    expect(admin).toContain('/smtp');
    expect(admin).toContain('/sms');
    expect(admin).toContain('/template');
    expect(admin).toContain('/observe');
  });

  it('refuses an admin command to a non-admin and changes nothing', async () => {
    const bob = tb.user(2, 'Bob', 'bob');
    const settings = await SettingsModel.find().lean();
    for (const cmd of [
      '/smtp smtps://u:p@smtp.example.org:465 "X <x@example.org>"',
      '/schedule off',
      '/admin @bob',
      '/template sms Hi',
      '/queue',
      '/send dry',
    ]) {
      expect(await bob.say(cmd)).toContain('только для администраторов');
    }
    expect(await SettingsModel.find().lean()).toEqual(settings);
    expect((await person(2))?.role).toBe('member');
  });

  it('lets an admin promote and demote, but not demote the last admin', async () => {
    const boss = tb.user(ADMIN, 'Boss', 'boss');
    await tb.user(3, 'Carl', 'carl').say('/start');
    expect(await boss.say('/admin @carl')).toContain('Carl теперь администратор');
    expect((await person(3))?.role).toBe('admin');
    expect(await tb.user(3, 'Carl', 'carl').say('/help')).toContain('/smtp');
    expect(await boss.say('/admin @carl off')).toContain('Carl больше не администратор');
    expect((await person(3))?.role).toBe('member');
    expect(await boss.say('/admin @boss off')).toContain('по настройке ADMIN_IDS');
    expect((await person(ADMIN))?.role).toBe('admin');
    expect(await boss.say('/admin @nobody')).toContain('Не нашёл человека «@nobody»');
  });

  it('answers an unknown command and plain text with a pointer to /help', async () => {
    const bob = tb.user(2, 'Bob', 'bob');
    expect(await bob.say('/frobnicate 1')).toContain('Не знаю команды /frobnicate');
    expect(await bob.say('hello')).toContain('/help');
  });
});

describe('profile', () => {
  const dan = () => tb.user(4, 'Dan', 'dan');

  it('sets and clears the e-mail', async () => {
    expect(await confirmEmail(dan(), 'dan@example.org', codes.sink)).toContain('E-mail сохранён: dan@example.org');
    expect((await person(4))?.email).toBe('dan@example.org');
    expect(await dan().say('/email off')).toContain('E-mail удалён');
    expect((await person(4))?.email).toBeUndefined();
  });

  it('refuses a malformed e-mail and says how to write it', async () => {
    await confirmEmail(dan(), 'dan@example.org', codes.sink);
    const reply = await dan().say('/email dan@@example');
    expect(reply).toContain('не похоже на адрес e-mail');
    expect(reply).toContain('/email ivan@example.org');
    expect((await person(4))?.email).toBe('dan@example.org');
  });

  it.each([
    ['+7 912 345-67-89', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['8 (912) 345 67 89', '+79123456789'],
  ])('stores the phone %s as E.164', async (typed, stored) => {
    const id = 40 + typed.length; // a person of their own: the three would be three codes for one
    const asked = await tb.user(id, 'Phil', `phil${id}`).say(`/phone ${typed}`);
    expect(asked).toContain(`Отправил SMS с кодом на ${stored}`);
    expect(codes.sms.accepted.at(-1)?.to).toBe(stored.slice(1));
    expect((await person(id))?.pendingPhone?.value).toBe(stored);
  });

  it('refuses a malformed phone and keeps the old one', async () => {
    await confirmPhone(dan(), '+79123456789', codes.sms);
    expect(await dan().say('/phone 12345')).toContain('не похоже на номер телефона');
    expect((await person(4))?.phone).toBe('+79123456789');
    expect(await dan().say('/phone off')).toContain('Телефон удалён');
    expect((await person(4))?.phone).toBeUndefined();
  });

  it('sets the time zone (IANA, validated) and quiet hours', async () => {
    expect(await dan().say('/tz asia/yekaterinburg')).toContain('Asia/Yekaterinburg');
    expect((await person(4))?.timezone).toBe('Asia/Yekaterinburg');
    expect(await dan().say('/tz Mars/Olympus')).toContain('неизвестный часовой пояс');
    expect((await person(4))?.timezone).toBe('Asia/Yekaterinburg');
    expect(await dan().say('/quiet 22:00-8:00')).toContain('22:00–08:00');
    expect((await person(4))?.quietHours).toEqual({ start: '22:00', end: '08:00' });
    expect(await dan().say('/quiet 25:00-08:00')).toContain('/quiet 22:00-08:00');
    expect(await dan().say('/quiet off')).toContain('выключены');
    expect((await person(4))?.quietHours).toBeUndefined();
  });

  it('lets e-mail wait for quiet hours too, and shows which channels wait in /me', async () => {
    const saved = await dan().say('/quiet 23:00-07:30 email');
    expect(saved).toContain('23:00–07:30');
    expect(saved).toContain('SMS и письма');
    expect(await person(4)).toMatchObject({ quietHours: { start: '23:00', end: '07:30' }, quietEmail: true });
    expect(await dan().say('/me')).toContain('Тихие часы: 23:00–07:30 (ждут SMS и e-mail)');
    // A range alone: SMS wait, e-mail no longer does.
    await dan().say('/quiet 22:00-08:00');
    expect(await person(4)).toMatchObject({ quietHours: { start: '22:00', end: '08:00' }, quietEmail: false });
    expect(await dan().say('/me')).toContain('Тихие часы: 22:00–08:00 (ждут SMS)');
    // Bad input changes nothing.
    expect(await dan().say('/quiet 25:00-08:00 email')).toContain('/quiet 22:00-08:00 email');
    expect(await person(4)).toMatchObject({ quietHours: { start: '22:00', end: '08:00' }, quietEmail: false });
    await dan().say('/quiet off');
    expect(await person(4)).toMatchObject({ quietEmail: false });
  });

  it('shows the profile with /me', async () => {
    await confirmEmail(dan(), 'dan@example.org', codes.sink);
    await confirmPhone(dan(), '+79123456789', codes.sms);
    const me = await dan().say('/me');
    expect(me).toContain('Профиль: Dan (@dan)');
    expect(me).toContain('E-mail: dan@example.org');
    expect(me).toContain('Телефон для SMS: +79123456789');
    expect(me).toContain('Часовой пояс:');
    expect(me).toContain('Наблюдаю за:');
  });

  it('asks for a missing argument, and a cancelled conversation saves nothing', async () => {
    await confirmEmail(dan(), 'dan@example.org', codes.sink);
    expect(await dan().say('/email')).toContain('Напишите адрес e-mail');
    expect(await dan().say('/cancel')).toContain('Отменено. Ничего не сохранено');
    expect(await dan().say('new@example.org')).toContain('/help'); // no longer in a conversation
    expect((await person(4))?.email).toBe('dan@example.org');

    expect(await dan().say('/phone')).toContain('телефон для SMS');
    expect(await dan().press('Отмена')).toContain('Отменено');
    expect((await person(4))?.phone).toBe('+79123456789');
  });

  it('re-asks after a bad answer in a conversation and saves a good one', async () => {
    await dan().say('/email');
    expect(await dan().say('not-an-address')).toContain('не похоже на адрес e-mail');
    expect(await dan().say('dan2@example.org')).toContain('Отправил письмо с кодом на dan2@example.org');
    const code = /(\d{6})/.exec(codes.sink.messages.at(-1)?.subject ?? '')![1]!;
    expect(await dan().say(code)).toContain('E-mail сохранён: dan2@example.org');
    expect((await person(4))?.email).toBe('dan2@example.org');
  });

  it('takes a time zone from a button', async () => {
    expect(await dan().say('/tz')).toContain('Выберите часовой пояс');
    expect(await dan().press('Asia/Novosibirsk')).toContain('Часовой пояс: Asia/Novosibirsk');
    expect((await person(4))?.timezone).toBe('Asia/Novosibirsk');
  });
});

describe('languages', () => {
  it('switches to English and back, per person', async () => {
    const eve = tb.user(5, 'Eve', 'eve');
    expect(await eve.say('/lang en')).toBe('Language: English.');
    expect(await eve.say('/email nope')).toContain('does not look like an e-mail address');
    expect(await eve.say('/help')).toContain('/watch 12 email sms — watch a task');
    expect(await eve.say('/smtp')).toContain('for admins only');
    expect(await tb.user(2, 'Bob', 'bob').say('/email nope')).toContain('не похоже'); // others stay Russian
    await eve.say('/lang');
    expect(await eve.press('Русский')).toBe('Язык: русский.');
    expect((await person(5))?.language).toBe('ru');
    expect(await eve.say('/lang de')).toContain('Можно: /lang ru или /lang en');
  });
});

describe('people', () => {
  it('shows contacts to admins only (members see names), and lets admins set them', async () => {
    const boss = tb.user(ADMIN, 'Boss', 'boss');
    const fay = tb.user(6, 'Fay', 'fay');
    await fay.say('/start');
    expect(await boss.say('/email @fay fay@example.org')).toContain('E-mail пользователя Fay: fay@example.org');
    expect(await boss.say('/phone @fay 8 912 000-11-22')).toContain('+79120001122');
    expect(await person(6)).toMatchObject({ email: 'fay@example.org', phone: '+79120001122' });

    const full = await boss.say('/people');
    expect(full).toContain('fay@example.org');
    expect(full).toContain('+79120001122');
    const names = await fay.say('/people');
    expect(names).toContain('Fay @fay');
    expect(names).toContain('Boss @boss (админ)');
    expect(names).not.toContain('@example.org'); // not even masked
    expect(names).not.toMatch(/\+7912|\*\*\*/);
    expect(names).not.toContain('e-mail:');

    expect(await fay.say('/email @boss hijack@example.org')).toContain('только для администраторов');
    expect((await person(ADMIN))?.email).toBeUndefined();
  });
});

describe('errors', () => {
  it('answers an unexpected failure with an error id, logs it with that id, and keeps working', async () => {
    // A secret saved with another SECRET_KEY cannot be decrypted.
    await SettingsModel.updateOne(
      { _id: 'global' },
      {
        $set: {
          smtp: { host: 'smtp.example.org', port: 465, security: 'tls', user: 'u', passwordEnc: 'v1:garbage', from: 'x@example.org' },
        },
      },
      { upsert: true },
    );
    const boss = tb.user(ADMIN, 'Boss', 'boss');
    const reply = await boss.say('/smtp');
    const id = /код ошибки ([0-9A-F]{6})/.exec(reply)?.[1];
    expect(id).toBeDefined();
    const logged = tb.logs.find((l) => l.errorId === id);
    expect(logged).toMatchObject({ level: 50 });
    expect(await boss.say('/me')).toContain('Профиль: Boss');
    await SettingsModel.deleteMany({});
  });

  it('sets command lists Telegram accepts, in both languages', async () => {
    await tb.setCommands();
    expect(tb.api.commands.get('default/ru')?.map((c) => c.command)).toContain('help');
    expect(tb.api.commands.get('default/en')?.map((c) => c.command)).toContain('help');
  });

  it('survives setMyCommands being refused by the Bot API', async () => {
    tb.api.refuse('setMyCommands', { status: 500, description: 'Internal Server Error' });
    try {
      await expect(tb.setCommands()).resolves.toBeUndefined();
    } finally {
      tb.api.refuse('setMyCommands');
      tb.api.refusals.length = 0;
    }
    expect(tb.logs.some((l) => String(l.msg).includes('setMyCommands'))).toBe(true);
  });
});
