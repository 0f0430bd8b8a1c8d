/** Admin settings through the bot: SMTP, the SMS gateway, templates, schedule (the delivery commands: bot-send.test.ts). */
import { SessionModel, SettingsModel } from '../../src/db/models/index.js';
import { createDeliveryService } from '../../src/delivery/service.js';
import { startTestBot, type TestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startSmsRuDouble, type SmsRuDouble } from '../support/sms-doubles.js';

useTestDatabase();
const ADMIN = 300;
const SMTP_PASSWORD = 's3cret-password-42';
const API_ID = 'sms-api-id-0123456789';
let tb: TestBot;
let sink: SmtpSink;
let smsru: SmsRuDouble;
/** Times the bot told the delivery service the schedule changed (main.ts's hook re-reads it in the worker). */
let scheduleChanges = 0;
// The real service; its hook is the one main.ts gives it (the worker's applySchedule), counted here.
const delivery = createDeliveryService({
  onScheduleChanged: () => {
    scheduleChanges += 1;
    return Promise.resolve();
  },
});
let boss: TestUser;
let user: TestUser;

beforeAll(async () => {
  sink = await startSmtpSink({ auth: { user: 'bot@example.org', pass: SMTP_PASSWORD } });
  smsru = await startSmsRuDouble({ apiId: API_ID, senders: ['TaskWatch'], balance: 512 });
  tb = await startTestBot({ adminIds: [ADMIN], delivery, env: { SMSRU_BASE_URL: smsru.baseUrl, REGISTRATION: 'open' } });
  boss = tb.user(ADMIN, 'Boss', 'boss');
  user = tb.user(1, 'Ann', 'ann');
  await boss.say('/start');
  await user.say('/start');
});
afterEach(() => tb.expectNoRefusals());
afterAll(async () => {
  await tb?.close();
  await sink?.close();
  await smsru?.close();
});

const settings = () => SettingsModel.findById('global').lean();

/** No bot message, no user message left in the chat, and no log line carries `secret`. */
function expectNowhere(secret: string): void {
  for (const m of boss.messages()) expect(m.text).not.toContain(secret);
  expect(JSON.stringify(tb.logs)).not.toContain(secret);
}

