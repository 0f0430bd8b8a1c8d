/**
 * A person's own e-mail and phone count once confirmed (finding 5 of the trust review, and the "no lookup
 * finds it" half of finding 1): through the bot, with the code read from what the loopback SMTP sink and the
 * sms.ru double received, as the person would read it.
 */
import { PersonModel } from '../../src/db/models/index.js';
import { findPersonAnyRef } from '../../src/services/person-refs.js';
import { useTestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { confirmEmail, confirmPhone, useCodeChannels } from '../support/contacts.js';

useTestDatabase();
const ADMIN = 900;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open', CODE_SMS_PER_DAY: '3' } });
const codes = useCodeChannels(tb);
const boss = () => tb.user(ADMIN, 'Boss', 'boss');
const stored = (telegramId: number) => PersonModel.findOne({ telegramId }).lean();

let nextId = 1;
async function member(name: string): Promise<TestUser> {
  const u = tb.user(nextId++, name, name.toLowerCase());
  await u.say('/start');
  return u;
}
const codeIn = (text: string | undefined) => /(\d{6})/.exec(text ?? '')![1]!;

beforeAll(async () => {
  await boss().say('/start');
});

it('sends a code to the new address, sends nothing else there and finds nobody by it until the code comes back', async () => {
  const ann = await member('Ann');
  const asked = await ann.say('/email ann@example.org');
  expect(asked).toBe(
    'Отправил письмо с кодом на ann@example.org. Пришлите код сюда в течение 15 минут — просто шесть цифр (или /confirm 123456). ' +
      'Пока код не пришёл, на ann@example.org ничего не отправляется.',
  );
  const letter = codes.sink.messages.at(-1)!;
  expect(letter.to).toEqual(['ann@example.org']);
  expect(letter.subject).toMatch(/^taskwatch: код подтверждения \d{6}$/);
  expect(letter.text).toContain('Ann просит бота taskwatch в Telegram присылать оповещения о заданиях на этот адрес');
  expect(letter.text).toContain('Если это были не вы, ничего не делайте');
  expect(await stored(1)).toMatchObject({ pendingEmail: { value: 'ann@example.org' } });
  expect((await stored(1))?.email).toBeUndefined();
  expect(await findPersonAnyRef('ann@example.org')).toBeUndefined();
  expect(await ann.say('/me')).toContain('Ждёт кода: ann@example.org');

  expect(await ann.say(codeIn(letter.subject))).toBe('E-mail сохранён: ann@example.org. Оповещения по e-mail придут на него.');
  expect(await stored(1)).toMatchObject({ email: 'ann@example.org' });
  expect((await stored(1))?.pendingEmail).toBeUndefined();
  expect(String((await findPersonAnyRef('ANN@example.org'))?.telegramId)).toBe('1');
  expect(await ann.say('/me')).not.toContain('Ждёт кода');
});

it('counts wrong codes down, drops the address after five, and refuses an old code', async () => {
  const bob = await member('Bob');
  await bob.say('/email bob@example.org');
  const right = codeIn(codes.sink.messages.at(-1)!.subject);
  const wrong = right === '000000' ? '111111' : '000000';
  expect(await bob.say(`/confirm ${wrong}`)).toBe('Код не подходит. Осталось попыток: 4.');
  for (const left of [3, 2, 1]) expect(await bob.say(wrong)).toBe(`Код не подходит. Осталось попыток: ${left}.`);
  expect(await bob.say(wrong)).toContain('Слишком много неверных кодов');
  expect(await bob.say(`/confirm ${right}`)).toContain('Никакой код сейчас не ждёт');
  expect(await stored(bob.id)).not.toHaveProperty('email');
  expect(await bob.say('/confirm 12')).toContain('Код — это шесть цифр');
});

it('refuses a code past its 15 minutes', async () => {
  const cat = await member('Cat');
  await cat.say('/email cat@example.org');
  await PersonModel.updateOne({ telegramId: cat.id }, { $set: { 'pendingEmail.expiresAt': new Date(Date.now() - 1000) } });
  expect(await cat.say(codeIn(codes.sink.messages.at(-1)!.subject))).toBe(
    'Код устарел. Запросите новый: снова /email или /phone с адресом.',
  );
  expect(await stored(cat.id)).not.toHaveProperty('email');
  expect(await stored(cat.id)).not.toHaveProperty('pendingEmail');
});

it('refuses an address someone has: to a member without a name, to an admin naming them; nothing is sent', async () => {
  const dan = await member('Dan');
  await confirmEmail(dan, 'dan@example.org', codes.sink);
  const eve = await member('Eve');
  const letters = codes.sink.messages.length;
  expect(await eve.say('/email DAN@example.org')).toBe(
    'Адрес DAN@example.org уже указан у другого человека. Если он ваш, напишите администратору.',
  );
  expect(codes.sink.messages).toHaveLength(letters);
  expect(await boss().say('/email @eve dan@example.org')).toBe(
    'E-mail dan@example.org уже указан у: Dan (@dan). Один адрес — у одного человека: сначала уберите его там (/email @username off).',
  );
  expect(await stored(eve.id)).not.toHaveProperty('email');
  // An admin's word is trusted: set at once, no code.
  expect(await boss().say('/email @eve eve@example.org')).toBe('E-mail пользователя Eve: eve@example.org.');
  expect(await boss().say('/email boss@example.org')).toContain('E-mail сохранён: boss@example.org');
  expect(codes.sink.messages).toHaveLength(letters);
});

it('caps SMS codes per day for the deployment and shows the count in /queue', async () => {
  const people = [await member('Fay'), await member('Gus'), await member('Hal'), await member('Ida')];
  const sms = codes.sms.accepted.length;
  for (const [i, p] of people.slice(0, 3).entries()) {
    expect(await confirmPhone(p, `+7 912 000-01-0${i}`, codes.sms)).toContain(`+791200001${String(i).padStart(2, '0')}`);
  }
  expect(codes.sms.accepted.slice(sms).map((a) => a.msg)).toEqual(
    Array(3).fill(expect.stringMatching(/^taskwatch: код \d{6}\. Отправьте его боту за 15 мин\.$/)),
  );
  expect(await people[3]!.say('/phone +7 912 000-01-09')).toBe(
    'SMS с кодами на сегодня закончились. Попробуйте завтра или попросите администратора указать ваш номер.',
  );
  expect(codes.sms.accepted).toHaveLength(sms + 3);
  expect(await boss().say('/queue')).toContain('SMS с кодами подтверждения сегодня (UTC): 3 из 3.');
});

it('lets a person ask for five codes an hour, then says when to try again', async () => {
  const jon = await member('Jon');
  for (let i = 0; i < 5; i++) expect(await jon.say(`/email jon${i}@example.org`)).toContain('Отправил письмо с кодом');
  expect(await jon.say('/email jon5@example.org')).toMatch(/^Код можно запросить не больше 5 раз в час\. Попробуйте через \d+ мин\.$/);
  expect(codes.sink.messages.filter((m) => m.to[0] === 'jon5@example.org')).toHaveLength(0);
});

it('leaves six digits alone when no code is waiting, and speaks the person’s language', async () => {
  const kim = await member('Kim');
  expect(await kim.say('123456')).toContain('/help');
  await kim.say('/lang en');
  expect(await kim.say('/email kim@example.org')).toContain('I sent a letter with a code to kim@example.org.');
  expect(codes.sink.messages.at(-1)!.subject).toMatch(/^taskwatch: confirmation code \d{6}$/);
  expect(await kim.say(codeIn(codes.sink.messages.at(-1)!.subject))).toBe(
    'E-mail saved: kim@example.org. E-mail notifications will go there.',
  );
});
