/**
 * `/channels` and `/digest` through the bot: the buttons (only their owner, only a member, may press them),
 * a channel without an address, `off`, bad input, and what `/me` and `/help` say. What `/send` and `/queue`
 * say of daily digests: test/integration/bot-send.test.ts (they need a real worker).
 */
import { Buffer } from 'node:buffer';
import { PersonModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { confirmPhone, useCodeChannels } from '../support/contacts.js';

useTestDatabase();
const ADMIN = 100;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open' } });
const codes = useCodeChannels(tb);

const ann = () => tb.user(11, 'Ann', 'ann');
const bob = () => tb.user(12, 'Bob', 'bob');
const stored = (telegramId: number) => PersonModel.findOne({ telegramId }).lean();
const channelsOf = async (telegramId: number) => [...((await stored(telegramId))?.participantChannels ?? [])];

beforeAll(async () => {
  await ann().say('/start');
  await bob().say('/start');
});

describe('/channels', () => {
  it('shows a toggle per channel and Done; toggles save, a channel without an address is refused with how to add it', async () => {
    const a = ann();
    await a.say('/channels');
    const menu = a.last()!;
    expect(menu.text).toContain('e-mail');
    expect(menu.buttons.map((b) => b.text)).toEqual(['✓ e-mail', 'SMS', 'Telegram', '✔ Готово']);
    for (const b of menu.buttons) expect(Buffer.byteLength(b.data ?? '', 'utf8')).toBeLessThanOrEqual(64);

    // No phone: SMS is refused, and nothing changes.
    expect(await a.press('SMS')).toContain('/phone +79123456789');
    expect(await channelsOf(11)).toEqual(['email']);

    await a.press('Telegram');
    expect(await channelsOf(11)).toEqual(['email', 'telegram']);
    expect(
      a
        .messages()
        .find((m) => m.id === menu.id)
        ?.buttons.map((b) => b.text),
    ).toEqual(['✓ e-mail', 'SMS', '✓ Telegram', '✔ Готово']);
    await a.press('e-mail');
    expect(await channelsOf(11)).toEqual(['telegram']);

    await a.press('Готово');
    const done = a.messages().find((m) => m.id === menu.id)!;
    expect(done.text).toBe('Об изменениях ваших заданий (вы автор или исполнитель) сообщу: Telegram.');
    expect(done.buttons).toEqual([]);
  });

  it('refuses someone else pressing the buttons, and a removed person: nothing changes', async () => {
    const a = ann();
    await a.say('/channels telegram');
    await a.say('/channels');
    const menu = a.last()!;
    const toggleTelegram = menu.buttons.find((b) => b.text.includes('Telegram'))!.data!;
    const before = JSON.stringify(menu);

    expect(await bob().callback(toggleTelegram, menu.id)).toBe('');
    expect(await bob().callback(toggleTelegram.replace(/:\d$/, ':done'), menu.id)).toBe('');
    expect(await channelsOf(11)).toEqual(['telegram']);
    expect(await channelsOf(12)).toEqual(['email']);
    expect(JSON.stringify(a.messages().find((m) => m.id === menu.id))).toBe(before);

    // Ann herself, once removed, is no member: her own button does nothing either.
    await PersonModel.updateOne({ telegramId: 11 }, { $set: { role: 'blocked' } });
    try {
      expect(await a.callback(toggleTelegram, menu.id)).toBe('');
      expect(await channelsOf(11)).toEqual(['telegram']);
    } finally {
      await PersonModel.updateOne({ telegramId: 11 }, { $set: { role: 'member' } });
    }
  });

  it('sets channels in one line, refuses one without an address or an unknown word, and turns them off', async () => {
    const b = bob();
    expect(await b.say('/channels email')).toContain('Добавьте его: /email ivan@example.org');
    expect(await b.say('/channels telegram sms')).toContain('Добавьте его: /phone +79123456789');
    expect(await channelsOf(12)).toEqual(['email']);
    expect(await b.say('/channels pigeon')).toContain('Канала «pigeon» нет');
    expect(await channelsOf(12)).toEqual(['email']);

    await confirmPhone(b, '+7 912 000-00-12', codes.sms);
    expect(await b.say('/channels sms telegram')).toContain('SMS, Telegram');
    expect(await channelsOf(12)).toEqual(['sms', 'telegram']);
    expect(await b.say('/me')).toContain('Каналы для своих заданий (автор, исполнитель): SMS, Telegram');

    expect(await b.say('/channels off')).toContain('больше не сообщаю');
    expect(await channelsOf(12)).toEqual([]);
    expect(await b.say('/me')).toContain('Каналы для своих заданий (автор, исполнитель): никаких');
  });
});

describe('/digest', () => {
  it('sets daily and now, says when the digest goes and what becomes of SMS, and shows it in /me', async () => {
    const b = bob();
    await b.say('/tz Asia/Vladivostok');
    const daily = await b.say('/digest daily 18:00');
    expect(daily).toContain('раз в день в 18:00 по поясу Asia/Vladivostok');
    expect(daily).toContain('с первой рассылкой в 18:00 или позже');
    expect(daily).toContain('SMS об изменениях в этом режиме не приходят');
    expect(await stored(12)).toMatchObject({ digestTime: '18:00', digestSms: false });
    expect(await b.say('/me')).toContain('Сводка: раз в день в 18:00 (Asia/Vladivostok), без SMS');

    expect(await b.say('/digest daily 9:30 sms')).toContain('SMS тоже придут раз в день');
    expect(await stored(12)).toMatchObject({ digestTime: '09:30', digestSms: true });

    expect(await b.say('/digest now')).toContain('при каждой рассылке');
    const now = await stored(12);
    expect(now?.digestTime).toBeUndefined();
    expect(await b.say('/me')).toContain('Сводка: при каждой рассылке');
  });

  it('refuses a bad mode or time with how to write it, changing nothing', async () => {
    const b = bob();
    await b.say('/digest daily 18:00');
    for (const bad of ['/digest daily 25:00', '/digest weekly', '/digest daily', '/digest daily 18:00 pigeon']) {
      expect(await b.say(bad)).toContain('Напишите так: /digest now');
    }
    expect(await stored(12)).toMatchObject({ digestTime: '18:00', digestSms: false });
    await b.say('/digest now');
  });

  it('is in /help, with the SMS rule, in both languages', async () => {
    const b = bob();
    const help = await b.say('/help');
    expect(help).toContain('/channels email telegram');
    expect(help).toContain('/digest daily 18:00 sms');
    expect(help).toContain('В режиме daily SMS об изменениях не приходят');
    await b.say('/lang en');
    try {
      const en = await b.say('/help');
      expect(en).toContain('In daily mode no SMS come for changes');
      expect(await b.say('/digest sometimes')).toContain('is not a digest mode');
    } finally {
      await b.say('/lang ru');
    }
  });
});