describe('SMTP', () => {
  const url = (password: string) => `smtp://bot%40example.org:${password}@127.0.0.1:${sink.port}?security=none`;

  it('is configured in one line; the password message is deleted, shown masked, stored encrypted', async () => {
    const { replies, sentId } = await boss.send(`/smtp ${url(SMTP_PASSWORD)} "Taskwatch <tw@example.org>" insecure`);
    const text = replies.map((r) => r.text).join('\n');
    expect(text).toContain('Сообщение с паролем (ключом) я удалил');
    expect(text).toContain('Почтовый сервер сохранён');
    expect(text).toContain('логин и пароль уходят на сервер без шифрования');
    expect(boss.hasMessage(sentId)).toBe(false);

    const smtp = (await settings())!.smtp!;
    expect(smtp).toMatchObject({
      host: '127.0.0.1',
      port: sink.port,
      security: 'none',
      user: 'bot@example.org',
      from: 'Taskwatch <tw@example.org>',
    });
    expect(smtp.passwordEnc).toMatch(/^v1:/);
    expect(smtp.passwordEnc).not.toContain(SMTP_PASSWORD);
    expect(tb.secrets.decrypt(smtp.passwordEnc!)).toBe(SMTP_PASSWORD);

    const shown = await boss.say('/smtp');
    expect(shown).toContain(`Сервер: 127.0.0.1:${sink.port}, защита: none`);
    expect(shown).toMatch(/Пароль: •{8}(\s|$)/);
    expect(shown).toContain('Отправитель: Taskwatch <tw@example.org>');
    expectNowhere(SMTP_PASSWORD);
  });

  it('refuses a malformed URL and a bad sender, keeping the saved settings', async () => {
    const before = (await settings())!.smtp;
    expect(await boss.say('/smtp ftp://host')).toContain('Не понял адрес сервера');
    expect(await boss.say(`/smtp ${url('x')} "not an address"`)).toContain('не адрес отправителя');
    expect((await settings())!.smtp).toEqual(before);
  });

  it('/smtp test asks for the admin’s own e-mail first', async () => {
    const reply = await boss.say('/smtp test');
    expect(reply).toContain('/email');
    expect(sink.count).toBe(0);
  });

  it('/smtp test verifies the server and sends a test letter to the admin', async () => {
    await boss.say('/email boss@example.org');
    const reply = await boss.say('/smtp test');
    expect(reply).toContain('Соединение в порядке');
    expect(reply).toContain('Тестовое письмо отправлено на boss@example.org');
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]).toMatchObject({ to: ['boss@example.org'], subject: 'taskwatch: тестовое письмо' });
  });

  it('/smtp test reports the server’s answer when the login is refused, without the password', async () => {
    await boss.say(`/smtp ${url('wrong-password-123')} insecure`);
    const reply = await boss.say('/smtp test');
    // The cause in Russian; the server's own words after it, quoted, for the admin.
    expect(reply).toMatch(/^Проверка не прошла: почтовый сервер не принял логин или пароль\. Ответ сервера: «[^»]*535[^»]*»$/m);
    expect(sink.authFailures).toBeGreaterThan(0);
    expectNowhere('wrong-password-123');
    // the sender was kept from before
    expect((await settings())!.smtp!.from).toBe('Taskwatch <tw@example.org>');
  });

  it('is configured step by step; the password answer is deleted', async () => {
    expect(await boss.say('/smtp setup')).toContain('Шаг 1/6');
    expect(await boss.say('127.0.0.1')).toContain('Порт');
    expect(await boss.say(String(sink.port))).toContain('Защита');
    expect(await boss.press('none')).toContain('Логин');
    expect(await boss.say('bot@example.org')).toContain('Пароль');
    const { replies, sentId } = await boss.send(SMTP_PASSWORD);
    expect(replies.map((r) => r.text).join()).toContain('открытым текстом');
    expect(boss.hasMessage(sentId)).toBe(false);
    expect(await boss.press('insecure')).toContain('Адрес отправителя');
    // The conversation lives in MongoDB meanwhile, with the password encrypted.
    const session = JSON.stringify(await SessionModel.find().lean());
    expect(session).toContain('bot@example.org');
    expect(session).not.toContain(SMTP_PASSWORD);
    const saved = await boss.say('Notifications <n@example.org>');
    expect(saved).toContain('Почтовый сервер сохранён');
    expect(saved).toContain('без шифрования');
    const smtp = (await settings())!.smtp!;
    expect(smtp).toMatchObject({ port: sink.port, security: 'none', from: 'Notifications <n@example.org>' });
    expect(tb.secrets.decrypt(smtp.passwordEnc!)).toBe(SMTP_PASSWORD);
    expect(await boss.say('/smtp test')).toContain('Соединение в порядке');
    expectNowhere(SMTP_PASSWORD);
    expect(await SessionModel.countDocuments()).toBe(0);
  });

  it('saves nothing when the conversation is cancelled half-way', async () => {
    const before = await settings();
    await boss.say('/smtp setup');
    await boss.say('smtp.other.example');
    await boss.press('587');
    expect(await boss.press('Отмена')).toContain('Ничего не сохранено');
    expect((await settings())!.smtp).toEqual(before!.smtp);
    expect((await settings())!.version).toBe(before!.version);
  });

  it('answers a bad step with what is wrong and asks again', async () => {
    await boss.say('/smtp setup');
    expect(await boss.say('not a host!')).toContain('не имя почтового сервера');
    expect(await boss.say('smtp.example.org')).toContain('Порт');
    expect(await boss.say('99999')).toContain('не порт');
    await boss.say('/cancel');
  });
});

