/**
 * The "done when" of issue 3: a new person, from /start and /help alone, sets an e-mail and a phone, creates
 * a task and watches it on two channels; an admin configures SMTP and sms.ru and sees /smtp test succeed
 * against a loopback SMTP server (and fail, with the server's answer, against one that refuses the login).
 */
import { ObserverModel, PersonModel, SettingsModel, TaskModel } from '../../src/db/models/index.js';
import { startTestBot, type TestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startSmsRuDouble, type SmsRuDouble } from '../support/sms-doubles.js';
import { confirmEmail, confirmPhone } from '../support/contacts.js';
import { saveSms, saveSmtp } from '../../src/services/settings.js';

useTestDatabase();
const ADMIN = 77;
let tb: TestBot;
let mail: SmtpSink;
let strict: SmtpSink;
let smsru: SmsRuDouble;

beforeAll(async () => {
  mail = await startSmtpSink({ auth: { user: 'notify', pass: 'mail-password-2024' } });
  strict = await startSmtpSink({ auth: { user: 'notify', pass: 'another-password' } });
  smsru = await startSmsRuDouble({ apiId: 'A1B2C3D4-E5F6-0000-1111-222233334444', senders: ['MyCompany'] });
  tb = await startTestBot({ adminIds: [ADMIN], env: { SMSRU_BASE_URL: smsru.baseUrl, REGISTRATION: 'open' } });
});
afterEach(() => tb.expectNoRefusals());
afterAll(async () => {
  await tb?.close();
  await mail?.close();
  await strict?.close();
  await smsru?.close();
});

it('a new person gets from /start to watching a task on two channels', async () => {
  // The mail server and the gateway are set up (the next test does it as an admin would): codes can go out.
  await saveSmtp(
    {
      host: '127.0.0.1',
      port: mail.port,
      security: 'none',
      user: 'notify',
      password: 'mail-password-2024',
      insecure: true,
      from: 'tw@example.org',
    },
    tb.secrets,
  );
  await saveSms(
    { provider: 'smsru', secret: 'A1B2C3D4-E5F6-0000-1111-222233334444', secretKind: 'api_id', sender: 'MyCompany', fallback: 'none' },
    tb.secrets,
  );
  const nina = tb.user(501, 'Нина', 'nina');
  const hello = await nina.say('/start');
  expect(hello).toContain('/email');
  expect(hello).toContain('/help');
  const help = await nina.say('/help');
  for (const example of ['/email ivan@example.org', '/phone +7 912 345-67-89', '/newtask Подготовить отчёт', '/watch 12 email sms']) {
    expect(help).toContain(example);
  }

  expect(await confirmEmail(nina, 'nina@example.org', mail)).toContain('E-mail сохранён');
  expect(await confirmPhone(nina, '8 (912) 345 67 89', smsru)).toContain('+79123456789');
  const created = await nina.say('/newtask Квартальный отчёт');
  const n = Number(/Задание #(\d+) создано/.exec(created)?.[1]);
  expect(n).toBeGreaterThan(0);
  expect(await nina.say(`/watch ${n} email sms`)).toContain(`Вы наблюдаете за заданием #${n} «Квартальный отчёт»: e-mail, SMS.`);

  const me = await PersonModel.findOne({ telegramId: 501 }).lean();
  expect(me).toMatchObject({ email: 'nina@example.org', phone: '+79123456789', role: 'member' });
  const task = await TaskModel.findOne({ number: n }).lean();
  expect(String(task!.author)).toBe(String(me!._id));
  const observer = await ObserverModel.findOne({ task: task!._id, person: me!._id }).lean();
  expect(observer!.channels).toEqual(['email', 'sms']);
  expect(await nina.say('/me')).toContain(`Наблюдаю за: #${n} (e-mail, SMS)`);
});

it('an admin configures SMTP and sms.ru, and /smtp test succeeds against the loopback server', async () => {
  const admin = tb.user(ADMIN, 'Админ', 'admin');
  mail.reset();
  await admin.say('/start');
  await admin.say('/email admin@example.org');

  const { sentId } = await admin.send(
    `/smtp smtp://notify:mail-password-2024@127.0.0.1:${mail.port}?security=none "Оповещения <tasks@example.org>" insecure`,
  );
  expect(admin.hasMessage(sentId)).toBe(false);
  expect(await admin.say('/smtp')).toMatch(/Пароль: •{8}(\s|$)/);
  const stored = (await SettingsModel.findById('global').lean())!.smtp!;
  expect(stored.passwordEnc).not.toContain('mail-password-2024');

  const ok = await admin.say('/smtp test');
  expect(ok).toContain('Соединение в порядке');
  expect(mail.messages.map((m) => m.to)).toEqual([['admin@example.org']]);

  expect(await admin.say('/sms smsru api_id=A1B2C3D4-E5F6-0000-1111-222233334444 sender=MyCompany')).toContain('«MyCompany» согласовано');
  expect(await admin.say('/sms test')).toContain('SMS-шлюз отвечает');

  await admin.say(`/smtp smtp://notify:mail-password-2024@127.0.0.1:${strict.port}?security=none insecure`);
  const refused = await admin.say('/smtp test');
  expect(refused).toContain('Проверка не прошла: почтовый сервер не принял логин или пароль. Ответ сервера: «');
  expect(refused).toContain('535');
  expect(refused).not.toContain('mail-password-2024');
  expect(strict.messages).toHaveLength(0);
});
