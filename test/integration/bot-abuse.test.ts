/** Abuse bounded, through the bot: SMS phones that cannot bill the gateway (`/send` for members: bot-send.test.ts). */
import { PersonModel, SettingsModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { confirmEmail, confirmPhone, useCodeChannels } from '../support/contacts.js';

useTestDatabase();
const ADMIN = 600;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open' } });
const codes = useCodeChannels(tb);

const ann = () => tb.user(1, 'Ann', 'ann');
const bob = () => tb.user(2, 'Bob', 'bob');
const dan = () => tb.user(4, 'Dan', 'dan');
const boss = () => tb.user(ADMIN, 'Boss', 'boss');
const phoneOf = async (telegramId: number) => (await PersonModel.findOne({ telegramId }).lean())?.phone;

beforeAll(async () => {
  for (const u of [ann(), bob(), dan(), boss()]) await u.say('/start');
});

describe('SMS phones', () => {
  it('refuses premium-rate, toll-free and landline numbers, saying why and what to enter', async () => {
    expect(await confirmPhone(bob(), '+7 912 345-67-89', codes.sms)).toContain('+79123456789');
    const premium = await bob().say('/phone +7 809 123-45-67');
    expect(premium).toContain('+78091234567 — платный номер (premium-rate)');
    expect(premium).toContain('Укажите номер мобильного телефона, например: /phone +7 912 345-67-89');
    expect(await bob().say('/phone 8 800 555-35-35')).toContain('бесплатный номер 8-800 (toll-free)');
    expect(await bob().say('/phone +7 495 123-45-67')).toContain('городской (стационарный) номер');
    expect(await boss().say('/phone @bob +7 809 123-45-67')).toContain('платный номер');
    expect(await phoneOf(2)).toBe('+79123456789');

    await bob().say('/phone');
    expect(await bob().say('88001234567')).toContain('toll-free');
    expect(await bob().say('/cancel')).toContain('Отменено');
    expect(await phoneOf(2)).toBe('+79123456789');

    const en = tb.user(9, 'Eve', 'eve');
    await en.say('/lang en');
    expect(await en.say('/phone +7 809 123-45-67')).toContain('+78091234567 is a premium-rate number: SMS are not sent to it');
  });

  it('keeps to the countries an admin allows', async () => {
    expect(await bob().say('/sms countries=RU')).toContain('только для администраторов');
    expect((await SettingsModel.findById('global').lean())?.sms?.countries).toBeUndefined();
    expect(await boss().say('/sms countries=RU')).toContain('только из стран: RU');
    expect(await boss().say('/sms show')).toContain('Телефоны для SMS — только стран: RU');

    const refused = await dan().say('/phone +7 701 123 45 67');
    expect(refused).toContain('+77011234567 — номер страны KZ');
    expect(refused).toContain('только на номера стран: RU');
    expect(await boss().say('/phone @dan +7 701 123 45 67')).toContain('номер страны KZ');
    expect(await phoneOf(4)).toBeUndefined();
    expect(await dan().say('/phone +7 912 000-00-44')).toContain('+79120000044');

    expect(await boss().say('/sms countries=RU,XX')).toContain('не список стран');
    expect(await boss().say('/sms countries=ru,kz')).toContain('RU, KZ');
    expect(await confirmPhone(dan(), '+7 701 123 45 67', codes.sms)).toContain('+77011234567');
    expect(await phoneOf(4)).toBe('+77011234567');
    expect(await boss().say('/sms countries=any')).toContain('из любой страны');
    expect(await boss().say('/sms show')).toContain('любых стран');
  });
});

describe('contacts', () => {
  it('/observers shows a member names and channels, no addresses', async () => {
    const n = Number(/#(\d+)/.exec(await ann().say('/newtask Observed'))![1]);
    await confirmEmail(bob(), 'bob@example.org', codes.sink);
    await bob().say(`/watch ${n} email sms`);
    const list = await ann().say(`/observers ${n}`);
    expect(list).toContain('• Bob @bob — e-mail, SMS');
    expect(list).not.toContain('bob@example.org');
    expect(list).not.toContain('+7912');
  });
});