describe('SMS gateway', () => {
  it('configures sms.ru in one line, deletes the message with the api_id, and checks the sender name', async () => {
    const { replies, sentId } = await boss.send(`/sms smsru api_id=${API_ID} sender=TaskWatch`);
    const text = replies.map((r) => r.text).join('\n');
    expect(text).toContain('SMS-шлюз сохранён');
    expect(text).toContain('«TaskWatch» согласовано');
    expect(boss.hasMessage(sentId)).toBe(false);
    const sms = (await settings())!.sms!;
    expect(sms).toMatchObject({ provider: 'smsru', secretKind: 'api_id', sender: 'TaskWatch' });
    expect(tb.secrets.decrypt(sms.secretEnc!)).toBe(API_ID);
    const shown = await boss.say('/sms');
    expect(shown).toContain('Шлюз: sms.ru');
    expect(shown).toMatch(/api_id: •{8}(\s|$)/);
    expectNowhere(API_ID);
  });

  it('checks the credentials, the balance and the approved senders', async () => {
    expect(await boss.say('/sms test')).toContain('SMS-шлюз отвечает');
    expect(await boss.say('/sms balance')).toContain('Баланс: 512 RUB');
    expect(await boss.say('/sms senders')).toContain('Согласованные имена отправителей: TaskWatch');
  });

  it('warns about a sender name the gateway has not approved, and saves it anyway', async () => {
    const reply = await boss.say('/sms sender=OtherName');
    expect(reply).toContain('SMS-шлюз сохранён');
    expect(reply).toContain('«OtherName» шлюз ещё не согласовал (согласованы: TaskWatch)');
    expect((await settings())!.sms!.sender).toBe('OtherName');
    expect(tb.secrets.decrypt((await settings())!.sms!.secretEnc!)).toBe(API_ID);
  });

  it('reports the gateway’s refusal of wrong credentials', async () => {
    await boss.say('/sms smsru api_id=wrong-api-id-000');
    expect(await boss.say('/sms test')).toMatch(
      /^Проверка SMS-шлюза не прошла: SMS-шлюз не принял ключ доступа или логин\. Ответ шлюза: «sms\.ru auth\/check: .*\(code 200\)»$/,
    );
    expectNowhere('wrong-api-id-000');
    await boss.say(`/sms smsru api_id=${API_ID}`);
  });

  it('refuses unknown providers, keys and incomplete settings', async () => {
    const before = (await settings())!.sms;
    // The message carried a key: it is deleted, and nothing from it is quoted back.
    expect(await boss.say('/sms megafon api_id=1')).toContain('SMS-шлюза «…» нет');
    expect(await boss.say('/sms colour=red')).toContain('Параметра «colour» нет');
    const { replies, sentId } = await boss.send('/sms smsru api_id=leaky-secret-999 colour=red');
    expect(replies.map((r) => r.text).join()).toContain('Параметра «colour» нет');
    expect(boss.hasMessage(sentId)).toBe(false);
    expect(await boss.say('/sms smsc login=me')).toContain('Не хватает «password»');
    expect(await boss.say('/sms parts=99')).toContain('не подходит для «parts»');
    expect((await settings())!.sms).toEqual(before);
  });

  it('is configured step by step, and says when a provider has no sender list', async () => {
    expect(await boss.say('/sms setup')).toContain('Какой SMS-шлюз?');
    expect(await boss.press('Twilio')).toContain('Account SID');
    expect(await boss.say('AC0123456789abcdef0123456789abcdef')).toContain('Auth Token');
    const { sentId } = await boss.send('twilio-auth-token-xyz');
    expect(boss.hasMessage(sentId)).toBe(false);
    expect(await boss.say('+15550001111')).toContain('SMS-шлюз сохранён');
    expect((await settings())!.sms).toMatchObject({ provider: 'twilio', secretKind: 'auth_token', sender: '+15550001111' });
    expect(await boss.say('/sms senders')).toContain('нет списка имён отправителей');
    expectNowhere('twilio-auth-token-xyz');
    await boss.say(`/sms smsru api_id=${API_ID} sender=TaskWatch`);
  });
});

