/**
 * Secrets and admin settings under the trust rules: every form of a password or key is deleted from the
 * chat and never quoted back; a login in clear only when the admin says so; admin rights checked again at
 * the end of a conversation; two admins saving at once never lose a change silently.
 */
import { SettingsModel } from '../../src/db/models/index.js';
import { saveTemplate } from '../../src/services/settings.js';
import { startTestBot, type TestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { startSmsRuDouble, type SmsRuDouble } from '../support/sms-doubles.js';

useTestDatabase();
const ADMIN = 500;
const ADMIN2 = 501;
let tb: TestBot;
let boss: TestUser;
let chief: TestUser;
let smsru: SmsRuDouble;

beforeAll(async () => {
  // Saving a sender asks the gateway for its approved names: the double, never the real sms.ru.
  smsru = await startSmsRuDouble({ apiId: 'boss-Key-42', senders: ['BossCo'] });
  tb = await startTestBot({ adminIds: [ADMIN, ADMIN2], env: { REGISTRATION: 'open', SMSRU_BASE_URL: smsru.baseUrl } });
  boss = tb.user(ADMIN, 'Boss', 'boss');
  chief = tb.user(ADMIN2, 'Chief', 'chief');
  await boss.say('/start');
  await chief.say('/start');
});
afterAll(async () => {
  await tb?.close();
  await smsru?.close();
});

const settings = () => SettingsModel.findById('global').lean();

/** Sends `text` as `who`; the message must be gone from the chat and `secret` nowhere in replies or logs. */
async function sendSecret(who: TestUser, text: string, secret: string): Promise<string> {
  const { replies, sentId } = await who.send(text);
  expect(who.hasMessage(sentId)).toBe(false);
  const joined = replies.map((r) => r.text).join('\n');
  expect(joined).not.toContain(secret);
  for (const m of who.messages()) expect(m.text).not.toContain(secret);
  expect(JSON.stringify(tb.logs)).not.toContain(secret);
  return joined;
}

describe('the message with a password or key is deleted in every form', () => {
  it('an SMTP URL whose login is an e-mail address', async () => {
    const reply = await sendSecret(
      boss,
      '/smtp smtps://ivan@example.org:mail-Pass-771@smtp.example.org:465 "X <x@example.org>"',
      'mail-Pass-771',
    );
    expect(reply).toContain('Почтовый сервер сохранён');
    expect((await settings())!.smtp).toMatchObject({ user: 'ivan@example.org', security: 'tls' });
  });

  it('a form that is not a URL, with nothing quoted back', async () => {
    const before = (await settings())!.smtp;
    const reply = await sendSecret(boss, '/smtp smtp.example.org 465 ivan not-a-url-pw-55', 'not-a-url-pw-55');
    expect(reply).toContain('Не понял адрес сервера');
    expect((await settings())!.smtp).toEqual(before);
  });

  it('a URL with a password and a piece the bot cannot read: nothing of it is quoted back', async () => {
    const reply = await sendSecret(boss, '/smtp smtps://ivan:pw-q-1@smtp.example.org?pw-q-2', 'pw-q-2');
    expect(reply).toContain('Не понял адрес сервера');
  });

  it('a bad sender after a URL with a password is not quoted back either', async () => {
    const reply = await sendSecret(boss, '/smtp smtps://ivan:pw-in-url-1@smtp.example.org pw-misplaced-9', 'pw-misplaced-9');
    expect(reply).toContain('не адрес отправителя');
  });

  it('a conversation answer to the password step that starts with "/"', async () => {
    await boss.say('/smtp setup');
    await boss.say('smtp.example.org');
    await boss.press('465');
    await boss.press('TLS');
    await boss.say('ivan@example.org');
    const reply = await sendSecret(boss, '/slash-Pass-8', '/slash-Pass-8');
    expect(reply).toContain('Адрес отправителя');
    expect(await boss.say('Notifications <n@example.org>')).toContain('Почтовый сервер сохранён');
    expect(tb.secrets.decrypt((await settings())!.smtp!.passwordEnc!)).toBe('/slash-Pass-8');
  });

  it('/sms with a space instead of "=", and every kind of secret key', async () => {
    expect(await sendSecret(boss, '/sms smsru api_id spaced-Key-31', 'spaced-Key-31')).toContain('SMS-шлюз сохранён');
    expect(tb.secrets.decrypt((await settings())!.sms!.secretEnc!)).toBe('spaced-Key-31');
    expect(await sendSecret(boss, '/sms api_id spaced-Key-32', 'spaced-Key-32')).toContain('SMS-шлюз сохранён');
    await sendSecret(boss, '/sms smsru api_id=eq-Key-33', 'eq-Key-33');
    await sendSecret(boss, '/sms smsc login=me password=pw-Key-34', 'pw-Key-34');
    await sendSecret(boss, '/sms smsaero login=a@example.org key=k-Key-35', 'k-Key-35');
    await sendSecret(boss, '/sms twilio login=AC1 token=t-Key-36 sender=+15550001111', 't-Key-36');
    // A bare word may be a key typed without its name: deleted, and not quoted in the error.
    expect(await sendSecret(boss, '/sms smsru bare-Key-37', 'bare-Key-37')).toContain('Параметра «…» нет');
    expect(await sendSecret(boss, '/sms bare-Key-38', 'bare-Key-38')).toContain('SMS-шлюза «…» нет');
  });
});

describe('SMTP without encryption', () => {
  it('refuses a login in clear unless the admin says insecure, and then warns', async () => {
    const before = (await settings())!.smtp;
    const refused = await sendSecret(boss, '/smtp smtp://ivan:clear-Pw-1@mail.example.org:25 "X <x@example.org>"', 'clear-Pw-1');
    expect(refused).toContain('добавьте в конце слово insecure');
    expect((await settings())!.smtp).toEqual(before);
    const saved = await sendSecret(boss, '/smtp smtp://ivan:clear-Pw-2@mail.example.org:25 "X <x@example.org>" insecure', 'clear-Pw-2');
    expect(saved).toContain('Почтовый сервер сохранён');
    expect(saved).toContain('без шифрования');
    expect((await settings())!.smtp).toMatchObject({ security: 'none', user: 'ivan', insecureLogin: true });
    expect(await boss.say('/smtp')).toContain('без шифрования');
  });

  it('the conversation asks before a login goes in clear; Cancel saves nothing', async () => {
    const before = (await settings())!.smtp;
    await boss.say('/smtp setup');
    await boss.say('mail.example.org');
    await boss.press('25');
    await boss.press('none');
    await boss.say('ivan');
    expect(await boss.say('pw-conv-3')).toContain('открытым текстом');
    expect(await boss.say('yes')).toContain('insecure');
    expect(await boss.press('Отмена')).toContain('Отменено');
    expect((await settings())!.smtp).toEqual(before);
  });
});

describe('two admins', () => {
  it('an admin demoted during a conversation saves nothing at its end', async () => {
    const carl = tb.user(7, 'Carl', 'carl');
    await carl.say('/start');
    await boss.say('/admin @carl');
    const before = (await settings())!.schedule;
    expect(await carl.say('/schedule')).toContain('Как часто');
    await boss.say('/admin @carl off');
    expect(await carl.say('every 7 min')).toContain('только для администраторов');
    expect((await settings())!.schedule).toEqual(before);
  });

  it('saving at once: the second is told, shown the current settings, and nothing is lost', async () => {
    // Chief starts the SMS gateway conversation; Boss saves in one line meanwhile.
    await chief.say('/sms setup');
    await chief.press('sms.ru');
    await chief.press('api_id');
    await chief.say('chief-Key-41');
    await sendSecret(boss, '/sms smsru api_id=boss-Key-42 sender=BossCo', 'boss-Key-42');
    const version = (await settings())!.version;
    const reply = await chief.press('Без имени');
    expect(reply).toContain('Другой администратор только что изменил эти настройки');
    expect(reply).toContain('Имя отправителя: BossCo');
    expect(reply).not.toContain('boss-Key-42');
    expect((await settings())!.version).toBe(version);
    expect(tb.secrets.decrypt((await settings())!.sms!.secretEnc!)).toBe('boss-Key-42');
  });

  it('racing saves of the same version: exactly one wins, the others are told', async () => {
    const startVersion = (await settings())!.version;
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => saveTemplate('sms', `Text ${i} {task.number}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const r of lost) expect(r.reason).toMatchObject({ code: 'settings_conflict' });
    // Each reported success is a version of its own: two saves from one version would share one.
    expect((await settings())!.version).toBe(startVersion + won.length);
    const stored = (await settings())!.templates.sms;
    const texts = won.map((r) => r.value.templates.sms);
    expect(texts).toContain(stored);
  });
});