describe('templates', () => {
  it('saves an SMS template and previews its encoding, length and parts', async () => {
    expect(await boss.say('/template sms Задание изменено')).toContain('UCS-2, 16 символов, 1 SMS');
    expect((await settings())!.templates.sms).toBe('Задание изменено');
    const long = 'Ж'.repeat(96);
    expect(await boss.say(`/template sms ${long}`)).toContain('UCS-2, 96 символов, 2 SMS');
    expect(await boss.say('/template sms Task changed')).toContain('GSM-7, 12 символов, 1 SMS');
    const withFields = await boss.say('/template sms #{task.number} {task.title}: {changes}');
    expect(withFields).toMatch(/Пример:\n#12 /);
  });

  it('previews the SMS as sent: GSM-7 stand-ins, cut to the part limit', async () => {
    const typographic = await boss.say('/template sms Task {task.number} — “done” → ok…');
    expect(typographic).toContain('Пример:\nTask 12 - "done" -> ok...\nGSM-7, 25 символов, 1 SMS');
    await boss.say('/sms parts=1');
    const long = await boss.say(`/template sms ${'a'.repeat(200)}`);
    expect(long).toContain('Пример:\n' + 'a'.repeat(157) + '...');
    expect(long).toContain('GSM-7, 160 символов, 1 SMS');
    expect(long).toContain('Длиннее предела в 1 часть: текст обрезан');
    await boss.say('/sms parts=3');
  });

  it('refuses a template with an unknown placeholder', async () => {
    const before = (await settings())!.templates;
    const reply = await boss.say('/template sms #{task.nmber} {task.title}');
    expect(reply).toContain('неизвестные поля: {task.nmber}');
    expect((await settings())!.templates).toEqual(before);
    expect(await boss.say('/template colour x')).toContain('Шаблона такого вида нет');
  });

  it('shows a template, and goes back to the default', async () => {
    expect(await boss.say('/template email_subject')).toContain('по умолчанию');
    expect(await boss.say('/template sms default')).toContain('возвращён к исходному');
    expect((await settings())!.templates.sms).toBeUndefined();
  });

  it('edits a template step by step', async () => {
    await boss.say('/template');
    expect(await boss.press('тема письма')).toContain('Новый текст шаблона email_subject');
    expect(await boss.say('#{task.number}: {task.title}')).toContain('Шаблон email_subject сохранён');
    expect((await settings())!.templates.emailSubject).toBe('#{task.number}: {task.title}');
  });
});

describe('schedule', () => {
  it('sets an interval, a cron expression, or off, and tells the delivery engine', async () => {
    scheduleChanges = 0;
    expect(await boss.say('/schedule every 5 min')).toContain('каждые 5 минут');
    expect((await settings())!.schedule).toEqual({ kind: 'interval', everyMinutes: 5 });
    expect(await boss.say('/schedule */10 9-18 * * 1-5')).toContain('по cron «*/10 9-18 * * 1-5»');
    expect((await settings())!.schedule).toMatchObject({ kind: 'cron', cron: '*/10 9-18 * * 1-5' });
    expect(await boss.say('/schedule off')).toContain('выключена');
    expect((await settings())!.schedule).toMatchObject({ kind: 'off' });
    expect(scheduleChanges).toBe(3);
  });

  it('refuses a bad schedule and keeps the old one', async () => {
    await boss.say('/schedule every 15 min');
    expect(await boss.say('/schedule 61 * * * *')).toContain('неверное cron-выражение');
    expect(await boss.say('/schedule sometimes')).toContain('не расписание');
    expect(await boss.say('/schedule every 5000 min')).toContain('не расписание');
    expect((await settings())!.schedule).toEqual({ kind: 'interval', everyMinutes: 15 });
  });

  it('offers buttons when typed without arguments', async () => {
    expect(await boss.say('/schedule')).toContain('Автоматическая рассылка: каждые 15 минут');
    expect(await boss.press('каждую минуту')).toContain('Расписание сохранено: каждую минуту');
    expect((await settings())!.schedule).toEqual({ kind: 'interval', everyMinutes: 1 });
  });
});
